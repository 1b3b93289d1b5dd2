import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { QueryProfilerMiddleware } from './profiler.middleware';
import { ConfigurableModuleClass } from './profiler.module-definition';
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
  providers: [QueryProfilerService, QueryProfilerMiddleware],
  exports: [QueryProfilerService],
})
export class QueryProfilerModule extends ConfigurableModuleClass implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // '*' is the one wildcard Nest 10, 11 and 12 all accept for "every route" without a warning.
    consumer.apply(QueryProfilerMiddleware).forRoutes('*');
  }
}
