import type { Fingerprint, SqlDialect, StatementKind } from './fingerprint';
import { LatencyHistogram } from '@nest-perf/core';

/** Statistics of one normalized statement (fingerprint), as returned by `stats()`. */
export interface QueryStats {
  /** Stable id of the normalized statement; `'other'` for the row that folds the overflow. */
  fingerprint: string;
  /** The normalized SQL (literals as placeholders). */
  sql: string;
  dialect: SqlDialect;
  count: number;
  totalMs: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Runs that failed. */
  errors: number;
  /** The routes (`"GET /tasks/:id"`, `background`) that ran it, most frequent first (top 10). */
  routes: string[];
  /** Only on the `other` row: how many distinct fingerprints were folded into it (at least). */
  folded?: number;
  /** Postgres `EXPLAIN (FORMAT JSON)` of a slow run, when `explainSlowQueries` is on. */
  explain?: unknown;
}

/** @internal One fingerprint's accumulators. */
export class FingerprintRow {
  errors = 0;
  readonly histogram = new LatencyHistogram();
  readonly routes = new Map<string, number>();
  sampleParams: unknown[] | undefined;
  explain: unknown;

  constructor(
    readonly id: string,
    readonly sql: string,
    readonly dialect: SqlDialect,
    readonly kind: StatementKind,
  ) {}

  /** Statements recorded (the histogram counts them). */
  get count(): number {
    return this.histogram.count;
  }

  /** Their total time in ms. */
  get totalMs(): number {
    return this.histogram.sumMs;
  }

  addRoute(route: string, runs: number): void {
    const routes = this.routes;
    const seen = routes.get(route);
    if (seen !== undefined) routes.set(route, seen + runs);
    // Bounded: a fingerprint run from hundreds of routes keeps the first 50.
    else if (routes.size < 50) routes.set(route, runs);
  }

  toStats(): QueryStats {
    const h = this.histogram;
    return {
      fingerprint: this.id,
      sql: this.sql,
      dialect: this.dialect,
      count: this.count,
      totalMs: round(this.totalMs),
      meanMs: round(this.count ? this.totalMs / this.count : 0),
      p50Ms: round(h.quantile(0.5)),
      p95Ms: round(h.quantile(0.95)),
      p99Ms: round(h.quantile(0.99)),
      maxMs: round(h.maxMs),
      errors: this.errors,
      routes: [...this.routes.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 10)
        .map(([route]) => route),
      ...(this.explain !== undefined ? { explain: this.explain } : {}),
    };
  }
}

const FOLDED_IDS_KEPT = 10_000;

/**
 * Per-fingerprint statistics with at most `maxFingerprints` rows; statements of further
 * fingerprints are added to one `other` row.
 * @internal
 */
export class QueryStatsRegistry {
  private readonly rows = new Map<string, FingerprintRow>();
  private other: FingerprintRow | undefined;
  private readonly foldedIds = new Set<string>();

  constructor(private readonly maxFingerprints: number) {}

  /** The row a statement of `fp` is counted in (creating it, or folding into `other`). */
  rowFor(fp: Fingerprint, dialect: SqlDialect): FingerprintRow {
    let row = this.rows.get(fp.id);
    if (row) return row;
    if (this.rows.size < this.maxFingerprints) {
      row = new FingerprintRow(fp.id, fp.text, dialect, fp.kind);
      this.rows.set(fp.id, row);
      return row;
    }
    if (this.foldedIds.size < FOLDED_IDS_KEPT) this.foldedIds.add(fp.id);
    return (this.other ??= new FingerprintRow(
      'other',
      '(statements of untracked fingerprints)',
      dialect,
      'other',
    ));
  }

  get(id: string): FingerprintRow | undefined {
    return id === 'other' ? this.other : this.rows.get(id);
  }

  all(): FingerprintRow[] {
    return [...this.rows.values()];
  }

  stats(): QueryStats[] {
    const list = this.all().map((row) => row.toStats());
    list.sort((a, b) => b.totalMs - a.totalMs);
    if (this.other) list.push({ ...this.other.toStats(), folded: this.foldedIds.size });
    return list;
  }

  /** Statements, errors and time over every row, the `other` row included. */
  totals(): { statements: number; errors: number; totalMs: number } {
    const totals = { statements: 0, errors: 0, totalMs: 0 };
    for (const row of this.other ? [...this.rows.values(), this.other] : this.rows.values()) {
      totals.statements += row.count;
      totals.errors += row.errors;
      totals.totalMs += row.totalMs;
    }
    return totals;
  }

  get size(): number {
    return this.rows.size;
  }

  reset(): void {
    this.rows.clear();
    this.other = undefined;
    this.foldedIds.clear();
  }
}

/** @internal Rounds a duration to µs for output. */
export function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
