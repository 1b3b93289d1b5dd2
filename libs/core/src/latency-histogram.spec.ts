import fc from 'fast-check';
import { LatencyHistogram } from './latency-histogram';

describe('LatencyHistogram', () => {
  it('is empty until the first value', () => {
    const h = new LatencyHistogram();
    expect(h.quantile(0.5)).toBe(0);
    expect(h.count).toBe(0);
  });

  it('answers every quantile within 2.6% of the exact value, and clamps to min/max', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.002, max: 50_000, noNaN: true }), {
          minLength: 1,
          maxLength: 400,
        }),
        fc.constantFrom(0.5, 0.95, 0.99),
        (values, q) => {
          const h = new LatencyHistogram();
          for (const v of values) h.record(v);
          const sorted = [...values].sort((a, b) => a - b);
          const exact = sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
          const got = h.quantile(q);
          expect(Math.abs(got - exact) / exact).toBeLessThanOrEqual(0.026);
          expect(got).toBeGreaterThanOrEqual(sorted[0]);
          expect(got).toBeLessThanOrEqual(sorted[sorted.length - 1]);
          expect(h.maxMs).toBe(sorted[sorted.length - 1]);
        },
      ),
    );
  });

  it('keeps values below 1 µs and above 1000 s in its end buckets', () => {
    const h = new LatencyHistogram();
    h.record(0);
    h.record(5_000_000);
    expect(h.quantile(0.25)).toBe(0);
    expect(h.quantile(1)).toBe(5_000_000);
  });

  it('merges', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    for (let i = 1; i <= 50; i++) a.record(i);
    for (let i = 51; i <= 100; i++) b.record(i);
    a.merge(b);
    expect(a.count).toBe(100);
    expect(a.quantile(0.5)).toBeCloseTo(50, -0.5);
    expect(a.maxMs).toBe(100);
  });
});
