import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { PERF_QUERY_PROFILER } from '@nest-perf/core';
import { ConfigurableModuleClass, OPTIONS_TYPE } from './profiler.module-definition';
import { QueryProfilerService } from './profiler.service';

/**
 * Times every SQL statement of the app's TypeORM DataSources, attributes it to its request, and
 * reports N+1 and slow queries. Import once, next to `TypeOrmModule`; global by default.
 *
 * @example
 * \@Module({
 *   imports: [
 *     TypeOrmModule.forRoot({ ... }),
 *     QueryProfilerModule.forRoot({ slowQueryMs: 100, nPlusOne: { threshold: 5 } }),
 *   ],
 * })
 * export class AppModule {}
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    QueryProfilerService,
    // How other nest-perf modules (metrics) find the profiler without importing this package.
    { provide: PERF_QUERY_PROFILER, useExisting: QueryProfilerService },
  ],
  exports: [QueryProfilerService, PERF_QUERY_PROFILER],
})
export class QueryProfilerModule extends ConfigurableModuleClass {
  /** The module with its options; `forRoot()` alone uses the defaults. */
  static override forRoot(options: typeof OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }
}
