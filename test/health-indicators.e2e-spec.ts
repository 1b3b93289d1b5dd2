import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { PERF_CACHE } from '@nest-perf/core';
import { PerfCacheModule, PerfCacheService } from '@nest-perf/cache';
import { CacheHealthIndicator, PerfHealthModule, PoolHealthIndicator } from '@nest-perf/health';
import { HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { scratchDatabase, ScratchDatabase } from './support/databases';
import {
  freePort,
  rawRedis,
  TEST_REDIS_URL,
  uniqueVersion,
  unlinkMatching,
  versionMatch,
} from './support/redis';

async function boot(
  metadata: ModuleMetadata,
  override?: (t: ReturnType<typeof Test.createTestingModule>) => void,
) {
  const builder = Test.createTestingModule({
    ...metadata,
    imports: [TerminusModule, PerfHealthModule, ...(metadata.imports ?? [])],
  });
  override?.(builder);
  const app = (await builder.compile()).createNestApplication();
  await app.init();
  return app;
}

describe('CacheHealthIndicator', () => {
  const apps: INestApplication[] = [];
  const version = uniqueVersion();

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    const redis = await rawRedis();
    await unlinkMatching(redis, versionMatch(version));
    redis.destroy();
  });

  it('reports up with { cache: "not installed" } without the cache module', async () => {
    const app = await boot({});
    apps.push(app);
    await expect(app.get(CacheHealthIndicator).isHealthy('cache')).resolves.toEqual({
      cache: { status: 'up', cache: 'not installed' },
    });
  });

  it('finds the memory-only cache through PERF_CACHE and reports its hit rate', async () => {
    const app = await boot({ imports: [PerfCacheModule.forRoot({ version })] });
    apps.push(app);
    expect(app.get(PERF_CACHE)).toBe(app.get(PerfCacheService));
    const cache = app.get(PerfCacheService);
    const load = () => Promise.resolve('v');
    await cache.getOrSet('k', load);
    await cache.getOrSet('k', load);
    await expect(app.get(CacheHealthIndicator).isHealthy('cache')).resolves.toEqual({
      cache: {
        status: 'up',
        l1: { enabled: true, entries: 1 },
        l2: { configured: false },
        hitRate: 0.5,
        hits: 1,
        misses: 1,
      },
    });
  });

  it('reports the Redis L2 latency and circuit state', async () => {
    const app = await boot({
      imports: [PerfCacheModule.forRoot({ version, l2: { url: TEST_REDIS_URL } })],
    });
    apps.push(app);
    const result = await app.get(CacheHealthIndicator).isHealthy('cache');
    expect(result.cache).toMatchObject({
      status: 'up',
      l2: { configured: true, up: true, latencyMs: expect.any(Number), circuit: 'closed' },
      hitRate: 0,
    });
  });

  it('reports down when the Redis L2 does not answer', async () => {
    const port = await freePort(); // nothing listens there
    const app = await boot({
      imports: [
        PerfCacheModule.forRoot({
          version,
          l2: { url: `redis://127.0.0.1:${port}`, connectTimeout: '300ms' },
        }),
      ],
    });
    apps.push(app);
    const result = await app.get(CacheHealthIndicator).isHealthy('cache');
    expect(result.cache).toMatchObject({
      status: 'down',
      l2: { configured: true, up: false },
      message: expect.stringMatching(/is not answering|circuit is open/),
    });
  });
});

describe('PoolHealthIndicator on Terminus 12 (degraded state)', () => {
  let pg: ScratchDatabase;
  let app: INestApplication;

  /** Terminus 12's session adds degraded(); simulated here since the repo runs Terminus 11. */
  class Terminus12HealthIndicatorService extends HealthIndicatorService {
    override check<const Key extends string>(key: Key) {
      const session = super.check(key);
      return Object.assign(session, {
        degraded: (data: Record<string, unknown>) => ({ [key]: { status: 'degraded', ...data } }),
      });
    }
  }

  beforeAll(async () => {
    pg = await scratchDatabase('postgres');
    if (pg.config.type !== 'postgres') throw new Error('expected Postgres');
    app = await boot(
      {
        imports: [
          TypeOrmModule.forRoot({ type: 'postgres', url: pg.config.url, extra: { max: 2 } }),
        ],
      },
      (builder) => {
        builder.overrideProvider(HealthIndicatorService).useClass(Terminus12HealthIndicatorService);
      },
    );
  });

  afterAll(async () => {
    await app?.close();
    await pg?.drop();
  });

  it('uses degraded for a saturated pool whose probe succeeds, down when the probe fails', async () => {
    const master = (
      app.get(DataSource).driver as unknown as {
        master: { connect(): Promise<{ release(): void }> };
      }
    ).master;
    const held = await master.connect();
    try {
      const indicator = app.get(PoolHealthIndicator);
      await expect(indicator.isHealthy('database', { maxUtilization: 0.4 })).resolves.toEqual({
        database: expect.objectContaining({
          status: 'degraded',
          utilization: 0.5,
          message: 'pool saturated: utilization 0.5 (maxUtilization 0.4)',
        }),
      });
      const second = await master.connect();
      try {
        const result = await indicator.isHealthy('database', { timeout: 50 });
        expect(result.database).toMatchObject({
          status: 'down',
          message: 'timeout of 50ms exceeded',
        });
      } finally {
        second.release();
      }
    } finally {
      held.release();
    }
    await expect(app.get(PoolHealthIndicator).isHealthy('database')).resolves.toMatchObject({
      database: { status: 'up' },
    });
  });
});
