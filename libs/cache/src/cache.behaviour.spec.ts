import 'reflect-metadata';
import { Injectable, Logger, Scope, type INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { PerfCacheModule } from './cache.module';
import { PerfCacheService } from './cache.service';
import { Cached } from './decorators/cached.decorator';
import { InvalidateCache } from './decorators/invalidate-cache.decorator';
import type { PerfCacheModuleOptions } from './interfaces/cache-module-options.interface';
import { escapeGlob, glob } from './utils/key-encoding';

interface Token {
  value: string;
  expiresInMs: number;
}

@Injectable()
class TasksService {
  loads = 0;
  delayMs = 0;
  failWith: Error | undefined;

  @Cached({ namespace: 'tasks', ttl: '1m', tags: (userId: number) => [`user:${userId}`] })
  async list(userId: number, filter: { status?: string } = {}) {
    this.loads++;
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failWith) throw this.failWith;
    return { userId, filter, load: this.loads };
  }

  /** Not `async`, but returns a Promise (like `return repo.find()`). */
  @Cached({ namespace: 'promise-returning' })
  viaPromise(id: string): Promise<{ id: string; load: number }> {
    this.loads++;
    return Promise.resolve({ id, load: this.loads });
  }

  @Cached({ namespace: 'sync' })
  square(n: number): number {
    this.loads++;
    return n * n;
  }

  @Cached({ namespace: 'inner' })
  async inner(id: string) {
    this.loads++;
    return { id };
  }

  /** Calls its own cached method through `this`. */
  async outer(id: string) {
    return this.inner(id);
  }

  @Cached({
    namespace: 'opts',
    condition: (id: string) => !id.startsWith('nocache'),
    unless: (r: { id: string } | null) => r?.id === 'skip',
  })
  async withOptions(id: string) {
    this.loads++;
    return id === 'null' ? null : { id };
  }

  @Cached({ namespace: 'nulls', cacheNull: true })
  async nullable() {
    this.loads++;
    return null;
  }

  @Cached({ namespace: 'zero', ttl: 0 })
  async never() {
    this.loads++;
    return 1;
  }

  @Cached({ namespace: 'tokens', ttl: (t: Token) => t.expiresInMs })
  async token(expiresInMs: number): Promise<Token> {
    this.loads++;
    return { value: `t${this.loads}`, expiresInMs };
  }

  @Cached({ namespace: 'users', key: (id: string) => `user:${id}` })
  async user(id: string) {
    this.loads++;
    return { id, load: this.loads };
  }

  @Cached()
  async defaults(a: unknown) {
    this.loads++;
    return { a };
  }

  @Cached({ namespace: 'bad' })
  async unstorable(kind: 'circular' | 'function' | 'big') {
    this.loads++;
    if (kind === 'function') return { f: () => 1 };
    if (kind === 'big') return 'x'.repeat(2_000);
    const o: Record<string, unknown> = {};
    o.self = o;
    return o;
  }

  @InvalidateCache({ tags: (userId: number) => [`user:${userId}`] })
  async update(userId: number) {
    return userId;
  }

  @InvalidateCache({ namespace: 'tasks', allEntries: true })
  async resetAll() {}

  // The key is a string built by hand, so the value is escaped with escapeGlob; glob`` is for
  // keys in the default encoding (see the 'users-encoded' pair below).
  @InvalidateCache({ namespace: 'users', pattern: (id: string) => `user:${escapeGlob(id)}` })
  async forgetUser(id: string) {
    return id;
  }

  @Cached({ namespace: 'users-encoded', key: (id: string) => [id, 'profile'] })
  async profile(id: string) {
    this.loads++;
    return { id };
  }

  @InvalidateCache({ namespace: 'users-encoded', pattern: (id: string) => glob`${id}:*` })
  async forgetProfile(id: string) {
    return id;
  }

  @InvalidateCache({ tags: (userId: number) => [`user:${userId}`] })
  async failingUpdate(userId: number) {
    throw new Error(`cannot update ${userId}`);
  }

  @InvalidateCache({ tags: (userId: number) => [`user:${userId}`], when: 'before' })
  async failingUpdateBefore(userId: number) {
    throw new Error(`cannot update ${userId}`);
  }
}

@Injectable({ scope: Scope.REQUEST })
class PerRequestService {
  @Cached()
  async load() {
    return 1;
  }
}

async function boot(options: PerfCacheModuleOptions = {}, extra: unknown[] = []) {
  const moduleRef = await Test.createTestingModule({
    imports: [PerfCacheModule.forRoot({ jitter: 0, ...options })],
    providers: [TasksService, ...(extra as never[])],
  }).compile();
  const app = await moduleRef.init();
  return { app, svc: app.get(TasksService), cache: app.get(PerfCacheService) };
}

describe('PerfCacheModule in memory', () => {
  let app: INestApplicationContext;
  let svc: TasksService;
  let cache: PerfCacheService;

  beforeEach(async () => {
    ({ app, svc, cache } = await boot({ maxValueBytes: 1_000 }));
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await app.close();
  });

  it('caches per arguments and counts hits and misses per namespace and in total', async () => {
    const a = await svc.list(1, { status: 'done' });
    expect(await svc.list(1, { status: 'done' })).toBe(a);
    await svc.list(1, { status: 'open' });
    await svc.list(2, { status: 'done' });
    expect(svc.loads).toBe(3);
    const stats = cache.stats();
    expect(stats.namespaces.tasks).toMatchObject({
      hits: 1,
      misses: 3,
      l1Hits: 1,
      loads: 3,
      sets: 3,
    });
    expect(stats.namespaces.tasks.hitRate).toBeCloseTo(0.25);
    expect(stats.total).toMatchObject({ hits: 1, misses: 3 });
    cache.resetStats();
    expect(cache.stats().total).toMatchObject({ hits: 0, misses: 0, loads: 0, hitRate: 0 });
  });

  it('keeps async methods async, sync methods sync, and learns Promise-returning ones', async () => {
    const p = svc.list(9);
    expect(p).toBeInstanceOf(Promise);
    await p;
    expect(svc.list(9)).toBeInstanceOf(Promise);
    expect(svc.square(4)).toBe(16);
    expect(svc.square(4)).toBe(16);
    const first = svc.viaPromise('x');
    expect(first).toBeInstanceOf(Promise);
    const second = svc.viaPromise('x');
    expect(second).toBeInstanceOf(Promise);
    expect(await second).toEqual(await first);
    expect(svc.loads).toBe(3); // list, square, viaPromise: once each
  });

  it('caches calls a class makes to its own methods', async () => {
    await svc.outer('a');
    await svc.outer('a');
    expect(svc.loads).toBe(1);
  });

  it('honours condition, unless, cacheNull, ttl 0 and ttl from the result', async () => {
    await svc.withOptions('nocache-1');
    await svc.withOptions('nocache-1');
    await svc.withOptions('skip');
    await svc.withOptions('skip');
    await svc.withOptions('null');
    await svc.withOptions('null');
    expect(svc.loads).toBe(6);
    await svc.nullable();
    expect(await svc.nullable()).toBeNull();
    await svc.never();
    await svc.never();
    expect(svc.loads).toBe(9);
    await svc.token(-5); // already expired: not stored
    await svc.token(-5);
    const t = await svc.token(60_000);
    expect(await svc.token(60_000)).toBe(t);
    expect(svc.loads).toBe(12);
  });

  it('expires entries after their TTL', async () => {
    jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate', 'performance'] });
    try {
      await svc.token(1_000);
      jest.advanceTimersByTime(1_500);
      await svc.token(1_000);
      expect(svc.loads).toBe(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it('invalidates by tag, by namespace and by escaped pattern', async () => {
    await svc.list(1);
    await svc.list(2);
    await svc.update(1);
    await svc.list(1);
    await svc.list(2);
    expect(svc.loads).toBe(3); // user 1 reloaded, user 2 still cached

    await svc.resetAll();
    await svc.list(2);
    expect(svc.loads).toBe(4);

    await svc.user('4*');
    await svc.user('42');
    await svc.forgetUser('4*'); // must not widen to user 42
    await svc.user('4*');
    await svc.user('42');
    expect(svc.loads).toBe(7);
    expect(cache.stats().namespaces.users.deletes).toBe(1);

    await svc.profile('4*');
    await svc.profile('42');
    await svc.forgetProfile('4*');
    await svc.profile('4*');
    await svc.profile('42');
    expect(svc.loads).toBe(10);
    expect(cache.stats().namespaces['users-encoded'].deletes).toBe(1);
  });

  it('does not invalidate after a failed method unless asked to run before', async () => {
    await svc.list(1);
    await expect(svc.failingUpdate(1)).rejects.toThrow('cannot update 1');
    await svc.list(1);
    expect(svc.loads).toBe(1);
    await expect(svc.failingUpdateBefore(1)).rejects.toThrow('cannot update 1');
    await svc.list(1);
    expect(svc.loads).toBe(2);
  });

  it('runs the loader once for 1,000 concurrent misses and shares its result', async () => {
    svc.delayMs = 20;
    const results = await Promise.all(Array.from({ length: 1_000 }, () => svc.list(7)));
    expect(svc.loads).toBe(1);
    expect(new Set(results).size).toBe(1);
    expect(cache.stats().namespaces.tasks).toMatchObject({
      coalesced: 999,
      loads: 1,
      misses: 1_000,
    });
  });

  it('gives every concurrent caller the loader error and stores nothing', async () => {
    svc.delayMs = 10;
    svc.failWith = new Error('database down');
    const settled = await Promise.allSettled(Array.from({ length: 100 }, () => svc.list(8)));
    expect(settled.every((s) => s.status === 'rejected' && s.reason === svc.failWith)).toBe(true);
    expect(svc.loads).toBe(1);
    svc.failWith = undefined;
    await svc.list(8);
    expect(svc.loads).toBe(2);
    expect(cache.stats().namespaces.tasks.loadErrors).toBe(1);
  });

  it('returns but does not store results it cannot serialize or that are too big, warning once', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    for (const kind of ['circular', 'function', 'big'] as const) {
      expect(await svc.unstorable(kind)).toBeDefined();
      expect(await svc.unstorable(kind)).toBeDefined();
    }
    expect(svc.loads).toBe(6);
    expect(cache.stats().namespaces.bad.unstorable).toBe(6);
    const messages = warn.mock.calls.map((c) => String(c[0]));
    expect(messages.filter((m) => m.includes('cannot be serialized'))).toHaveLength(1);
    expect(messages.filter((m) => m.includes('exceeds maxValueBytes'))).toHaveLength(1);
  });

  it('returns the stored object itself from L1: a mutation is visible to the next hit', async () => {
    const first = await svc.list(3);
    (first as { load: number }).load = 999;
    expect((await svc.list(3)).load).toBe(999);
  });

  it('uses ClassName.method as the default namespace and readable keys', async () => {
    await svc.defaults('x');
    await svc.user('42');
    expect(Object.keys(cache.stats().namespaces)).toEqual(
      expect.arrayContaining(['TasksService.defaults', 'users']),
    );
    expect(await cache.get('user:42', { namespace: 'users' })).toEqual({ id: '42', load: 2 });
  });

  it('offers get/set/del/getOrSet/mget/mset/invalidate on the service', async () => {
    await cache.set('a', { n: 1 }, { namespace: 'svc', tags: ['t1'] });
    await cache.mset<unknown>(
      [
        { key: 'b', value: 2 },
        { key: 'c', value: new Date(0) },
      ],
      { namespace: 'svc' },
    );
    expect(await cache.mget(['a', 'b', 'c', 'zz'], { namespace: 'svc' })).toEqual([
      { n: 1 },
      2,
      new Date(0),
      undefined,
    ]);
    let runs = 0;
    const loader = async () => ++runs;
    expect(await cache.getOrSet('d', loader, { namespace: 'svc' })).toBe(1);
    expect(await cache.getOrSet('d', loader, { namespace: 'svc' })).toBe(1);
    await cache.invalidate({ tags: ['t1'] });
    expect(await cache.get('a', { namespace: 'svc' })).toBeUndefined();
    await cache.del('b', { namespace: 'svc' });
    expect(await cache.get('b', { namespace: 'svc' })).toBeUndefined();
    await cache.invalidate({ namespace: 'svc' });
    expect(await cache.get('c', { namespace: 'svc' })).toBeUndefined();
    expect(await cache.ping()).toEqual({
      l1: { enabled: true, entries: expect.any(Number) },
      l2: { configured: false },
    });
  });
});

describe('PerfCacheModule L1 bounds, grace and scopes', () => {
  it('evicts beyond maxEntries and counts evictions', async () => {
    const { app, svc, cache } = await boot({ l1: { maxEntries: 3 } });
    for (let i = 0; i < 5; i++) await svc.inner(String(i));
    expect(cache.stats().namespaces.inner.evictions).toBe(2);
    await svc.inner('0'); // evicted: loads again
    expect(svc.loads).toBe(6);
    await app.close();
  });

  it('evicts beyond maxBytes, counting the serialized size of each entry', async () => {
    // Each cached { id } serializes to about 10 bytes: 35 bytes hold three of them.
    const { app, svc, cache } = await boot({ l1: { maxEntries: 1_000, maxBytes: 35 } });
    for (let i = 0; i < 6; i++) await svc.inner(`k${i}`);
    const stats = cache.stats().namespaces.inner;
    expect(stats.evictions).toBeGreaterThanOrEqual(3);
    expect((await cache.ping()).l1.entries).toBeLessThanOrEqual(3);
    await svc.inner('k5'); // the newest is still there
    expect(svc.loads).toBe(6);
    await app.close();
  });

  it('keeps nothing in L1 longer than l1.maxTtl', async () => {
    const { app, svc } = await boot({ l1: { maxEntries: 100, maxTtl: '1s' } });
    jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate', 'performance'] });
    try {
      await svc.list(1); // TTL 1 minute, but L1 may keep it 1 s only
      jest.advanceTimersByTime(500);
      await svc.list(1);
      expect(svc.loads).toBe(1);
      jest.advanceTimersByTime(1_000);
      await svc.list(1);
      expect(svc.loads).toBe(2);
    } finally {
      jest.useRealTimers();
      await app.close();
    }
  });

  it('serves a stale value during grace while one refresh runs', async () => {
    const { app, svc, cache } = await boot({ grace: '1m' });
    jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate', 'performance'] });
    try {
      const first = await svc.token(1_000);
      jest.advanceTimersByTime(2_000);
      svc.delayMs = 0;
      const stale = await Promise.all([svc.token(1_000), svc.token(1_000)]);
      expect(stale).toEqual([first, first]);
      await new Promise((r) => setImmediate(r));
      expect(svc.loads).toBe(2); // one background refresh for both stale reads
      expect(cache.stats().namespaces.tokens.staleServed).toBe(2);
    } finally {
      jest.useRealTimers();
      await app.close();
    }
  });

  it('skips request-scoped providers with a warning', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { app } = await boot({}, [PerRequestService]);
    expect(warn.mock.calls.map((c) => String(c[0]))).toContainEqual(
      expect.stringContaining('PerRequestService is request-scoped'),
    );
    warn.mockRestore();
    await app.close();
  });

  it('hashes keys longer than maxKeyLength', async () => {
    const { app, svc, cache } = await boot();
    const long = 'k'.repeat(500);
    await svc.user(long);
    await svc.user(long);
    expect(svc.loads).toBe(1);
    const engine = (cache as unknown as { engine: { fullKey(p: string, k: string): string } })
      .engine;
    expect(engine.fullKey('users:v1:', `user:${long}`).length).toBeLessThanOrEqual(200);
    await app.close();
  });
});
