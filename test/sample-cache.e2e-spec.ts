import type { INestApplication } from '@nestjs/common';
import { PerfCacheService } from '@nest-perf/cache';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import {
  StorageTokenService,
  TOKEN_LIFETIME_MS,
  TOKEN_REFRESH_MARGIN_MS,
} from '../apps/sample/src/resources/storage-token.service';
import { scratchDatabase, ScratchDatabase } from './support/databases';
import { rawRedis, scanKeys, TEST_REDIS_URL, unlinkMatching, versionMatch } from './support/redis';
import { bootSampleApp } from './support/sample-app';

const REDIS_URL = TEST_REDIS_URL;
const DATASET = { users: 10, tasks: 200, seed: 11 };

// The sample app's own setups: SQLite with the in-process cache (npm start), Postgres with Redis.
const SETUPS = [
  { name: 'SQLite + memory cache', dialect: 'sqlite' as const, redisUrl: undefined },
  { name: 'Postgres + Redis', dialect: 'postgres' as const, redisUrl: REDIS_URL },
];

describe.each(SETUPS)('sample app caching on $name', ({ dialect, redisUrl }) => {
  let db: ScratchDatabase;
  let app: INestApplication;
  let dataSource: DataSource;
  let cache: PerfCacheService;
  const http = () => request(app.getHttpServer());
  const stats = (namespace: string) => cache.stats().namespaces[namespace];

  beforeAll(async () => {
    db = await scratchDatabase(dialect);
    ({ app, dataSource } = await bootSampleApp(db.config, DATASET, { redisUrl }));
    cache = app.get(PerfCacheService);
    if (redisUrl) expect((await cache.ping()).l2).toMatchObject({ configured: true, up: true });
  });

  const cacheVersion = () =>
    (cache as unknown as { engine: { options: { version: string } } }).engine.options.version;

  afterAll(async () => {
    const version = cache ? cacheVersion() : undefined;
    await app?.close();
    await db?.drop();
    if (redisUrl && version) {
      const redis = await rawRedis(redisUrl);
      try {
        await unlinkMatching(redis, versionMatch(version));
      } finally {
        await redis.close();
      }
    }
  });

  it('answers repeated reads from the cache', async () => {
    const first = await http().get('/users/2/tasks?pageSize=5').expect(200);
    const second = await http().get('/users/2/tasks?pageSize=5').expect(200);
    expect(second.body).toEqual(first.body);
    expect(stats('tasks')).toMatchObject({ loads: 1, hits: 1, l1Hits: 1 });
  });

  it('returns fresh lists, counts and details right after an update', async () => {
    const before = await http().get('/users/3/tasks?pageSize=100').expect(200);
    const countsBefore = await http().get('/users/3/tasks/stats').expect(200);
    const task = before.body.items.find((t: { status: string }) => t.status !== 'cancelled');
    await http().get(`/tasks/${task.id}`).expect(200);
    await http().get(`/tasks/${task.id}`).expect(200);
    expect(stats('task-detail').hits).toBeGreaterThanOrEqual(1);

    await http()
      .patch(`/tasks/${task.id}`)
      .send({ status: 'cancelled', topic: 'renamed topic' })
      .expect(200);

    const detail = await http().get(`/tasks/${task.id}`).expect(200);
    expect(detail.body).toMatchObject({ status: 'cancelled', topic: 'renamed topic' });
    const after = await http().get('/users/3/tasks?pageSize=100').expect(200);
    expect(after.body.items.find((t: { id: string }) => t.id === task.id)).toMatchObject({
      status: 'cancelled',
      topic: 'renamed topic',
    });
    const countsAfter = await http().get('/users/3/tasks/stats').expect(200);
    expect(countsAfter.body.byStatus.cancelled).toBe(countsBefore.body.byStatus.cancelled + 1);
    expect(countsAfter.body.byStatus[task.status]).toBe(
      countsBefore.body.byStatus[task.status] - 1,
    );
  });

  it('shows a created task at once and forgets a deleted one at once', async () => {
    const before = await http().get('/users/4/tasks').expect(200);
    const created = await http()
      .post('/tasks')
      .send({ userId: 4, topic: 'freshly created' })
      .expect(201);
    const listed = await http().get('/users/4/tasks').expect(200);
    expect(listed.body.total).toBe(before.body.total + 1);
    expect(listed.body.items[0].id).toBe(created.body.id);

    await http().get(`/tasks/${created.body.id}`).expect(200);
    await http().delete(`/tasks/${created.body.id}`).expect(204);
    await http().get(`/tasks/${created.body.id}`).expect(404);
    const afterDelete = await http().get('/users/4/tasks').expect(200);
    expect(afterDelete.body.total).toBe(before.body.total);
  });

  it('does not leak one user invalidation into another user', async () => {
    await http().get('/users/5/tasks').expect(200);
    const loads = stats('tasks').loads;
    await http().post('/tasks').send({ userId: 6, topic: 'other user' }).expect(201);
    await http().get('/users/5/tasks').expect(200);
    expect(stats('tasks').loads).toBe(loads);
  });

  it('caches the storage token for as long as the token lives (TTL from the result)', async () => {
    const [resource] = await dataSource.query(
      `SELECT id FROM resources WHERE url IS NOT NULL ORDER BY id LIMIT 1`,
    );
    const tokens = app.get(StorageTokenService);
    const issuedBefore = tokens.issued;
    const a = await http().get(`/resources/${resource.id}/download`).expect(200);
    const b = await http().get(`/resources/${resource.id}/download`).expect(200);
    expect(new URL(a.body.url).searchParams.get('token')).toBeTruthy();
    expect(b.body.url).toBe(a.body.url);
    expect(tokens.issued).toBe(issuedBefore + 1);
    if (redisUrl) {
      // The entry lives token lifetime - margin (+-10% jitter), not the default 5 minutes.
      const redis = await rawRedis(redisUrl);
      try {
        const keys = await scanKeys(redis, `storage-token:${cacheVersion()}:*`);
        expect(keys).toHaveLength(1);
        const pttl = await redis.pTTL(keys[0]);
        const expected = TOKEN_LIFETIME_MS - TOKEN_REFRESH_MARGIN_MS;
        expect(pttl).toBeGreaterThan(expected * 0.85);
        expect(pttl).toBeLessThanOrEqual(expected * 1.1);
      } finally {
        await redis.close();
      }
    }
  });
});
