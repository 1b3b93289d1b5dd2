export { PerformanceModule } from './metrics.module';
export { PerformanceService } from './performance.service';
export { HttpStatsService } from './http-stats.service';
export { PrometheusService } from './prometheus.service';
export { PerformanceOptionsError } from './metrics.errors';
export { DEFAULT_TARGETS } from './metrics.options';
export type {
  PerformanceModuleOptions,
  PerformanceModuleRoutes,
  PerformanceTargets,
  PrometheusOptions,
} from './interfaces/performance-module-options.interface';
export type {
  HttpStatsResponse,
  NPlusOneResponse,
  OptimizationStatusResponse,
  PoolStatsResponse,
  QueryStatsResponse,
  RouteStats,
  SlowQueriesResponse,
  TargetStatus,
} from './performance.types';
export type { StatusClass } from './http-stats';
