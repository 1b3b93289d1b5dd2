/**
 * The JSON bodies of the `/performance/*` routes. The dashboard page reads exactly these, so a
 * change here is a change of the public API (docs/API.md).
 */

/** Latency of one route template and method, since start or the last reset. */
export interface RouteStats {
  /** Upper-case HTTP method. */
  method: string;
  /** The route template (`/tasks/:id`), or `(unmatched)` for requests no route matched. */
  route: string;
  /** Responses finished (or requests aborted) since start or the last reset. */
  count: number;
  /** Requests per second over the last 60 s (over the time since start or reset, when shorter). */
  ratePerSec: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /**
   * Responses by status class, only the classes seen: `1xx`..`5xx`, and `aborted` (the client left
   * before the response ended).
   */
  statuses: Record<string, number>;
  /** Share of responses with status >= 500, 0..1. */
  errorRate: number;
}

/** `GET /performance/http/stats`. */
export interface HttpStatsResponse {
  /** ISO time of start or the last reset. */
  since: string;
  /** Every request together (`method` `*`, `route` `*`). */
  total: RouteStats;
  /** One entry per (method, route template), busiest first. */
  routes: RouteStats[];
}

/** `GET /performance/query/stats`. */
export interface QueryStatsResponse {
  /** Totals since start or the last reset. */
  summary: { statements: number; errors: number; slowQueries: number; nPlusOne: number };
  /** Per fingerprint (`QueryStats` of @nest-perf/profiler), by total time, at most `limit`. */
  queries: object[];
}

/** `GET /performance/query/slow?limit=`: the slow-query buffer, newest first. */
export interface SlowQueriesResponse {
  slowQueries: object[];
}

/** `GET /performance/query/n-plus-one`: N+1 reports (`NPlusOneReport`), most recent first. */
export interface NPlusOneResponse {
  reports: object[];
}

/** `GET /performance/pool/stats`: every connection pool the health module knows. */
export interface PoolStatsResponse {
  pools: object[];
}

/** One line of `GET /performance/optimization/status`. */
export interface TargetStatus {
  /** `p95Ms`, `cacheHitRate`, `nPlusOne` or `slowQueries`. */
  name: string;
  /** What the line means, in words. */
  description: string;
  /** The target: at most (`p95Ms`, `nPlusOne`, `slowQueries`) or at least (`cacheHitRate`). */
  target: number;
  comparison: '<=' | '>=';
  /** The value now; null when its source is not installed or has no data yet. */
  current: number | null;
  /** Whether `current` meets `target`; null when `current` is null. */
  met: boolean | null;
  /** Why `current` is null, or which routes/namespaces miss the target. */
  detail?: string;
}

/** `GET /performance/optimization/status`. */
export interface OptimizationStatusResponse {
  /** True when every target with a value is met (targets without data do not count). */
  met: boolean;
  targets: TargetStatus[];
}
