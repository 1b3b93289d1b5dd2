import type { CanActivate, Type } from '@nestjs/common';
import type { Duration } from '@nest-perf/core';
import type { Registry } from 'prom-client';

/** What `GET /performance/optimization/status` compares the current values with. */
export interface PerformanceTargets {
  /** 95th percentile of HTTP latency over all requests, at most this many ms. Default 500. */
  p95Ms?: number;
  /** Cache hit rate over all namespaces, at least this (0..1). Default 0.6. */
  cacheHitRate?: number;
  /** Distinct N+1 patterns (route + query) seen, at most this many. Default 0. */
  nPlusOne?: number;
  /** Slow statements (over the profiler's `slowQueryMs`) since the last reset, at most. Default 0. */
  slowQueries?: number;
}

/** Prometheus `/metrics` settings. */
export interface PrometheusOptions {
  /** Path of the scrape endpoint (the app's global prefix applies). Default `'metrics'`. */
  path?: string;
  /**
   * Also export prom-client's default Node metrics (`process_cpu_seconds_total`,
   * `nodejs_eventloop_lag_seconds`, heap, GC, ...). Default false.
   */
  defaultMetrics?: boolean;
  /**
   * Register nest-perf's metrics in this prom-client registry (e.g. the one your app already
   * exposes) instead of a registry of its own. `/metrics` then serves that registry.
   */
  registry?: Registry;
  /** Upper bounds (seconds) of the HTTP latency histogram's buckets. Default 1 ms .. 10 s. */
  buckets?: number[];
}

/** Options of `PerformanceModule.forRoot()`. */
export interface PerformanceModuleOptions {
  /**
   * Where the routes live: `GET /<path>` is the dashboard, `GET /<path>/http/stats` and so on.
   * The app's global prefix applies. Default `'performance'`.
   */
  path?: string;
  /**
   * Serve the routes. Default: true, except when `NODE_ENV=production` and no `guard` is given
   * (these routes show SQL, routes and pool internals). When off, every route answers 404 and
   * no HTTP statistics are recorded.
   */
  enabled?: boolean;
  /**
   * A guard every route (dashboard, stats, resets, `/metrics`) runs first; a `false` result gives
   * 403. Resolved from the app's providers, or instantiated with the module's injector.
   */
  guard?: Type<CanActivate>;
  /** Targets for `optimization/status`. */
  targets?: PerformanceTargets;
  /** Prometheus `/metrics`: true (default), false, or settings. */
  prometheus?: boolean | PrometheusOptions;
  /** Record HTTP latency per route template and status class. Default true. */
  http?: boolean;
  /** How often the dashboard page refreshes itself. Default `'5s'`. */
  refreshInterval?: Duration;
}

/**
 * `PerformanceModule.forRootAsync()` takes the routes' paths next to the factory: Nest needs them
 * when the module is defined, before any factory runs.
 */
export interface PerformanceModuleRoutes {
  /** See {@link PerformanceModuleOptions.path}. Default `'performance'`. */
  path?: string;
  /** See {@link PrometheusOptions.path}. Default `'metrics'`. */
  metricsPath?: string;
}
