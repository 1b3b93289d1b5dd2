/** Reflect-metadata key under which `@Cached` / `@InvalidateCache` record a method's options. */
export const CACHE_METHOD_METADATA = 'nest-perf:cache:method';

/** @internal Per-instance table of the handlers the explorer built: `instance[HANDLERS][method]`. */
export const CACHE_HANDLERS = Symbol.for('nest-perf:cache:handlers');

/** Namespace used by `PerfCacheService` calls that give none. */
export const DEFAULT_NAMESPACE = 'default';
