import type { LatencySummary } from './latency-histogram';
import type { Workload } from './workload';

/**
 * Tokens through which the nest-perf libraries find each other in Nest DI without importing each
 * other: the library that owns a service provides it under the token, the others inject it with
 * `@Optional() @Inject(TOKEN)` and work without it.
 */

/**
 * The cache of `@nest-perf/cache` (`PerfCacheModule` provides its `PerfCacheService` under this
 * token). `Symbol.for` so that two copies of `@nest-perf/core` in one app still agree on it.
 *
 * @example
 * constructor(@Optional() @Inject(PERF_CACHE) private readonly cache?: PerfCacheHandle) {}
 */
export const PERF_CACHE: unique symbol = Symbol.for('@nest-perf/core.cache');

/** The counters of one cache namespace (or of all together) that other libraries read. */
export interface PerfCacheCountersHandle {
  /** Calls answered from the cache (L1, L2 or stale). */
  hits: number;
  misses: number;
  l1Hits: number;
  l2Hits: number;
  /** Expired entries served during `grace`. */
  staleServed: number;
  /** L2 calls that failed or timed out. */
  errors: number;
  evictions: number;
  /** Method (loader) runs, and those that threw. */
  loads: number;
  loadErrors: number;
  /** hits / (hits + misses), 0 when there were no calls. */
  hitRate: number;
}

/** The part of the cache's statistics other libraries read (`PerfCacheService.stats()`). */
export interface PerfCacheStatsHandle {
  total: PerfCacheCountersHandle;
  namespaces: Record<string, PerfCacheCountersHandle>;
}

/**
 * What `PerfCacheService.ping()` resolves to: L1 size, L2 reachability and circuit state
 * (`@nest-perf/cache` narrows `C` to its circuit states).
 */
export interface PerfCachePingHandle<C extends string = string> {
  l1: { enabled: boolean; entries: number };
  l2:
    | { configured: false }
    | {
        configured: true;
        store: string;
        up: boolean;
        latencyMs?: number;
        circuit: C;
        consecutiveFailures: number;
        error?: string;
      };
}

/** The view of the cache that other nest-perf libraries get through {@link PERF_CACHE}. */
export interface PerfCacheHandle {
  stats(): PerfCacheStatsHandle;
  /** Sets every counter back to zero. */
  resetStats(): void;
  ping(): Promise<PerfCachePingHandle>;
}

/**
 * The query profiler of `@nest-perf/profiler` (`QueryProfilerModule` provides its
 * `QueryProfilerService` under this token), for modules that read its statistics.
 *
 * @example
 * constructor(@Optional() @Inject(PERF_QUERY_PROFILER) private readonly queries?: PerfQueryProfilerHandle) {}
 */
export const PERF_QUERY_PROFILER: unique symbol = Symbol.for('@nest-perf/core.queryProfiler');

/** The view of the query profiler that other nest-perf libraries get through {@link PERF_QUERY_PROFILER}. */
export interface PerfQueryProfilerHandle {
  /** Per-fingerprint statistics (see `QueryStats` in @nest-perf/profiler). */
  stats(): readonly object[];
  /** The last slow statements, newest first. */
  slowQueries(limit?: number): readonly object[];
  /** N+1 reports, most recent first. */
  nPlusOne(): readonly object[];
  /** Totals since start or the last reset. */
  summary(): {
    statements: number;
    errors: number;
    /** Time spent in statements, ms. */
    totalMs: number;
    slowQueries: number;
    nPlusOne: number;
    /** ISO time of start or of the last reset. */
    since: string;
  };
  /** The workload file (see {@link Workload}). */
  exportWorkload(): Workload;
  reset(): void;
}

/**
 * The connection pools of the app's TypeORM DataSources (`PerfHealthModule` of
 * `@nest-perf/health` provides them under this token), for modules that show pool statistics.
 *
 * @example
 * constructor(@Optional() @Inject(PERF_POOLS) private readonly pools?: PerfPoolsHandle) {}
 */
export const PERF_POOLS: unique symbol = Symbol.for('@nest-perf/core.pools');

/** One connection pool at one instant, with its HikariCP-style timers. */
export interface PerfPoolSnapshot {
  /** `default` for the app's DataSource (or its TypeORM name); replicas add `/replica-<n>`. */
  name: string;
  /** TypeORM driver type: `postgres`, `mysql`, `mariadb`, `better-sqlite3`, ... */
  driver: string;
  /** False for drivers without a pool (better-sqlite3): then only `driver` and `name` are set. */
  pooled: boolean;
  max?: number;
  total?: number;
  idle?: number;
  active?: number;
  waiting?: number;
  /** active / max, 0..1. */
  utilization?: number;
  /** Time callers waited for a connection, and how long they held it. */
  acquire?: LatencySummary;
  usage?: LatencySummary;
  /** Acquires that timed out, and that failed otherwise. */
  timeouts: number;
  errors: number;
}

/** The view of the pools that other nest-perf libraries get through {@link PERF_POOLS}. */
export interface PerfPoolsHandle {
  /** Every pool of every initialized DataSource, primaries before their replicas. */
  pools(): PerfPoolSnapshot[];
}
