import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CounterConfiguration, GaugeConfiguration } from 'prom-client';
import { RESOLVED_OPTIONS } from './metrics.constants';
import type { ResolvedPerformanceOptions } from './metrics.options';
import { PerformanceSources } from './performance-sources';

type Labels<T extends string> = Partial<Record<T, string | number>>;
type Reader<T extends string> = (set: (labels: Labels<T>, value: number) => void) => void;

/**
 * nest-perf's Prometheus metrics (names in base units: `_seconds`, `_total`, `_ratio`):
 * HTTP latency per route template and status class, in-flight requests, cache counters per
 * namespace, statement counters from the profiler, and pool gauges. Cache, statement and pool
 * series are read from their modules at scrape time and exist only when those modules are
 * installed. `GET /metrics` serves {@link PrometheusService.metrics}.
 *
 * @example
 * const text = await prometheus.metrics(); // "# HELP nest_perf_http_request_duration_seconds ..."
 */
@Injectable()
export class PrometheusService implements OnApplicationBootstrap, OnApplicationShutdown {
  /** The registry `/metrics` serves: the one given in `prometheus.registry`, or its own. */
  readonly registry: Registry | undefined;
  private readonly duration: Histogram<'method' | 'route' | 'status_class'> | undefined;
  private readonly inFlight: Gauge | undefined;
  private inFlightCount = 0;
  private readonly names: string[] = [];

  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedPerformanceOptions,
    private readonly sources: PerformanceSources,
  ) {
    const prometheus = options.prometheus;
    if (!prometheus || !options.enabled) return;
    this.registry = prometheus.registry ?? new Registry();
    const registers = [this.registry];
    this.names.push('nest_perf_http_request_duration_seconds', 'nest_perf_http_requests_in_flight');
    this.duration = new Histogram({
      name: 'nest_perf_http_request_duration_seconds',
      help: 'HTTP request latency by route template (never the raw URL) and status class.',
      labelNames: ['method', 'route', 'status_class'],
      buckets: prometheus.buckets,
      registers,
    });
    this.inFlight = new Gauge({
      name: 'nest_perf_http_requests_in_flight',
      help: 'HTTP requests received and not yet answered.',
      registers,
      collect: () => this.inFlight?.set(this.inFlightCount),
    });
    if (prometheus.defaultMetrics) {
      const before = new Set(this.registry.getMetricsAsArray().map((m) => m.name));
      collectDefaultMetrics({ register: this.registry });
      for (const m of this.registry.getMetricsAsArray())
        if (!before.has(m.name)) this.names.push(m.name);
    }
  }

  /** Sources are known once every module is up, so their collectors are registered then. */
  onApplicationBootstrap(): void {
    if (!this.registry) return;
    if (this.sources.cache) this.registerCache();
    if (this.sources.queries) this.registerStatements();
    if (this.sources.pools) this.registerPools();
  }

  /** A registry the app gave us outlives the module: take our metrics out of it again. */
  onApplicationShutdown(): void {
    if (!this.options.prometheus?.registry) return;
    for (const name of this.names) this.registry?.removeSingleMetric(name);
  }

  /** The Prometheus text exposition of the registry. */
  metrics(): Promise<string> {
    return this.registry ? this.registry.metrics() : Promise.resolve('');
  }

  /** @internal */
  requestStarted(): void {
    this.inFlightCount++;
  }

  /** @internal */
  requestEnded(): void {
    this.inFlightCount--;
  }

  /** @internal */
  observeHttp(method: string, route: string, statusClass: string, seconds: number): void {
    this.duration?.observe({ method, route, status_class: statusClass }, seconds);
  }

  private registerCache(): void {
    const namespaces = () => Object.entries(this.sources.cache?.stats().namespaces ?? {});
    this.counter(
      'nest_perf_cache_hits_total',
      'Cache hits by namespace and tier.',
      ['namespace', 'tier'],
      (set) => {
        for (const [namespace, s] of namespaces()) {
          set({ namespace, tier: 'l1' }, s.l1Hits);
          set({ namespace, tier: 'l2' }, s.l2Hits);
          set({ namespace, tier: 'stale' }, s.staleServed);
        }
      },
    );
    const perNamespace = (
      name: string,
      help: string,
      field: 'misses' | 'errors' | 'evictions' | 'loads' | 'loadErrors',
    ) =>
      this.counter(name, help, ['namespace'], (set) => {
        for (const [namespace, s] of namespaces()) set({ namespace }, s[field]);
      });
    perNamespace('nest_perf_cache_misses_total', 'Cache misses (the method ran).', 'misses');
    perNamespace(
      'nest_perf_cache_errors_total',
      'L2 (Redis) calls that failed or timed out.',
      'errors',
    );
    perNamespace(
      'nest_perf_cache_evictions_total',
      'Entries L1 evicted to stay within its size.',
      'evictions',
    );
    perNamespace('nest_perf_cache_loads_total', 'Runs of the cached method (loader).', 'loads');
    perNamespace(
      'nest_perf_cache_load_errors_total',
      'Runs of the cached method that threw.',
      'loadErrors',
    );
    this.gauge(
      'nest_perf_cache_hit_ratio',
      'Hits / (hits + misses) since start or reset.',
      ['namespace'],
      (set) => {
        for (const [namespace, s] of namespaces()) set({ namespace }, s.hitRate);
      },
    );
  }

  private registerStatements(): void {
    const summary = () => this.sources.queries?.summary();
    this.counter('nest_perf_db_statements_total', 'SQL statements run.', [], (set) =>
      set({}, summary()?.statements ?? 0),
    );
    this.counter('nest_perf_db_statement_errors_total', 'SQL statements that failed.', [], (set) =>
      set({}, summary()?.errors ?? 0),
    );
    this.counter(
      'nest_perf_db_slow_statements_total',
      'SQL statements slower than slowQueryMs.',
      [],
      (set) => set({}, summary()?.slowQueries ?? 0),
    );
    this.counter(
      'nest_perf_db_statement_duration_seconds_total',
      'Time spent in SQL statements.',
      [],
      (set) => set({}, (summary()?.totalMs ?? 0) / 1000),
    );
    this.gauge(
      'nest_perf_db_n_plus_one_patterns',
      'Distinct N+1 patterns (route + query) seen.',
      [],
      (set) => set({}, summary()?.nPlusOne ?? 0),
    );
  }

  private registerPools(): void {
    const pools = () => (this.sources.pools?.pools() ?? []).filter((p) => p.pooled);
    const gauge = (name: string, help: string, field: 'max' | 'waiting' | 'utilization') =>
      this.gauge(name, help, ['pool'], (set) => {
        for (const p of pools()) set({ pool: p.name }, p[field] ?? 0);
      });
    gauge('nest_perf_db_pool_max_connections', 'Most connections the pool opens.', 'max');
    gauge('nest_perf_db_pool_waiting_requests', 'Callers queued for a connection.', 'waiting');
    gauge('nest_perf_db_pool_utilization_ratio', 'Connections in use / max.', 'utilization');
    this.gauge(
      'nest_perf_db_pool_connections',
      'Open connections by state.',
      ['pool', 'state'],
      (set) => {
        for (const p of pools()) {
          set({ pool: p.name, state: 'active' }, p.active ?? 0);
          set({ pool: p.name, state: 'idle' }, p.idle ?? 0);
        }
      },
    );
    const quantiles = (name: string, help: string, field: 'acquire' | 'usage') =>
      this.gauge(name, help, ['pool', 'quantile'], (set) => {
        for (const p of pools()) {
          const s = p[field];
          if (!s || s.count === 0) continue;
          set({ pool: p.name, quantile: '0.5' }, s.p50Ms / 1000);
          set({ pool: p.name, quantile: '0.95' }, s.p95Ms / 1000);
          set({ pool: p.name, quantile: '0.99' }, s.p99Ms / 1000);
        }
      });
    quantiles('nest_perf_db_pool_acquire_seconds', 'Time waited for a connection.', 'acquire');
    quantiles('nest_perf_db_pool_usage_seconds', 'Time a connection was held.', 'usage');
    this.counter(
      'nest_perf_db_pool_acquire_timeouts_total',
      'Acquires that timed out.',
      ['pool'],
      (set) => {
        for (const p of pools()) set({ pool: p.name }, p.timeouts);
      },
    );
    this.counter(
      'nest_perf_db_pool_acquire_errors_total',
      'Acquires that failed.',
      ['pool'],
      (set) => {
        for (const p of pools()) set({ pool: p.name }, p.errors);
      },
    );
  }

  // Metrics whose values other modules keep: each scrape sets them from the source (a counter
  // by increments from zero, a gauge directly).
  private counter<T extends string>(name: string, help: string, labelNames: T[], read: Reader<T>) {
    this.sourced('counter', name, help, labelNames, read);
  }

  private gauge<T extends string>(name: string, help: string, labelNames: T[], read: Reader<T>) {
    this.sourced('gauge', name, help, labelNames, read);
  }

  private sourced<T extends string>(
    kind: 'counter' | 'gauge',
    name: string,
    help: string,
    labelNames: T[],
    read: Reader<T>,
  ): void {
    this.names.push(name);
    const base = { name, help, labelNames, registers: [this.registry as Registry] };
    if (kind === 'counter') {
      const config: CounterConfiguration<T> = {
        ...base,
        collect() {
          this.reset();
          read((labels, value) => this.inc(labels, value));
        },
      };
      new Counter(config);
    } else {
      const config: GaugeConfiguration<T> = {
        ...base,
        collect() {
          this.reset();
          read((labels, value) => this.set(labels, value));
        },
      };
      new Gauge(config);
    }
  }
}
