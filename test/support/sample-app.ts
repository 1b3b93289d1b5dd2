import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
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

export async function bootSampleApp(
  database: DatabaseConfig,
  dataset?: DatasetOptions,
  cache: { redisUrl?: string } = {},
): Promise<BootedApp> {
  // A key version of its own, so that runs sharing a Redis never read each other's entries.
  const cacheVersion = `t${randomBytes(4).toString('hex')}`;
  const moduleRef = await Test.createTestingModule({
    imports: [
      AppModule.forRoot(
        { database, port: 0, host: '127.0.0.1', redisUrl: cache.redisUrl },
        { cacheVersion },
      ),
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: ['error', 'warn'] });
  await app.init();
  const dataSource = app.get(DataSource);
  const counts = dataset ? await seedDatabase(dataSource, dataset) : undefined;
  return { app, dataSource, counts };
}
