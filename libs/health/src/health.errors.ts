/** Thrown by `poolOptions()` for an unknown environment or bad overrides; lists every problem. */
export class PoolOptionsError extends Error {
  override readonly name = 'PoolOptionsError';

  constructor(readonly problems: string[]) {
    super(
      `poolOptions(): invalid arguments:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
        "Call it as poolOptions('production' | 'development' | 'test', { driver?, max?, min?, idleTimeout?, acquireTimeout? }).",
    );
  }
}
