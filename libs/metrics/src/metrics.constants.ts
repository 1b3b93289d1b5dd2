/** The module's options with defaults applied (`ResolvedPerformanceOptions`). @internal */
export const RESOLVED_OPTIONS = Symbol('nest-perf.metrics.resolvedOptions');

/** Where the routes live unless `path` says otherwise. */
export const DEFAULT_PATH = 'performance';

/** Where Prometheus scrapes unless `prometheus.path` says otherwise. */
export const DEFAULT_METRICS_PATH = 'metrics';
