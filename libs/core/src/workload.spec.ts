import { InvalidWorkloadError, parseWorkload } from './workload';

const valid = {
  version: 1,
  dialect: 'postgres',
  queries: [
    { fingerprint: '0123456789abcdef', sql: 'SELECT $1', calls: 3, totalMs: 1.5, meanMs: 0.5 },
    {
      fingerprint: 'fedcba9876543210',
      sql: 'SELECT * FROM t WHERE a = $1',
      calls: 1,
      totalMs: 0,
      meanMs: 0,
      sampleParams: [42],
    },
  ],
};

describe('parseWorkload', () => {
  it('returns a valid workload as is', () => {
    expect(parseWorkload(valid)).toBe(valid);
  });

  it('names every problem, and the source', () => {
    let error: unknown;
    try {
      parseWorkload(
        {
          version: 2,
          dialect: 'oracle',
          queries: [
            { fingerprint: 'xyz', sql: '', calls: 0, totalMs: -1, meanMs: NaN, sampleParams: {} },
          ],
        },
        'workload.json',
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidWorkloadError);
    expect((error as InvalidWorkloadError).problems).toEqual([
      'version: expected 1, got 2 (written by another version of @nest-perf/profiler?)',
      'dialect: expected one of postgres, mysql, sqlite, got "oracle"',
      'queries[0].fingerprint: expected 16 lower-case hex digits',
      'queries[0].sql: expected a non-empty string',
      'queries[0].calls: expected an integer >= 1',
      'queries[0].totalMs: expected a finite number >= 0',
      'queries[0].meanMs: expected a finite number >= 0',
      'queries[0].sampleParams: expected an array when present',
    ]);
    expect((error as Error).message).toMatch(/^workload.json is not a valid nest-perf workload/);
  });

  it('rejects what is not an object, and caps the list at 20 problems', () => {
    expect(() => parseWorkload([])).toThrow(/expected a JSON object/);
    const many = { ...valid, queries: Array.from({ length: 30 }, () => ({})) };
    try {
      parseWorkload(many);
    } catch (e) {
      const problems = (e as InvalidWorkloadError).problems;
      expect(problems).toHaveLength(21);
      expect(problems[20]).toMatch(/^\.\.\. and \d+ more$/);
    }
    expect.assertions(3);
  });
});
