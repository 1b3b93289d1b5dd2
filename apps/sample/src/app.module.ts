import { DynamicModule, Module, ValidationPipe } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import { PerfCacheModule, TTL } from '@nest-perf/cache';
import { PerformanceModule } from '@nest-perf/metrics';
import { QueryProfilerModule } from '@nest-perf/profiler';
import type { QueryProfilerOptions } from '@nest-perf/profiler';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { APP_CONFIG } from './app.constants';
import type { AppConfig } from './config/app-config';
import { dataSourceOptions, openDatabase } from './database/database';
import { HealthModule } from './health/health.module';
import { IndexController, SampleLinks } from './index.controller';
import { ResourcesModule } from './resources/resources.module';
import { TasksModule } from './tasks/tasks.module';
import { UsersModule } from './users/users.module';

@Module({})
export class AppModule {
  /**
   * The whole sample app for a configuration. Pass an open `dataSource` to reuse one (main.ts
   * opens it first to migrate and seed); otherwise the module opens and migrates its own.
   * `cacheVersion` replaces the cache key version ('v1'); `profiler` is merged over the
   * profiler settings below (tests use it for thresholds and modes).
   */
  static forRoot(
    config: AppConfig,
    options: {
      dataSource?: DataSource;
      cacheVersion?: string;
      profiler?: QueryProfilerOptions;
    } = {},
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRootAsync({
          // No retries: a wrong DATABASE_URL should fail startup now, not after 30 s of retries.
          useFactory: () => ({ ...dataSourceOptions(config.database), retryAttempts: 0 }),
          dataSourceFactory: async () => options.dataSource ?? openDatabase(config.database),
        }),
        // In-process LRU always; Redis as the shared tier when REDIS_URL is set.
        PerfCacheModule.forRoot({
          l1: { maxEntries: 10_000 },
          ...(config.redisUrl ? { l2: { url: config.redisUrl } } : {}),
          defaultTtl: TTL.MEDIUM,
          // Tests give each run its own key version so runs sharing a Redis never see each other.
          ...(options.cacheVersion ? { version: options.cacheVersion } : {}),
        }),
        // Every statement timed and attributed to its route; N+1 and slow queries reported.
        ...(config.profiler
          ? [
              QueryProfilerModule.forRoot({
                slowQueryMs: 100,
                nPlusOne: { threshold: 5 },
                explainSlowQueries: config.database.type === 'postgres',
                ...(config.workloadFile
                  ? { workloadFile: { path: config.workloadFile, interval: '1m' } }
                  : {}),
                ...options.profiler,
              }),
            ]
          : []),
        // /performance (dashboard + JSON) and /metrics; off under NODE_ENV=production (no guard here).
        ...(config.metrics !== false
          ? [PerformanceModule.forRoot({ targets: { p95Ms: 200, cacheHitRate: 0.6 } })]
          : []),
        TasksModule,
        UsersModule,
        ResourcesModule,
        HealthModule,
      ],
      controllers: [IndexController],
      providers: [
        SampleLinks,
        { provide: APP_CONFIG, useValue: config },
        {
          provide: APP_PIPE,
          useValue: new ValidationPipe({
            transform: true,
            whitelist: true,
            forbidNonWhitelisted: true,
          }),
        },
      ],
    };
  }
}
