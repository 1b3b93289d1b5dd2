import { Inject, Injectable, Logger, type INestApplication } from '@nestjs/common';
import {
  Cached,
  InvalidateCache,
  PerfCacheModule,
  PerfCacheService,
  type RedisL2Options,
} from '@nest-perf/cache';
import { DB, provideDb, type Db } from './support/cache-fixtures';
import {
  bootApp,
  destroyQuietly,
  freePort,
  PrivateRedis,
  rawRedis,
  sleep,
  uniqueVersion,
  waitFor,
  type RawRedis,
} from './support/redis';

// Fail-open: a Redis that dies, hangs or was never there must not fail a single call. These
// tests stop and pause Redis, so they run against a redis-server of their own.

const tags = (id: string) => [`item:${id}`];

@Injectable()
class ItemsService {
  loads = 0;

  constructor(@Inject(DB) private readonly db: Db) {}

  @Cached({ namespace: 'items', key: (id: string) => `item:${id}`, tags })
  async get(id: string): Promise<string> {
    this.loads++;
    return this.db.get(id) ?? `loaded ${id}`;
  }

  @InvalidateCache({ tags })
  async update(id: string, value: string): Promise<void> {
    this.db.set(id, value);
  }
}

describe('fail-open when L2 fails', () => {
  let server: PrivateRedis;
  let version: string;
  const apps: INestApplication[] = [];

  beforeAll(async () => {
    server = await PrivateRedis.start();
  });

  beforeEach(() => {
    version = uniqueVersion();
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await Promise.all(apps.splice(0).map((app) => app.close()));
    if (!server.running) await server.start(); // a test that stopped it and then failed
  });

  afterAll(async () => {
    await server?.dispose();
  });

  async function start(l2: Partial<RedisL2Options> = {}, db: Db = new Map()) {
    const app = await bootApp({
      imports: [PerfCacheModule.forRoot({ version, l2: { url: server.url, ...l2 } })],
      providers: [ItemsService, provideDb(db)],
    });
    apps.push(app);
    return { items: app.get(ItemsService), cache: app.get(PerfCacheService) };
  }

  /** Runs `fn` with a raw client on the private server. */
  async function withRaw<T>(fn: (client: RawRedis) => Promise<T>): Promise<T> {
    const client = await rawRedis(server.url);
    try {
      return await fn(client);
    } finally {
      destroyQuietly(client);
    }
  }

  const entryKey = (id: string) => `items:${version}:item:${id}`;
  const tagKey = (id: string) => `nest-perf:${version}:tag:item:${id}`;

  /** Restarts the server and waits until the app's client has reconnected to it. */
  async function restartAndReconnect() {
    await server.start();
    await waitFor(
      () =>
        withRaw(
          async (c) =>
            (String(await c.sendCommand(['CLIENT', 'LIST'])).match(/^id=/gm) ?? []).length >= 2,
        ),
      "the app's client to reconnect",
    );
  }

  it('a dead Redis: calls return the method result, errors count, the circuit opens, logs stay few', async () => {
    const { items, cache } = await start({ cooldown: '10s' });
    await expect(items.get('warm')).resolves.toBe('loaded warm');
    await waitFor(
      () => withRaw(async (c) => (await c.exists(entryKey('warm'))) === 1),
      'the entry',
    );

    await server.stop();
    const warn = jest.spyOn(Logger.prototype, 'warn');

    for (let i = 0; i < 50; i++) await expect(items.get(`k${i}`)).resolves.toBe(`loaded k${i}`);

    expect(items.loads).toBe(51);
    expect(cache.stats().total.errors).toBeGreaterThan(0);
    const ping = await cache.ping();
    expect(ping.l2).toMatchObject({ configured: true, up: false, circuit: 'open' });
    expect(ping.l2.configured && ping.l2.consecutiveFailures).toBeGreaterThanOrEqual(5);
    // 50 failing calls (about three L2 operations each): a handful of lines, not one per failure.
    expect(warn.mock.calls.length).toBeGreaterThanOrEqual(1);
    expect(warn.mock.calls.length).toBeLessThanOrEqual(5);
    // L1 still works while L2 is down.
    await expect(items.get('k0')).resolves.toBe('loaded k0');
    expect(items.loads).toBe(51);
  });

  it('after a restart and the cooldown, calls reach L2 again and an invalidation made meanwhile is replayed', async () => {
    const { items, cache } = await start({ cooldown: '200ms' }, new Map([['1', 'old']]));
    await items.get('1');
    await server.stop();

    await items.update('1', 'new'); // the tag bump cannot reach Redis now
    await waitFor(async () => {
      const { l2 } = await cache.ping();
      return l2.configured && l2.circuit === 'open';
    }, 'the circuit to open');

    await restartAndReconnect();
    await waitFor(async () => {
      const { l2 } = await cache.ping(); // after the cooldown, one of these is the probe
      return l2.configured && l2.circuit === 'closed';
    }, 'the circuit to close');

    // Replayed: the tag's new generation is in Redis again.
    await waitFor(() => withRaw((c) => c.get(tagKey('1'))), 'the replayed tag version');
    // And entries are written to L2 again.
    await expect(items.get('2')).resolves.toBe('loaded 2');
    await waitFor(() => withRaw(async (c) => (await c.exists(entryKey('2'))) === 1), 'a new entry');
    await expect(items.get('1')).resolves.toBe('new');
  });

  it('replays an invalidation that failed during an outage too short to open the circuit', async () => {
    const { items, cache } = await start({ failureThreshold: 5 }, new Map([['1', 'old']]));
    await items.get('1');
    await server.stop();

    await items.update('1', 'new'); // one failed L2 write: below failureThreshold

    await restartAndReconnect();
    await waitFor(async () => {
      const { l2 } = await cache.ping();
      return l2.configured && l2.up;
    }, 'L2 to answer');
    // Fewer failures than failureThreshold: the circuit never opened (and so never closed).
    expect(cache.stats().total.errors).toBeLessThan(5);

    await waitFor(() => withRaw((c) => c.get(tagKey('1'))), 'the replayed tag version', {
      timeoutMs: 3_000,
    });
  });

  it('an entry invalidated during an outage is not served again once Redis is back', async () => {
    const db: Db = new Map([['1', 'old']]);
    const l2 = { cooldown: '200ms', versionCheckInterval: '300ms' } as const;
    const { items, cache } = await start(l2, db);
    await items.get('1');
    await waitFor(() => withRaw(async (c) => (await c.exists(entryKey('1'))) === 1), 'the entry');
    await server.stop({ save: true }); // Redis comes back with the old entry, as after a failover

    await items.update('1', 'new'); // applied locally; the tag bump cannot reach Redis
    await waitFor(async () => {
      const { l2 } = await cache.ping();
      return l2.configured && l2.circuit === 'open';
    }, 'the circuit to open');
    await restartAndReconnect();
    expect(await withRaw((c) => c.exists(entryKey('1')))).toBe(1);
    expect(await withRaw((c) => c.get(tagKey('1')))).toBeNull(); // not replayed yet
    // Let the cooldown and the version check interval run out, so that the next call checks
    // the versions against Redis and that check is the circuit's probe. Nothing is timed.
    await sleep(400);
    const errors = cache.stats().total.errors;

    await expect(items.get('1')).resolves.toBe('new');
    expect(cache.stats().total.errors).toBe(errors); // this call did reach Redis
  });

  it('a hanging Redis: a call that misses L1 returns the method result after l2.timeout', async () => {
    const { items, cache } = await start({ timeout: 50 });
    const pauser = await rawRedis(server.url);
    const probe = await rawRedis(server.url);
    try {
      await pauser.sendCommand(['CLIENT', 'PAUSE', '1500', 'ALL']);
      let pauseOver = false;
      const probed = probe.ping().then(() => (pauseOver = true));

      await expect(items.get('slow')).resolves.toBe('loaded slow');

      expect(pauseOver).toBe(false); // answered while Redis was still paused
      expect(cache.stats().namespaces.items.errors).toBeGreaterThan(0);
      await probed; // the pause ends by itself (CLIENT UNPAUSE would wait for it too)
    } finally {
      destroyQuietly(pauser);
      destroyQuietly(probe);
    }
  });

  it('boots when Redis is not there, logs a warning and runs methods', async () => {
    const port = await freePort(); // nothing listens there
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const app = await bootApp({
      imports: [
        PerfCacheModule.forRoot({
          version,
          l2: { url: `redis://127.0.0.1:${port}`, connectTimeout: '300ms' },
        }),
      ],
      providers: [ItemsService, provideDb(new Map())],
    });
    apps.push(app);

    expect(warn.mock.calls.map((c) => String(c[0]))).toEqual(
      expect.arrayContaining([expect.stringMatching(/not reachable at startup/)]),
    );
    const items = app.get(ItemsService);
    await expect(items.get('a')).resolves.toBe('loaded a');
    await expect(items.get('a')).resolves.toBe('loaded a');
    expect(items.loads).toBe(1); // L1 still caches
    expect((await app.get(PerfCacheService).ping()).l2).toMatchObject({ up: false });
  });
});
