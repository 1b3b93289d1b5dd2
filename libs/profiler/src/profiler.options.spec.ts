import { resolveProfilerOptions } from './profiler.options';
import { QueryProfilerOptionsError } from './profiler.errors';

describe('resolveProfilerOptions', () => {
  it('applies the defaults', () => {
    expect(resolveProfilerOptions(undefined)).toEqual({
      enabled: true,
      slowQueryMs: 100,
      slowQueryBuffer: 100,
      captureParams: false,
      explainSlowQueries: false,
      maxFingerprints: 2000,
      nPlusOne: { threshold: 5, mode: 'warn', intervalMs: 60_000, maxReports: 500 },
      serverTiming: true,
      dataSources: undefined,
      workloadFile: undefined,
    });
  });

  it('accepts durations as strings', () => {
    const o = resolveProfilerOptions({
      slowQueryMs: '250ms',
      nPlusOne: { interval: '5m' },
      workloadFile: { path: 'w.json', interval: '30s' },
    });
    expect(o.slowQueryMs).toBe(250);
    expect(o.nPlusOne.intervalMs).toBe(300_000);
    expect(o.workloadFile).toEqual({ path: 'w.json', intervalMs: 30_000 });
  });

  it('lists every problem in one error', () => {
    let error: unknown;
    try {
      resolveProfilerOptions({
        slowQueryMs: -1 as never,
        slowQueryBuffer: 0,
        captureParams: 'yes' as never,
        maxFingerprints: 1.5,
        nPlusOne: { threshold: 1, mode: 'loud' as never },
        dataSources: [{}] as never,
        workloadFile: { path: '' },
        slowQueryMS: 5,
      } as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(QueryProfilerOptionsError);
    const problems = (error as QueryProfilerOptionsError).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^unknown option 'slowQueryMS'/),
        expect.stringMatching(/^slowQueryMs must be a duration/),
        expect.stringMatching(/^slowQueryBuffer must be an integer >= 1 \(got 0\)/),
        expect.stringMatching(/^captureParams must be true or false/),
        expect.stringMatching(/^maxFingerprints must be an integer >= 1 \(got 1.5\)/),
        expect.stringMatching(/^nPlusOne.threshold must be an integer >= 2 \(got 1\)/),
        expect.stringMatching(/^nPlusOne.mode must be one of 'warn', 'throw', 'off'/),
        expect.stringMatching(/^dataSources must be an array of TypeORM DataSource/),
        expect.stringMatching(/^workloadFile must be \{ path: 'workload.json'/),
      ]),
    );
    expect(problems).toHaveLength(9);
    expect((error as Error).message).toMatch(/^QueryProfilerModule: invalid options:\n {2}- /);
  });

  it('rejects a workload interval under a second', () => {
    expect(() =>
      resolveProfilerOptions({ workloadFile: { path: 'w.json', interval: 10 } }),
    ).toThrow(/workloadFile.interval must be at least 1s/);
  });
});
