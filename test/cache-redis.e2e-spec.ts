import { Inject, Injectable, type INestApplication } from '@nestjs/common';
import {
  Cached,
  PerfCacheModule,
  PerfCacheService,
  type PerfCacheModuleOptions,
} from '@nest-perf/cache';
import { DB, provideDb, type Db } from './support/cache-fixtures';
import { bootApp, TEST_REDIS_URL, useRedisScope, waitFor } from './support/redis';

// L2 basics: two app instances sharing one Redis, the key layout, TTLs, L2-only mode, and
// values that JSON alone would not bring back.

const TTL_MS = 60_000;

@Injectable()
class ItemsService {
  loads = 0;

  constructor(@Inject(DB) private readonly db: Db) {}

  @Cached({ namespace: 'items', ttl: TTL_MS, key: (id: string) => `item:${id}` })
  async get(id: string): Promise<string | undefined> {
    this.loads++;
    return this.db.get(id);
  }

  @Cached({ namespace: 'rich', key: (id: string) => id })
  async rich(id: string) {
    this.loads++;
    return {
      id,
      d: new Date('2024-02-29T12:34:56.789Z'),
      m: new Map([[1, 'a']]),
      s: new Set([1n]),
      b: Buffer.from('hi'),
      big: 10n ** 20n,
      u: undefined,
      n: null,
    };
  }
}

/** One fixture app: the service above on a cache whose L2 is the shared test Redis. */
function itemsApp(db: Db, options: PerfCacheModuleOptions): Promise<INestApplication> {
  return bootApp({
    imports: [PerfCacheModule.forRoot({ l2: { url: TEST_REDIS_URL }, ...options })],
    providers: [ItemsService, provideDb(db)],
  });
}

describe('PerfCacheModule with Redis as L2', () => {
  const scope = useRedisScope();

  async function start(db: Db, options: PerfCacheModuleOptions = {}) {
    const app = scope.track(await itemsApp(db, { version: scope.version, ...options }));
    return { app, items: app.get(ItemsService), cache: app.get(PerfCacheService) };
  }

  it('shares entries between two app instances: B gets what A loaded as an L2 hit', async () => {
    const db: Db = new Map([['1', 'one']]);
    const a = await start(db);
    const b = await start(db);

    await expect(a.items.get('1')).resolves.toBe('one');
    expect(a.items.loads).toBe(1);
    // A writes to L2 in the background; wait for the write, not for a duration.
    const key = `items:${scope.version}:item:1`;
    await waitFor(async () => (await scope.redis.exists(key)) === 1, `${key} in Redis`);

    await expect(b.items.get('1')).resolves.toBe('one');
    expect(b.items.loads).toBe(0);
    const stats = b.cache.stats().namespaces.items;
    expect(stats).toMatchObject({ l2Hits: 1, l1Hits: 0, hits: 1, misses: 0, loads: 0 });

    // Now in B's L1 too.
    await expect(b.items.get('1')).resolves.toBe('one');
    expect(b.cache.stats().namespaces.items).toMatchObject({ l1Hits: 1, l2Hits: 1 });
  });

  it('stores the entry under exactly <namespace>:<version>:<key> with a PX TTL near the configured one', async () => {
    const jitter = 0.1;
    const grace = 5_000;
    const { items } = await start(new Map([['42', 'answer']]), { jitter, grace });

    await items.get('42');
    const key = `items:${scope.version}:item:42`;
    await waitFor(async () => (await scope.redis.exists(key)) === 1, `${key} in Redis`);

    // Nothing else under the namespace prefix: the key is exactly that, not a variant of it.
    const prefix = `items:${scope.version}:`;
    const written: string[] = [];
    for await (const keys of scope.redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
      written.push(...keys);
    }
    expect(written).toEqual([key]);

    const pttl = await scope.redis.pTTL(key);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(TTL_MS * (1 + jitter) + grace);
    // Jitter is +-10%, so even the shortest entry lives longer than 90% of the TTL plus grace,
    // minus the little time spent since the write.
    expect(pttl).toBeGreaterThan(TTL_MS * (1 - jitter) + grace - 10_000);
  });

  it('with l1: false, every call goes to L2', async () => {
    const { items, cache } = await start(new Map([['7', 'seven']]), { l1: false });

    await expect(items.get('7')).resolves.toBe('seven');
    await expect(items.get('7')).resolves.toBe('seven');
    await expect(items.get('7')).resolves.toBe('seven');

    expect(items.loads).toBe(1);
    expect(cache.stats().namespaces.items).toMatchObject({
      misses: 1,
      l1Hits: 0,
      l2Hits: 2,
      hits: 2,
    });
    expect((await cache.ping()).l1).toEqual({ enabled: false, entries: 0 });

    // What L2 holds is what is served: change it behind the cache's back and the next call sees it.
    const key = `items:${scope.version}:item:7`;
    const stored = await scope.redis.get(key);
    expect(stored).toContain('seven');
    await scope.redis.set(key, stored!.replace('seven', 'SEVEN'), {
      expiration: { type: 'PX', value: TTL_MS },
    });
    await expect(items.get('7')).resolves.toBe('SEVEN');
    expect(items.loads).toBe(1);
  });

  it('round-trips Date, Map, Set, Buffer, bigint, undefined and null through L2', async () => {
    const a = await start(new Map());
    const b = await start(new Map());

    const original = await a.items.rich('r1');
    const key = `rich:${scope.version}:r1`;
    await waitFor(async () => (await scope.redis.exists(key)) === 1, `${key} in Redis`);

    const copy = await b.items.rich('r1');
    expect(b.items.loads).toBe(0);
    expect(b.cache.stats().namespaces.rich).toMatchObject({ l1Hits: 0, l2Hits: 1 });

    expect(copy).not.toBe(original);
    expect(copy.d).toBeInstanceOf(Date);
    expect(copy.d.toISOString()).toBe('2024-02-29T12:34:56.789Z');
    expect(copy.m).toBeInstanceOf(Map);
    expect([...copy.m]).toEqual([[1, 'a']]);
    expect(copy.s).toBeInstanceOf(Set);
    expect([...copy.s]).toEqual([1n]);
    expect(typeof [...copy.s][0]).toBe('bigint');
    expect(Buffer.isBuffer(copy.b)).toBe(true);
    expect(copy.b.toString()).toBe('hi');
    expect(typeof copy.big).toBe('bigint');
    expect(copy.big).toBe(100000000000000000000n);
    expect('u' in copy).toBe(true);
    expect(copy.u).toBeUndefined();
    expect(copy.n).toBeNull();
    expect(copy).toEqual(original);
  });
});
