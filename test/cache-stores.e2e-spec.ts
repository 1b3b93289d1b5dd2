import { Inject, Injectable, Logger } from '@nestjs/common';
import { CACHE_MANAGER, CacheModule } from '@nestjs/cache-manager';
import KeyvRedis from '@keyv/redis';
import type { Cache } from 'cache-manager';
import Keyv from 'keyv';
import {
  Cached,
  InvalidateCache,
  PerfCacheModule,
  PerfCacheService,
  type L2ResilienceOptions,
} from '@nest-perf/cache';
import { DB, nextMillisecond, provideDb, type Db } from './support/cache-fixtures';
import { bootApp, scanKeys, TEST_REDIS_URL, useRedisScope, waitFor } from './support/redis';

// The other kinds of L2: a Keyv instance, and an existing @nestjs/cache-manager Cache, both on
// the shared Redis through @keyv/redis.

const key = (id: string) => `item:${id}`;
const tags = (id: string) => [`item:${id}`];

@Injectable()
class ItemsService {
  loads = 0;

  constructor(@Inject(DB) private readonly db: Db) {}

  @Cached({ namespace: 'items', key, tags })
  async get(id: string): Promise<string | undefined> {
    this.loads++;
    return this.db.get(id);
  }

  @InvalidateCache({ tags })
  async update(id: string, value: string): Promise<void> {
    this.db.set(id, value);
  }

  @InvalidateCache({ namespace: 'items', pattern: (id: string) => `item:${id}` })
  async touch(id: string): Promise<void> {
    void id;
  }
}

describe('other L2 stores on Redis', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });
  const scope = useRedisScope();

  /** The Redis key under which an entry of `items` ends up, whatever the store prefixes. */
  async function entryInRedis(id: string): Promise<string | undefined> {
    const keys = await scanKeys(scope.redis, `*items:${scope.version}:${key(id)}`);
    return keys.length === 1 ? keys[0] : undefined;
  }

  describe('l2: { keyv }', () => {
    async function start(db: Db, resilience: L2ResilienceOptions = {}) {
      const keyv = new Keyv(new KeyvRedis(TEST_REDIS_URL));
      scope.afterApps(() => keyv.disconnect());
      const app = await bootApp({
        imports: [PerfCacheModule.forRoot({ version: scope.version, l2: { keyv, ...resilience } })],
        providers: [ItemsService, provideDb(db)],
      });
      scope.track(app);
      return { items: app.get(ItemsService), cache: app.get(PerfCacheService) };
    }

    async function twoInstances(db: Db) {
      const a = await start(db, { versionCheckInterval: 0 });
      const b = await start(db, { versionCheckInterval: 0 });
      await expect(a.items.get('1')).resolves.toBe('old');
      await waitFor(() => entryInRedis('1'), 'the entry in Redis');
      await expect(b.items.get('1')).resolves.toBe('old');
      await nextMillisecond();
      return { a, b };
    }

    it('shares entries between two app instances (an L2 hit in B)', async () => {
      const { b } = await twoInstances(new Map([['1', 'old']]));

      expect(b.items.loads).toBe(0);
      expect(b.cache.stats().namespaces.items).toMatchObject({ l2Hits: 1, l1Hits: 0 });
      expect(await entryInRedis('1')).toBe(`keyv::keyv:items:${scope.version}:item:1`);
      expect((await b.cache.ping()).l2).toMatchObject({ store: 'keyv', up: true });
    });

    it('tag invalidation in A makes B reload', async () => {
      const { a, b } = await twoInstances(new Map([['1', 'old']]));

      await a.items.update('1', 'new');

      await expect(b.items.get('1')).resolves.toBe('new');
      expect(b.items.loads).toBe(1);
    });

    it('a pattern falls back to invalidating the whole namespace, in L1 and for the other app', async () => {
      const db: Db = new Map([
        ['1', 'old'],
        ['2', 'two'],
      ]);
      const { a, b } = await twoInstances(db);
      await a.items.get('2');
      const warn = jest.spyOn(Logger.prototype, 'warn');

      db.set('1', 'new');
      await a.items.touch('1');

      expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([
        expect.stringMatching(/cannot delete by pattern; invalidating the whole namespace items/),
      ]);
      expect(await entryInRedis('1')).toBeDefined(); // nothing deleted: a new generation instead
      const aLoads = a.items.loads;
      await expect(a.items.get('1')).resolves.toBe('new'); // gone from A's L1
      await expect(a.items.get('2')).resolves.toBe('two'); // the whole namespace went
      expect(a.items.loads).toBe(aLoads + 2);
      await expect(b.items.get('1')).resolves.toBe('new'); // and for B
    });
  });

  describe('l2: { cacheManager } from @nestjs/cache-manager', () => {
    async function start(db: Db) {
      const app = await bootApp({
        imports: [
          CacheModule.registerAsync({
            isGlobal: true,
            useFactory: () => ({ stores: [new KeyvRedis(TEST_REDIS_URL)] }),
          }),
          PerfCacheModule.forRootAsync({
            inject: [CACHE_MANAGER],
            useFactory: (cacheManager: Cache) => ({
              version: scope.version,
              l2: { cacheManager, versionCheckInterval: 0 },
            }),
          }),
        ],
        providers: [ItemsService, provideDb(db)],
      });
      scope.track(app);
      return { items: app.get(ItemsService), cache: app.get(PerfCacheService) };
    }

    it('shares values between two app instances through the injected Cache', async () => {
      const db: Db = new Map([['1', 'old']]);
      const a = await start(db);
      const b = await start(db);

      await expect(a.items.get('1')).resolves.toBe('old');
      await waitFor(() => entryInRedis('1'), 'the entry in Redis');
      await expect(b.items.get('1')).resolves.toBe('old');

      expect(b.items.loads).toBe(0);
      expect(b.cache.stats().namespaces.items).toMatchObject({ l2Hits: 1 });
      expect((await b.cache.ping()).l2).toMatchObject({ store: 'cache-manager', up: true });

      // Invalidation travels through it too.
      await a.items.update('1', 'new');
      await nextMillisecond();
      await expect(b.items.get('1')).resolves.toBe('new');
    });
  });
});
