export { parseDuration, isDuration, InvalidDurationError, describeValue } from './duration';
export type { Duration, DurationUnit } from './duration';
export { TTL } from './ttl';
export type { TtlTier } from './ttl';
export {
  currentRequestContext,
  createRequestContext,
  runWithRequestContext,
  describeRoute,
  UNMATCHED_ROUTE,
  BACKGROUND_ROUTE,
  ROUTE_TEMPLATE,
  routeTemplateOf,
  nameFastifyRoutes,
} from './request-context';
export type { PerfRequestContext, FastifyRouteHookTarget } from './request-context';
export { parseWorkload, InvalidWorkloadError, WORKLOAD_VERSION } from './workload';
export type { Workload, WorkloadDialect, WorkloadQuery } from './workload';
export { PERF_CACHE, PERF_QUERY_PROFILER, PERF_POOLS } from './tokens';
export type {
  PerfCacheHandle,
  PerfCacheCountersHandle,
  PerfPoolSnapshot,
  PerfPoolsHandle,
  PerfCachePingHandle,
  PerfCacheStatsHandle,
  PerfQueryProfilerHandle,
} from './tokens';
export { LatencyHistogram } from './latency-histogram';
export type { LatencySummary } from './latency-histogram';
