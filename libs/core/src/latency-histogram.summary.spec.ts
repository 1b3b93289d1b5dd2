import { LatencyHistogram } from './latency-histogram';

describe('LatencyHistogram', () => {
  it('summarises to zeros when empty', () => {
    expect(new LatencyHistogram().summary()).toEqual({
      count: 0,
      meanMs: 0,
      p50Ms: 0,
      p95Ms: 0,
      p99Ms: 0,
      maxMs: 0,
    });
  });

  it('reports percentiles within 2.5% of the true value', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.record(i);
    const s = h.summary();
    expect(s.count).toBe(1000);
    expect(s.meanMs).toBeCloseTo(500.5, 1);
    expect(Math.abs(s.p50Ms - 500) / 500).toBeLessThan(0.025);
    expect(Math.abs(s.p99Ms - 990) / 990).toBeLessThan(0.025);
    expect(s.maxMs).toBe(1000);
  });
});
