/**
 * A latency histogram with bounded memory: logarithmic buckets 5% wide (so a percentile is within
 * about 2.5% of the true value), covering 1 µs to ~1000 s in 426 counters, allocated on the first
 * value. Node's built-in `perf_hooks.createHistogram()` (HDR) keeps ~25 KB per instance at
 * 2 significant digits over that range, too much for thousands of fingerprints. Shared by the
 * nest-perf packages (query statistics, pool metrics); not meant for applications.
 */
export class LatencyHistogram {
  private counts: Uint32Array | undefined;
  private total = 0;
  private sum = 0;
  private min = Infinity;
  private max = 0;

  /** Records one duration in milliseconds. */
  record(ms: number): void {
    const counts = (this.counts ??= new Uint32Array(BUCKETS));
    counts[bucketOf(ms)]++;
    this.total++;
    this.sum += ms;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
  }

  /** The value at quantile `q` (0..1) in ms, 0 when empty. */
  quantile(q: number): number {
    const counts = this.counts;
    if (!counts || this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen < rank) continue;
      // The end buckets (under 1 µs, over 1000 s) hold the minimum and the maximum.
      if (i === 0) return this.min;
      if (i === counts.length - 1) return this.max;
      return Math.min(this.max, Math.max(this.min, midpointOf(i)));
    }
    return this.max;
  }

  /** Count, mean, p50/p95/p99 and max in ms, rounded to µs (zeros when empty). */
  summary(): LatencySummary {
    const round = (ms: number) => Math.round(ms * 1000) / 1000;
    return {
      count: this.total,
      meanMs: this.total === 0 ? 0 : round(this.sum / this.total),
      p50Ms: round(this.quantile(0.5)),
      p95Ms: round(this.quantile(0.95)),
      p99Ms: round(this.quantile(0.99)),
      maxMs: round(this.max),
    };
  }

  get count(): number {
    return this.total;
  }

  /** The sum of the recorded values in ms. */
  get sumMs(): number {
    return this.sum;
  }

  get maxMs(): number {
    return this.max;
  }

  /** Adds another histogram's counts to this one. */
  merge(other: LatencyHistogram): void {
    if (!other.counts) return;
    const counts = (this.counts ??= new Uint32Array(BUCKETS));
    for (let i = 0; i < BUCKETS; i++) counts[i] += other.counts[i];
    this.total += other.total;
    this.sum += other.sum;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
  }
}

const GROWTH = 1.05;
const LOG_GROWTH = Math.log(GROWTH);
const MIN_MS = 0.001;
const BUCKETS = Math.ceil(Math.log(1e6 / MIN_MS) / LOG_GROWTH) + 1;

function bucketOf(ms: number): number {
  if (!(ms > MIN_MS)) return 0;
  const i = Math.ceil(Math.log(ms / MIN_MS) / LOG_GROWTH);
  return i < BUCKETS ? i : BUCKETS - 1;
}

// Bucket i holds values in (MIN * G^(i-1), MIN * G^i]; report its geometric middle.
function midpointOf(i: number): number {
  return MIN_MS * GROWTH ** (i - 0.5);
}

/** Count, mean, p50/p95/p99 and max of a {@link LatencyHistogram}, in ms (0 when empty). */
export interface LatencySummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}
