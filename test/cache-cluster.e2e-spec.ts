import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Inject, Injectable, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { createClient, createCluster } from '@redis/client';
import {
  Cached,
  InvalidateCache,
  PerfCacheModule,
  PerfCacheService,
  type RedisClusterL2Options,
} from '@nest-perf/cache';
import { UsersService } from './support/cache-fixtures';
import { uniqueVersion } from './support/redis';

// Redis Cluster as L2, against a real cluster of three masters (no replicas) that this file
// starts with redis-server in a temp dir of its own and removes afterwards. Keys are chosen
// (with CLUSTER KEYSLOT) so that every test touches every master.

const MASTERS = 3;
/** A poll's bound: how long a cluster-wide condition may take to become true. */
const POLL_MS = 10_000;
/** Per test: a few polls at most (never reached when all goes well). */
const TEST_MS = 30_000;

const DB = Symbol('DB');
type Db = Map<string, string>;
/** An item's tag: `item:<id>` unless the caller names one (to choose the tag's slot). */
const itemTag = (id: string, tag?: string) => tag ?? `item:${id}`;

@Injectable()
class ItemsService {
  loads = 0;

  constructor(@Inject(DB) private readonly db: Db) {}

  @Cached({
    namespace: 'items',
    key: (id: string) => `item:${id}`,
    tags: (id: string, tag?: string) => [itemTag(id, tag)],
  })
  async get(id: string, tag?: string): Promise<string> {
    void tag;
    this.loads++;
    return this.db.get(id) ?? `loaded ${id}`;
  }

  @InvalidateCache({ tags: (id: string, value: string, tag?: string) => [itemTag(id, tag)] })
  async update(id: string, value: string, tag?: string): Promise<void> {
    void tag;
    this.db.set(id, value);
  }
}

describe('Redis Cluster as L2 (three masters, real redis-server)', () => {
  let cluster: LocalRedisCluster | undefined;
  let raw: RawCluster;
  let version: string;
  const apps: INestApplication[] = [];

  beforeAll(async () => {
    cluster = new LocalRedisCluster();
    await cluster.start(MASTERS);
    raw = await cluster.rawCluster();
    const masters = raw.masters.map((m) => m.port).sort();
    if (masters.join() !== [...cluster.ports].sort().join()) {
      throw new Error(
        `expected masters ${cluster.ports.join()}, the cluster has ${masters.join()}`,
      );
    }
  }, 60_000);

  beforeEach(() => {
    version = uniqueVersion();
  });

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  afterAll(async () => {
    await cluster?.dispose();
  }, 30_000);

  /** One app instance on the cluster; closed after the test. */
  async function boot(l2: Partial<RedisClusterL2Options> = {}, db: Db = new Map()) {
    const moduleRef = await Test.createTestingModule({
      imports: [
        PerfCacheModule.forRoot({
          version,
          // The default 100 ms budget per L2 call is a production setting: on a busy test
          // machine it would turn L2 hits into misses.
          l2: { cluster: { rootNodes: cluster!.rootNodes }, timeout: '5s', ...l2 },
        }),
      ],
      providers: [ItemsService, UsersService, { provide: DB, useValue: db }],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    apps.push(app); // closed even when init fails
    await app.init();
    return {
      items: app.get(ItemsService),
      users: app.get(UsersService),
      cache: app.get(PerfCacheService),
    };
  }

  /** The port of the master serving `key`, as the cluster itself computes it. */
  async function masterOf(key: string): Promise<number> {
    return raw.getSlotMaster(await cluster!.keySlot(key)).port;
  }

  /** Candidates (in order) until every master has at least one; fails if none cover them. */
  async function coverEveryMaster<T>(
    candidates: readonly T[],
    keysOf: (candidate: T) => string[],
  ): Promise<T[]> {
    const covered = new Map<string, Set<number>>(); // per key "shape" index: masters seen
    const chosen: T[] = [];
    for (const candidate of candidates) {
      const keys = keysOf(candidate);
      const masters = await Promise.all(keys.map(masterOf));
      const adds = masters.some((m, i) => !covered.get(String(i))?.has(m));
      if (!adds) continue;
      chosen.push(candidate);
      masters.forEach((m, i) =>
        covered.set(String(i), (covered.get(String(i)) ?? new Set()).add(m)),
      );
      if ([...covered.values()].every((s) => s.size === MASTERS)) return chosen;
    }
    throw new Error(`no candidates covering all ${MASTERS} masters`);
  }

  async function firstWhere<T>(
    candidates: readonly T[],
    fits: (candidate: T) => Promise<boolean>,
  ): Promise<T> {
    for (const candidate of candidates) if (await fits(candidate)) return candidate;
    throw new Error('no candidate fits');
  }

  /** Where the keys matching `match` are, per master port: SCAN on each master. */
  async function keysByMaster(match: string): Promise<Record<number, string[]>> {
    const result: Record<number, string[]> = {};
    for (const master of raw.masters) {
      const client = await raw.nodeClient(master);
      const found: string[] = [];
      for await (const keys of client.scanIterator({ MATCH: match, COUNT: 1000 })) {
        found.push(...keys);
      }
      result[master.port] = found.sort();
    }
    return result;
  }

  /** The keys grouped by the master that must hold them (every master listed). */
  async function expectedByMaster(keys: readonly string[]): Promise<Record<number, string[]>> {
    const result: Record<number, string[]> = {};
    for (const port of cluster!.ports) result[port] = [];
    for (const key of keys) result[await masterOf(key)].push(key);
    for (const port of cluster!.ports) result[port].sort();
    return result;
  }

  async function existsAll(keys: readonly string[]): Promise<boolean> {
    const found = await Promise.all(keys.map((k) => raw.exists(k)));
    return found.every((n) => n === 1);
  }

  it(
    'serves a second instance from L2 for keys on every master (decorator and mget)',
    async () => {
      const candidates = Array.from({ length: 200 }, (_, i) => String(i));
      const entryKey = (id: string) => `items:${version}:item:${id}`;
      const ids = await coverEveryMaster(candidates, (id) => [entryKey(id)]);
      const a = await boot();
      const b = await boot();

      for (const id of ids) await expect(a.items.get(id)).resolves.toBe(`loaded ${id}`);
      await poll(() => existsAll(ids.map(entryKey)), 'the entries in the cluster');
      const expected = await expectedByMaster(ids.map(entryKey));
      expect(Object.values(expected).every((keys) => keys.length > 0)).toBe(true);
      expect(await keysByMaster(`items:${version}:*`)).toEqual(expected);

      // Each of B's reads fetches the entry and the namespace version in one store mget: keys
      // of two masters for most ids (a plain MGET would fail with CROSSSLOT).
      for (const id of ids) await expect(b.items.get(id)).resolves.toBe(`loaded ${id}`);
      expect(b.items.loads).toBe(0);
      expect(b.cache.stats().namespaces.items).toMatchObject({
        l2Hits: ids.length,
        misses: 0,
        loads: 0,
      });

      // PerfCacheService.mget of keys on every master.
      const keys = await coverEveryMaster(
        candidates.map((c) => `k${c}`),
        (k) => [`kv:${version}:${k}`],
      );
      await a.cache.mset(
        keys.map((key) => ({ key, value: { key, n: key.length } })),
        { namespace: 'kv' },
      );
      await poll(() => existsAll(keys.map((k) => `kv:${version}:${k}`)), 'the kv entries');
      const wanted = [...keys.slice(0, 1), 'never-set', ...keys.slice(1)];
      await expect(b.cache.mget(wanted, { namespace: 'kv' })).resolves.toEqual(
        wanted.map((key) => (key === 'never-set' ? undefined : { key, n: key.length })),
      );
      expect(b.cache.stats().namespaces.kv).toMatchObject({ l2Hits: keys.length, misses: 1 });
    },
    TEST_MS,
  );

  it(
    'a tag invalidated in one instance makes the other reload (versions on other masters)',
    async () => {
      // The entry, its namespace version and its tag version each on a different master: B's
      // reads fetch all three in one store mget. (Id and tag are chosen separately: with the id
      // in both keys, CRC16 being linear, their slots are a fixed XOR apart, and for some
      // versions no id fits.)
      const nsMaster = await masterOf(`nest-perf:${version}:ns:items`);
      const candidates = Array.from({ length: 200 }, (_, i) => String(i));
      const id = await firstWhere(
        candidates,
        async (c) => (await masterOf(`items:${version}:item:${c}`)) !== nsMaster,
      );
      const entryMaster = await masterOf(`items:${version}:item:${id}`);
      const tagKey = (tag: string) => `nest-perf:${version}:tag:${tag}`;
      const tag = await firstWhere(
        candidates.map((c) => `group-${c}`),
        async (c) => ![nsMaster, entryMaster].includes(await masterOf(tagKey(c))),
      );
      const other = id === '0' ? '1' : '0';

      const db: Db = new Map([
        [id, 'old'],
        [other, 'other'],
      ]);
      const a = await boot({}, db);
      const b = await boot({ versionCheckInterval: 0 }, db);
      await expect(a.items.get(id, tag)).resolves.toBe('old');
      await expect(a.items.get(other)).resolves.toBe('other');
      await poll(
        () => existsAll([`items:${version}:item:${id}`, `items:${version}:item:${other}`]),
        'the entries in the cluster',
      );
      await expect(b.items.get(id, tag)).resolves.toBe('old');
      await expect(b.items.get(other)).resolves.toBe('other');
      expect(b.items.loads).toBe(0); // L2 hits

      await a.items.update(id, 'new', tag);
      expect(await raw.get(tagKey(tag))).toEqual(expect.any(String));

      // B re-checks versions on every call; poll (bounded) in case the check falls in the same
      // millisecond as B's last one. B reloads (A has not written a new entry yet).
      await poll(async () => (await b.items.get(id, tag)) === 'new', "B to see A's invalidation");
      expect(b.items.loads).toBe(1);
      await expect(a.items.get(id, tag)).resolves.toBe('new'); // A: its own invalidation
      await expect(b.items.get(other)).resolves.toBe('other');
      expect(b.items.loads).toBe(1); // the entry with another tag was not touched
      expect(await raw.exists(`items:${version}:item:${other}`)).toBe(1);
    },
    TEST_MS,
  );

  describe('pattern invalidation', () => {
    /** Sections such that user 42's keys and user 43's keys each cover every master. */
    async function sectionsFor(ids: readonly string[]): Promise<string[]> {
      const candidates = Array.from({ length: 200 }, (_, i) => `s${i}`);
      return coverEveryMaster(candidates, (s) => ids.map((id) => userKey(id, s)));
    }
    const userKey = (id: string, section: string) =>
      `users:${version}:user:${JSON.stringify(id)}:${section}`;

    async function loadAll(users: UsersService, ids: readonly string[], sections: string[]) {
      for (const id of ids) for (const s of sections) await users.section(id, s);
      const keys = ids.flatMap((id) => sections.map((s) => userKey(id, s)));
      await poll(() => existsAll(keys), 'the entries in the cluster');
      return keys;
    }

    it(
      'PerfCacheService.invalidate deletes the matching keys on every master, no others',
      async () => {
        const ids = ['42', '43'];
        const sections = await sectionsFor(ids);
        const a = await boot();
        const b = await boot();
        const all = await loadAll(a.users, ids, sections);
        const matching = sections.map((s) => userKey('42', s));
        const before = await keysByMaster(`users:${version}:*`);
        expect(before).toEqual(await expectedByMaster(all));
        for (const port of cluster!.ports) {
          expect(before[port].filter((k) => matching.includes(k))).not.toHaveLength(0);
          expect(before[port].filter((k) => !matching.includes(k))).not.toHaveLength(0);
        }

        // B never read these entries: whatever it counts as deleted came from the cluster.
        await b.cache.invalidate({ namespace: 'users', pattern: 'user:"42":*' });

        expect(await keysByMaster(`users:${version}:*`)).toEqual(
          await expectedByMaster(all.filter((k) => !matching.includes(k))),
        );
        expect(b.cache.stats().namespaces.users.deletes).toBe(matching.length);
        // Deleted keys, not a namespace bump (the fallback when the scan fails): 43 still hits.
        expect(await raw.exists(`nest-perf:${version}:ns:users`)).toBe(0);
        for (const s of sections) await expect(b.users.section('43', s)).resolves.toBe(`43/${s}`);
        for (const s of sections) await expect(b.users.section('42', s)).resolves.toBe(`42/${s}`);
        expect(b.users.loads).toBe(sections.length);
        expect(b.cache.stats().namespaces.users).toMatchObject({
          l2Hits: sections.length,
          misses: sections.length,
        });
      },
      TEST_MS,
    );

    it(
      '@InvalidateCache with a glob pattern deletes on every master, no others',
      async () => {
        const ids = ['42', '43'];
        const sections = await sectionsFor(ids);
        const a = await boot();
        const all = await loadAll(a.users, ids, sections);
        const matching = sections.map((s) => userKey('43', s));

        await a.users.touch('43');

        expect(await keysByMaster(`users:${version}:*`)).toEqual(
          await expectedByMaster(all.filter((k) => !matching.includes(k))),
        );
        expect(await raw.exists(`nest-perf:${version}:ns:users`)).toBe(0);
        const loads = a.users.loads;
        for (const s of sections) await a.users.section('42', s);
        expect(a.users.loads).toBe(loads);
        for (const s of sections) await a.users.section('43', s);
        expect(a.users.loads).toBe(loads + sections.length);
      },
      TEST_MS,
    );
  });

  it(
    'PerfCacheService.ping() reports the cluster up',
    async () => {
      const { cache } = await boot();

      await expect(cache.ping()).resolves.toEqual({
        l1: { enabled: true, entries: 0 },
        l2: {
          configured: true,
          store: `redis cluster ${cluster!.ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
          up: true,
          latencyMs: expect.any(Number),
          circuit: 'closed',
          consecutiveFailures: 0,
        },
      });
    },
    TEST_MS,
  );
});

// ---- the local cluster ----------------------------------------------------------------------

function nodeClient(port: number) {
  return createClient({
    url: `redis://127.0.0.1:${port}`,
    socket: { connectTimeout: 1_000, reconnectStrategy: false },
  });
}

function clusterClient(rootNodes: Array<{ url: string }>) {
  return createCluster({
    rootNodes,
    defaults: { socket: { connectTimeout: 2_000, reconnectStrategy: false } },
  });
}

type NodeClient = ReturnType<typeof nodeClient>;
type RawCluster = ReturnType<typeof clusterClient>;

/** Polls until `check` is truthy, or throws after `timeoutMs`. */
async function poll(
  check: () => Promise<unknown>,
  what: string,
  timeoutMs = POLL_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      last = await check();
      if (last) return;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what} (last: ${String(last)})`,
      );
    }
    await sleep(25);
  }
}

const DIR_PREFIX = 'nest-perf-cluster-';

/** Temp dirs of runs that were killed more than an hour ago. */
function removeStaleDirs(): void {
  const hourAgo = Date.now() - 3_600_000;
  for (const name of readdirSync(tmpdir())) {
    const dir = join(tmpdir(), name);
    if (name.startsWith(DIR_PREFIX) && statSync(dir).mtimeMs < hourAgo) {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** Drops a client's connection at once, whatever state it is in (closed ones throw). */
function destroyQuietly(client: NodeClient | RawCluster): void {
  try {
    client.destroy();
  } catch {
    // already closed
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function listen(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** A free port whose cluster bus port (port + 10000) is free as well. */
async function freeClusterPort(taken: readonly number[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const server = await listen(0);
    const port = (server?.address() as { port: number } | null)?.port ?? 0;
    const bus = port > 0 && port + 10_000 <= 65_535 ? await listen(port + 10_000) : undefined;
    await Promise.all([server, bus].map((s) => s && new Promise((resolve) => s.close(resolve))));
    if (bus !== undefined && !taken.includes(port)) return port;
  }
  throw new Error('no free port pair (port, port + 10000) for a cluster node');
}

/**
 * Redis-server processes in cluster mode, one master each, no replicas. Everything lives in one
 * temp dir; `dispose()` (afterAll: it runs when tests or beforeAll fail) kills the servers and
 * removes it. No exit or signal hook: in a Jest test file `process` is a copy whose listeners
 * never fire. On Ctrl-C the servers, in the terminal's process group, get SIGINT and exit; the
 * dir an interrupted run left behind is removed by the next run (see `removeStaleDirs`).
 */
class LocalRedisCluster {
  readonly dir = mkdtempSync(join(tmpdir(), DIR_PREFIX));
  readonly ports: number[] = [];
  private readonly servers: ChildProcess[] = [];
  private readonly admins: NodeClient[] = [];
  private readonly clusterClients: RawCluster[] = [];

  constructor() {
    removeStaleDirs();
  }

  get rootNodes(): Array<{ url: string }> {
    return this.ports.map((port) => ({ url: `redis://127.0.0.1:${port}` }));
  }

  async start(masters: number): Promise<void> {
    for (let i = 0; i < masters; i++) await this.startNode();
    await this.formCluster();
    await poll(async () => {
      const infos = await Promise.all(
        this.admins.map((admin) => admin.sendCommand(['CLUSTER', 'INFO'])),
      );
      return infos.every(
        (info) =>
          String(info).includes('cluster_state:ok') &&
          String(info).includes(`cluster_known_nodes:${masters}`) &&
          String(info).includes('cluster_slots_assigned:16384'),
      );
    }, 'cluster_state:ok on every node');
  }

  /** CLUSTER KEYSLOT, answered by the server. */
  async keySlot(key: string): Promise<number> {
    return Number(await this.admins[0].sendCommand(['CLUSTER', 'KEYSLOT', key]));
  }

  /** A plain cluster client (node-redis 5: not the library's client), closed by `dispose()`. */
  async rawCluster(): Promise<RawCluster> {
    const client = clusterClient(this.rootNodes);
    client.on('error', () => undefined);
    this.clusterClients.push(client);
    await client.connect();
    return client;
  }

  async dispose(): Promise<void> {
    for (const client of [...this.clusterClients.splice(0), ...this.admins.splice(0)]) {
      destroyQuietly(client);
    }
    await Promise.all(
      this.servers.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * Starts one node on a free port and keeps an admin client on it. A port taken between the
   * check and redis-server's bind (the bus port is in the ephemeral range) means another try.
   */
  private async startNode(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const port = await freeClusterPort(this.ports);
      const outcome = await this.startServer(port);
      if (typeof outcome !== 'string') {
        this.ports.push(port);
        this.admins.push(outcome);
        return;
      }
      if (!outcome.includes('Address already in use') || attempt === 3) {
        throw new Error(`redis-server on port ${port} did not start: ${outcome}`);
      }
    }
  }

  /** An admin client on the started server, or why it did not start. */
  private async startServer(port: number): Promise<NodeClient | string> {
    const logFile = join(this.dir, `redis-${port}.log`);
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--cluster-node-timeout',
        '5000',
        '--dir',
        this.dir,
        '--logfile',
        logFile,
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.servers.push(child);
    let output = '';
    const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000));
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    let missing: Error | undefined;
    let exited = false;
    child.once('error', (error) => (missing = error));
    child.once('exit', () => (exited = true));

    const deadline = Date.now() + POLL_MS;
    for (;;) {
      if (missing) {
        throw new Error(
          `The Redis Cluster tests need redis-server on the PATH: ${missing.message}`,
          { cause: missing },
        );
      }
      if (exited) {
        const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
        return `it exited: ${(output + log).trim().slice(-2_000)}`;
      }
      const client = nodeClient(port);
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.ping();
        return client;
      } catch {
        destroyQuietly(client);
      }
      if (Date.now() > deadline) return `no answer within ${POLL_MS} ms`;
      await sleep(25);
    }
  }

  /**
   * What `redis-cli --cluster create --cluster-replicas 0` does, without its one-second polls
   * (they made setup take 1 to 7 s): distinct config epochs, an equal share of the 16384 slots
   * per node, and a MEET between every two nodes (relying on gossip instead took up to 5 s).
   * Redis then reports cluster_state:ok 2 s after startup at the earliest (its writable delay).
   */
  private async formCluster(): Promise<void> {
    const share = Math.ceil(16_384 / this.admins.length);
    await Promise.all(
      this.admins.map(async (admin, i) => {
        const [first, last] = [i * share, Math.min(16_383, (i + 1) * share - 1)];
        await admin.sendCommand(['CLUSTER', 'SET-CONFIG-EPOCH', String(i + 1)]);
        await admin.sendCommand(['CLUSTER', 'ADDSLOTSRANGE', String(first), String(last)]);
      }),
    );
    for (const [i, admin] of this.admins.entries()) {
      for (const port of this.ports.slice(i + 1)) {
        await admin.sendCommand(['CLUSTER', 'MEET', '127.0.0.1', String(port)]);
      }
    }
  }
}
