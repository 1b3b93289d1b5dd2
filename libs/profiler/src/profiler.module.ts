import {
  MiddlewareConsumer,
  Module,
  NestModule,
  OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { DiscoveryModule, HttpAdapterHost } from '@nestjs/core';
import { PERF_QUERY_PROFILER } from '@nest-perf/core';
import { QueryProfilerMiddleware } from './profiler.middleware';
import { ConfigurableModuleClass } from './profiler.module-definition';
import { QueryProfilerService } from './profiler.service';
import { hookServer } from './server-hook';

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
    QueryProfilerMiddleware,
    // How other nest-perf modules (metrics) find the profiler without importing this package.
    { provide: PERF_QUERY_PROFILER, useExisting: QueryProfilerService },
  ],
  exports: [QueryProfilerService, PERF_QUERY_PROFILER],
})
export class QueryProfilerModule
  extends ConfigurableModuleClass
  implements NestModule, OnApplicationShutdown
{
  private unhook: (() => void) | undefined;

  constructor(
    private readonly service: QueryProfilerService,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {
    super();
  }

  configure(consumer: MiddlewareConsumer): void {
    const profiler = this.service.profiler;
    if (!profiler.options.enabled) return;
    // The request context is entered around the HTTP server's request listeners (cheapest, and
    // before everything else); the middleware is the fallback for adapters without one.
    this.unhook = hookServer(profiler, this.adapterHost?.httpAdapter?.getHttpServer?.());
    if (this.unhook) return;
    // '*' is the one wildcard Nest 10, 11 and 12 all accept for "every route" without a warning.
    consumer.apply(QueryProfilerMiddleware).forRoutes('*');
  }

  onApplicationShutdown(): void {
    this.unhook?.();
    this.unhook = undefined;
  }
}
