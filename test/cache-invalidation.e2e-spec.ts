import { Inject, Injectable, type INestApplication } from '@nestjs/common';
import {
  Cached,
  InvalidateCache,
  PerfCacheModule,
  PerfCacheService,
  type PerfCacheModuleOptions,
} from '@nest-perf/cache';
import { DB, nextMillisecond, provideDb, type Db } from './support/cache-fixtures';
import { bootApp, TEST_REDIS_URL, useRedisScope, waitFor } from './support/redis';

// Invalidation across app instances sharing Redis (tags, whole namespace, exact key), and
// read-after-write within one instance.

const key = (id: string) => `item:${id}`;
const tags = (id: string) => [`item:${id}`];

@Injectable()
class ItemsService {
  loads = 0;
  /** Loads wait for this; tests replace it to hold a load in flight. */
  gate: Promise<void> = Promise.resolve();

  constructor(@Inject(DB) private readonly db: Db) {}

  @Cached({ namespace: 'items', key, tags })
  async get(id: string): Promise<string | undefined> {
    const value = this.db.get(id); // read first, like a query, then the slow part
    this.loads++;
    await this.gate;
    return value;
  }

  @InvalidateCache({ tags })
  async update(id: string, value: string): Promise<void> {
    this.db.set(id, value);
  }

  @InvalidateCache({ namespace: 'items', allEntries: true })
  async replaceAll(values: Record<string, string>): Promise<void> {
    for (const [id, value] of Object.entries(values)) this.db.set(id, value);
  }

  @InvalidateCache({ namespace: 'items', key })
  async put(id: string, value: string): Promise<void> {
    this.db.set(id, value);
  }
}

function itemsApp(db: Db, options: PerfCacheModuleOptions): Promise<INestApplication> {
  return bootApp({
    imports: [PerfCacheModule.forRoot(options)],
    providers: [ItemsService, provideDb(db)],
  });
}

describe('invalidation with Redis as L2', () => {
  const scope = useRedisScope();

  async function start(db: Db, l2: Partial<{ versionCheckInterval: number; bus: boolean }> = {}) {
    const app = await itemsApp(db, { version: scope.version, l2: { url: TEST_REDIS_URL, ...l2 } });
    scope.track(app);
    return { items: app.get(ItemsService), cache: app.get(PerfCacheService) };
  }

  /** A and B share the database and Redis; both re-check versions on every call. */
  async function twoInstances(db: Db) {
    const a = await start(db, { versionCheckInterval: 0 });
    const b = await start(db, { versionCheckInterval: 0 });
    await expect(a.items.get('1')).resolves.toBe('old');
    await waitFor(
      async () => (await scope.redis.exists(`items:${scope.version}:item:1`)) === 1,
      'the entry in Redis',
    );
    await expect(b.items.get('1')).resolves.toBe('old');
    expect(b.items.loads).toBe(0); // an L2 hit: B holds the entry in its L1 now
    await nextMillisecond(); // so that B's next call re-checks the versions
    return { a, b };
  }

  it('accepts versionCheckInterval: 0 (re-check on every call)', async () => {
    await expect(start(new Map(), { versionCheckInterval: 0 })).resolves.toBeDefined();
  });

  it('a tag invalidated in A makes B reload on its next call', async () => {
    const db: Db = new Map([['1', 'old']]);
    const { a, b } = await twoInstances(db);

    await a.items.update('1', 'new');
    expect(await scope.redis.get(`nest-perf:${scope.version}:tag:item:1`)).toEqual(
      expect.any(String),
    );

    await expect(b.items.get('1')).resolves.toBe('new');
    expect(b.items.loads).toBe(1);
    await expect(a.items.get('1')).resolves.toBe('new');
  });

  it('a namespace invalidation keeps the keys in Redis (O(1), no scan) yet B misses', async () => {
    const db: Db = new Map([['1', 'old']]);
    const { a, b } = await twoInstances(db);
    const entryKey = `items:${scope.version}:item:1`;
    const before = await scope.redis.get(entryKey);

    await a.items.replaceAll({ '1': 'new' });

    // Nothing was deleted: the entry is still there, untouched; only the generation changed.
    expect(await scope.redis.exists(entryKey)).toBe(1);
    expect(await scope.redis.get(entryKey)).toBe(before);
    expect(await scope.redis.get(`nest-perf:${scope.version}:ns:items`)).toEqual(
      expect.any(String),
    );

    await expect(b.items.get('1')).resolves.toBe('new');
    expect(b.items.loads).toBe(1);
    expect(b.cache.stats().namespaces.items.misses).toBe(1);
  });

  describe('the invalidation bus (other instances drop their L1 copies at once)', () => {
    // B trusts versions for an hour and keeps entries a minute: within the bounded polls below,
    // only a message from A can make B reload.
    async function busPair(db: Db) {
      const a = await start(db);
      const b = await start(db, { versionCheckInterval: 3_600_000 });
      await expect(a.items.get('1')).resolves.toBe('old');
      await waitFor(
        async () => (await scope.redis.exists(`items:${scope.version}:item:1`)) === 1,
        'the entry in Redis',
      );
      await expect(b.items.get('1')).resolves.toBe('old');
      await expect(b.items.get('1')).resolves.toBe('old');
      expect(b.items.loads).toBe(0); // served from L2, then from its own L1
      return { a, b };
    }

    it('an exact-key invalidation in A reaches B', async () => {
      const db: Db = new Map([['1', 'old']]);
      const { a, b } = await busPair(db);
      await a.items.put('1', 'new');
      await waitFor(async () => (await b.items.get('1')) === 'new', 'B to read the new value');
      expect(b.items.loads).toBe(1);
    });

    it('a tag invalidation in A reaches B without waiting for its version check', async () => {
      const db: Db = new Map([['1', 'old']]);
      const { a, b } = await busPair(db);
      await a.items.update('1', 'new');
      await waitFor(async () => (await b.items.get('1')) === 'new', 'B to read the new value');
    });

    it('a pattern invalidation in A reaches B', async () => {
      const db: Db = new Map([['1', 'old']]);
      const { a, b } = await busPair(db);
      db.set('1', 'new');
      await a.cache.invalidate({ namespace: 'items', pattern: 'item:*' });
      await waitFor(async () => (await b.items.get('1')) === 'new', 'B to read the new value');
    });

    it('can be turned off (l2.bus: false): B keeps its L1 copy', async () => {
      const db: Db = new Map([['1', 'old']]);
      const app = await itemsApp(db, {
        version: scope.version,
        l2: { url: TEST_REDIS_URL, bus: false, versionCheckInterval: 3_600_000 },
      });
      scope.track(app);
      const b = { items: app.get(ItemsService) };
      const a = await start(db);
      await a.items.get('1');
      await waitFor(
        async () => (await scope.redis.exists(`items:${scope.version}:item:1`)) === 1,
        'the entry in Redis',
      );
      await b.items.get('1');
      await a.items.put('1', 'new');
      // Documented behaviour without the bus: B's L1 entry lives until it expires.
      await expect(b.items.get('1')).resolves.toBe('old');
    });
  });

  it('an exact-key invalidation removes the Redis key', async () => {
    const db: Db = new Map([
      ['1', 'old'],
      ['2', 'two'],
    ]);
    const { a } = await twoInstances(db);
    await a.items.get('2');
    await waitFor(
      async () => (await scope.redis.exists(`items:${scope.version}:item:2`)) === 1,
      'item 2',
    );

    await a.items.put('1', 'new');

    expect(await scope.redis.exists(`items:${scope.version}:item:1`)).toBe(0);
    expect(await scope.redis.exists(`items:${scope.version}:item:2`)).toBe(1);

    // A third instance finds no entry and loads the new value.
    const c = await start(db);
    await expect(c.items.get('1')).resolves.toBe('new');
    expect(c.items.loads).toBe(1);
    await expect(a.items.get('1')).resolves.toBe('new'); // A's L1 entry went too
  });

  describe('read-after-write in one process (default settings)', () => {
    it('update then read returns fresh data', async () => {
      const db: Db = new Map([['1', 'old']]);
      const { items } = await start(db);

      await expect(items.get('1')).resolves.toBe('old');
      await expect(items.get('1')).resolves.toBe('old');
      expect(items.loads).toBe(1);

      await items.update('1', 'new');
      await expect(items.get('1')).resolves.toBe('new');
      await items.put('1', 'newer');
      await expect(items.get('1')).resolves.toBe('newer');
      await items.replaceAll({ '1': 'newest' });
      await expect(items.get('1')).resolves.toBe('newest');
      expect(items.loads).toBe(4);
    });

    /** Starts a read whose load has read the database and is held until `release()`. */
    async function loadInFlight(items: ItemsService, id: string) {
      let release!: () => void;
      items.gate = new Promise((resolve) => (release = resolve));
      const loadsBefore = items.loads;
      const read = items.get(id);
      await waitFor(() => items.loads > loadsBefore, 'the load to start');
      return { read, release };
    }

    it('a read started after a tag invalidation completed does not join a load begun before it', async () => {
      const db: Db = new Map([['1', 'old']]);
      const { items } = await start(db);
      const first = await loadInFlight(items, '1'); // has read 'old'

      await items.update('1', 'new'); // the write and its invalidation are complete
      const after = items.get('1');
      first.release();

      await expect(first.read).resolves.toBe('old'); // began before the write: fine
      await expect(after).resolves.toBe('new');
    });

    it('an exact-key invalidation during a load keeps the value loaded before it out of the cache', async () => {
      const db: Db = new Map([['1', 'old']]);
      const { items } = await start(db);
      const first = await loadInFlight(items, '1');

      await items.put('1', 'new');
      first.release();
      await expect(first.read).resolves.toBe('old');

      await expect(items.get('1')).resolves.toBe('new');
    });
  });
});
