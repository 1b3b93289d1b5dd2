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

/** The part of the cache's statistics other libraries read (`PerfCacheService.stats()`). */
export interface PerfCacheStatsHandle {
  total: {
    hits: number;
    misses: number;
    /** L2 calls that failed or timed out. */
    errors: number;
    /** hits / (hits + misses), 0 when there were no calls. */
    hitRate: number;
  };
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
  summary(): { statements: number; errors: number; slowQueries: number; nPlusOne: number };
  /** The workload file (see {@link Workload}). */
  exportWorkload(): Workload;
  reset(): void;
}
