export { QueryProfilerModule } from './profiler.module';
export { QueryProfilerService } from './profiler.service';
export { QueryProfilerInterceptor } from './profiler.interceptor';
export { QueryProfiler } from './query-profiler';
export type { QueryProfilerSummary } from './query-profiler';
export { QueryProfilerOptionsError, NPlusOneQueryError } from './profiler.errors';
export type {
  QueryProfilerOptions,
  NPlusOneOptions,
  NPlusOneMode,
  WorkloadFileOptions,
} from './interfaces/profiler-options.interface';
export type { QueryStats } from './query-stats';
export type { SlowQuery } from './slow-queries';
export type { NPlusOneReport } from './n-plus-one';
export { fingerprintSql } from './fingerprint';
export type { Fingerprint, SqlDialect, StatementKind, ParamSource } from './fingerprint';
export { MODULE_OPTIONS_TOKEN as QUERY_PROFILER_OPTIONS } from './profiler.module-definition';
export * from './toolkit';
