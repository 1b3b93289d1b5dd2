import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { PoolHealthIndicator, PoolMetrics } from '@nest-perf/health';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { healthFixture } from './fixtures/health-fixture';
import { scratchDatabase, ScratchDatabase } from './support/databases';

interface PgPoolView {
  waitingCount: number;
  totalCount: number;
  idleCount: number;
}

const POOL_FIELDS = {
  driver: 'postgres',
  max: 2,
  total: expect.any(Number),
  idle: expect.any(Number),
  active: expect.any(Number),
  waiting: expect.any(Number),
  utilization: expect.any(Number),
  acquireMs: expect.any(Number),
};

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!condition()) throw new Error(`gave up waiting for ${what}`);
}

// The exhaustion scenario queues 20 requests of 300 ms behind 2 connections (about 3 s).
jest.setTimeout(20_000);

describe('PoolHealthIndicator (Postgres, better-sqlite3, Express)', () => {
  let pg: ScratchDatabase;
  let sqlite: ScratchDatabase;
  let app: INestApplication;
  let pool: PgPoolView;
  const http = () => request(app.getHttpServer());
  /** Sends the request now (a supertest request is lazy) and resolves to its status. */
  const fire = (path: string) =>
    http()
      .get(path)
      .then((r) => r.status);

  beforeAll(async () => {
    pg = await scratchDatabase('postgres');
    sqlite = await scratchDatabase('sqlite');
    const sqlitePath = sqlite.config.type === 'better-sqlite3' ? sqlite.config.path : '';
    if (pg.config.type !== 'postgres') throw new Error('expected a Postgres scratch database');
    const moduleRef = await Test.createTestingModule({
      imports: [healthFixture(pg.config.url, join(sqlitePath))],
    }).compile();
    app = moduleRef.createNestApplication();
    await app.init();
    const dataSource = app.get(DataSource);
    pool = (dataSource.driver as unknown as { master: PgPoolView }).master;
  });

  afterAll(async () => {
    await app?.close();
    await pg?.drop();
    await sqlite?.drop();
  });

  it('reports the Postgres pool with the documented fields', async () => {
    const { body } = await http().get('/health').expect(200);
    expect(body.status).toBe('ok');
    expect(body.info.database).toEqual({
      status: 'up',
      ...POOL_FIELDS,
      metrics: {
        acquire: expect.objectContaining({ count: expect.any(Number), p95Ms: expect.any(Number) }),
        usage: expect.objectContaining({ count: expect.any(Number) }),
        timeouts: 0,
        errors: 0,
        instrumented: true,
      },
    });
    const db = body.info.database;
    expect(db.active).toBe(db.total - db.idle);
    expect(db.waiting).toBe(0);
    expect(db.utilization).toBeLessThanOrEqual(0.9);
  });

  it('times every acquire and release of the pg pool once instrumented', async () => {
    await http().get('/health').expect(200);
    const metrics = app.get(PoolMetrics);
    const before = metrics.snapshot(pool);
    await Promise.all([1, 2, 3].map(() => http().get('/hold?ms=20').expect(200)));
    const after = metrics.snapshot(pool);
    expect(after.acquire.count).toBe(before.acquire.count + 3);
    expect(after.usage.count).toBe(before.usage.count + 3);
    // Every usage includes a 20 ms pg_sleep.
    expect(after.usage.maxMs).toBeGreaterThanOrEqual(20);
  });

  it('reports better-sqlite3 as not pooled, up when SELECT 1 works', async () => {
    const { body } = await http().get('/health/sqlite').expect(200);
    expect(body.info.sqlite).toEqual({
      status: 'up',
      driver: 'better-sqlite3',
      pooled: false,
      queryMs: expect.any(Number),
    });
  });

  it('reports the primary and each replica pool when replication is configured', async () => {
    const { body } = await http().get('/health/replicated').expect(200);
    expect(body.info.database).toMatchObject({
      status: 'up',
      driver: 'postgres',
      max: 3,
      acquireMs: expect.any(Number),
      replicas: [
        {
          max: 3,
          total: expect.any(Number),
          idle: expect.any(Number),
          active: expect.any(Number),
          waiting: 0,
          utilization: expect.any(Number),
          acquireMs: expect.any(Number),
        },
      ],
    });
  });

  it('reports an exhausted pool (2 connections, 20 requests holding one) in one check, then recovers', async () => {
    const holds = Array.from({ length: 20 }, () => fire('/hold?ms=300'));
    await until(() => pool.waitingCount > 0, 'requests to queue for a connection');

    const saturated = await http().get('/health').expect(503);
    expect(saturated.body.status).toBe('error');
    const db = saturated.body.error.database;
    expect(db).toMatchObject({ status: 'down', driver: 'postgres', max: 2, active: 2 });
    expect(db.waiting).toBeGreaterThan(0);
    expect(db.utilization).toBe(1);
    // The probe queues behind the held connections: either it timed out or the pool is saturated.
    expect(db.message).toMatch(/timeout of 1000ms exceeded|pool saturated/);

    const statuses = await Promise.all(holds);
    expect(statuses).toEqual(Array(20).fill(200));
    await until(() => pool.waitingCount === 0 && pool.idleCount === pool.totalCount, 'idle pool');
    const recovered = await http().get('/health').expect(200);
    expect(recovered.body.status).toBe('ok');
    expect(recovered.body.info.database).toMatchObject({ status: 'up', waiting: 0 });
  });

  it('reports saturation while the probe still succeeds as down on Terminus 11', async () => {
    // One of two connections held: utilization 0.5 > 0.4, the probe gets the other one.
    const hold = fire('/hold?ms=500');
    await until(() => pool.totalCount - pool.idleCount === 1, 'one connection to be held');
    const { body } = await http().get('/health?maxUtilization=0.4').expect(503);
    expect(body.error.database).toMatchObject({
      status: 'down',
      utilization: 0.5,
      acquireMs: expect.any(Number),
      message: 'pool saturated: utilization 0.5 (maxUtilization 0.4)',
    });
    expect(await hold).toBe(200);
  });

  it('turns a probe that cannot get a connection within timeout into down with the timeout message', async () => {
    const metrics = app.get(PoolMetrics);
    const timeoutsBefore = metrics.snapshot(pool).timeouts;
    const holds = [1, 2].map(() => fire('/hold?ms=800'));
    await until(() => pool.totalCount - pool.idleCount === 2, 'both connections to be held');
    const { body } = await http()
      .get('/health?timeout=100&maxUtilization=1&maxWaiting=10')
      .expect(503);
    expect(body.error.database).toMatchObject({
      status: 'down',
      driver: 'postgres',
      error: 'timeout of 100ms exceeded',
      message: 'timeout of 100ms exceeded',
    });
    expect(body.error.database.acquireMs).toBeUndefined();
    expect(metrics.snapshot(pool).timeouts).toBe(timeoutsBefore + 1);
    expect(await Promise.all(holds)).toEqual([200, 200]);
    // The probe's late connection went back to the pool instead of leaking.
    await until(() => pool.idleCount === pool.totalCount, 'the late probe connection to return');
    await http().get('/health').expect(200);
  });

  it('reports down, without throwing, for a DataSource that is not initialized', async () => {
    const replicated = app.get<DataSource>(getDataSourceToken('replicated'));
    const closed = new DataSource({ ...replicated.options, replication: undefined } as never);
    const result = await app.get(PoolHealthIndicator).isHealthy('db', { dataSource: closed });
    expect(result).toEqual({
      db: { status: 'down', driver: 'postgres', message: 'DataSource is not initialized' },
    });
  });
});
