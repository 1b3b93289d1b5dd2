/** Thrown at startup when `PerfCacheModule` options are invalid; lists every problem at once. */
export class PerfCacheOptionsError extends Error {
  override readonly name = 'PerfCacheOptionsError';

  constructor(readonly problems: string[]) {
    super(`PerfCacheModule: invalid options:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Thrown when `@Cached` / `@InvalidateCache` is used wrongly (at class definition time). */
export class CacheDecoratorError extends Error {
  override readonly name = 'CacheDecoratorError';
}
