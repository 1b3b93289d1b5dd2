/** Thrown at startup for invalid `PerformanceModule` options; lists every problem. */
export class PerformanceOptionsError extends Error {
  override readonly name = 'PerformanceOptionsError';

  constructor(readonly problems: string[]) {
    super(
      `PerformanceModule: invalid options:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
        'Fix them in PerformanceModule.forRoot()/forRootAsync() (see docs/API.md, "@nest-perf/metrics").',
    );
  }
}
