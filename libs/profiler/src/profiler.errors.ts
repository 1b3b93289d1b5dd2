/** Thrown at startup for invalid `QueryProfilerModule` options; lists every problem. */
export class QueryProfilerOptionsError extends Error {
  override readonly name = 'QueryProfilerOptionsError';

  constructor(readonly problems: string[]) {
    super(
      `QueryProfilerModule: invalid options:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
        'Fix them in QueryProfilerModule.forRoot()/forRootAsync() (see docs/API.md, "@nest-perf/profiler").',
    );
  }
}

/**
 * Raised by the statement that crosses the N+1 threshold when `nPlusOne.mode` is `'throw'`;
 * that statement does not run. Meant for test suites that must fail on N+1.
 */
export class NPlusOneQueryError extends Error {
  override readonly name = 'NPlusOneQueryError';

  constructor(
    readonly route: string,
    readonly fingerprint: string,
    readonly sql: string,
    readonly count: number,
    readonly callSite: string | undefined,
    readonly hint: string,
  ) {
    super(
      `N+1 query in ${route}: the same SELECT ran ${count} times in one request` +
        `${callSite ? ` (called from ${callSite})` : ''}.\n  ${sql}\n${hint}`,
    );
  }
}
