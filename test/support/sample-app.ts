import { randomBytes } from 'node:crypto';
import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { QueryProfilerOptions } from '@nest-perf/profiler';
import { DataSource } from 'typeorm';
import { AppModule } from '../../apps/sample/src/app.module';
import type { DatabaseConfig } from '../../apps/sample/src/config/app-config';
import { seedDatabase } from '../../apps/sample/src/seed/seed';
import type { DatasetOptions, RowCounts } from '../../apps/sample/src/seed/seed';

/** The sample app booted the way main.ts boots it, on a given database. */
export interface BootedApp {
  app: INestApplication;
  dataSource: DataSource;
  counts?: RowCounts;
}

/** Extra settings for {@link bootSampleApp}. */
export interface BootOptions {
  redisUrl?: string;
  /** Merged over the sample's profiler settings. */
  profiler?: QueryProfilerOptions;
  /** Leave the profiler out (PROFILER=off). */
  withoutProfiler?: boolean;
  /** A fixture module's controllers/providers/imports booted next to the app. */
  fixture?: Pick<ModuleMetadata, 'imports' | 'controllers' | 'providers'>;
  /** Boot on Fastify instead of Express. */
  fastify?: boolean;
}

export async function bootSampleApp(
  database: DatabaseConfig,
  dataset?: DatasetOptions,
  options: BootOptions = {},
): Promise<BootedApp> {
  // A key version of its own, so that runs sharing a Redis never read each other's entries.
  const cacheVersion = `t${randomBytes(4).toString('hex')}`;
  const moduleRef = await Test.createTestingModule({
    imports: [
      AppModule.forRoot(
        {
          database,
          port: 0,
          host: '127.0.0.1',
          redisUrl: options.redisUrl,
          profiler: !options.withoutProfiler,
        },
        { cacheVersion, profiler: options.profiler },
      ),
      ...(options.fixture?.imports ?? []),
    ],
    controllers: options.fixture?.controllers ?? [],
    providers: options.fixture?.providers ?? [],
  }).compile();
  let app: INestApplication;
  if (options.fastify) {
    app = moduleRef.createNestApplication(new FastifyAdapter(), { logger: ['error', 'warn'] });
    await app.init();
    await (app.getHttpAdapter().getInstance() as { ready(): Promise<void> }).ready();
  } else {
    app = moduleRef.createNestApplication({ logger: ['error', 'warn'] });
    await app.init();
  }
  const dataSource = app.get(DataSource);
  const counts = dataset ? await seedDatabase(dataSource, dataset) : undefined;
  return { app, dataSource, counts };
}
