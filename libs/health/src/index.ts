export { PerfHealthModule } from './health.module';
export { PoolHealthIndicator, POOL_HEALTH_DEFAULTS } from './pool-health.indicator';
export type { PoolHealthCheckOptions, PoolHealthDetails } from './pool-health.indicator';
export type { PoolStats } from './pool-drivers';
export { CacheHealthIndicator } from './cache-health.indicator';
export { PoolMetrics } from './pool-metrics';
export { PoolStatsService } from './pool-stats.service';
export type { PoolMetricsSnapshot } from './pool-metrics';
export type { LatencySummary, PerfPoolSnapshot } from '@nest-perf/core';
export { poolOptions } from './pool-options';
export type {
  PoolEnvironment,
  PoolPresetOverrides,
  PgPoolExtra,
  MysqlPoolExtra,
} from './pool-options';
export { PoolOptionsError } from './health.errors';
