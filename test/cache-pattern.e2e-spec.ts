import { PerfCacheModule, PerfCacheService } from '@nest-perf/cache';
import { UsersService } from './support/cache-fixtures';
import { bootApp, scanKeys, TEST_REDIS_URL, useRedisScope, waitFor } from './support/redis';

// Pattern invalidation: SCAN + UNLINK in Redis, the same matching in L1, and user-supplied
// parts of the pattern that cannot widen it.

/** '42' is the victim: each of the others, written into a pattern unescaped, would match it. */
const SPECIAL_IDS = ['4*', '4?', '4[0-9]', '4\\'];
const IDS = ['42', '43', ...SPECIAL_IDS];
const SECTIONS = ['profile', 'posts'];

describe('pattern invalidation with Redis as L2', () => {
  const scope = useRedisScope();
  let users: UsersService;
  let cache: PerfCacheService;

  beforeEach(async () => {
    const app = await bootApp({
      imports: [PerfCacheModule.forRoot({ version: scope.version, l2: { url: TEST_REDIS_URL } })],
      providers: [UsersService],
    });
    scope.track(app);
    users = app.get(UsersService);
    cache = app.get(PerfCacheService);
  });

  const prefix = () => `users:${scope.version}:`;
  const keysInRedis = () => scanKeys(scope.redis, `${prefix()}*`);

  /** Loads every user's sections and waits until L2 holds them all; returns the keys. */
  async function loadAll(): Promise<string[]> {
    for (const id of IDS) for (const s of SECTIONS) await users.section(id, s);
    const all = IDS.length * SECTIONS.length;
    return waitFor(async () => {
      const keys = await keysInRedis();
      return keys.length === all ? keys : undefined;
    }, `${all} keys in Redis`);
  }

  /** The Redis keys of one user, as the cache writes them. */
  function keysOf(all: string[], id: string): string[] {
    const encodedId = JSON.stringify(id); // these ids are all written quoted
    return all.filter((k) => k.startsWith(`${prefix()}user:${encodedId}:`));
  }

  it('deletes the matching Redis keys and the matching L1 entries, nothing else', async () => {
    const before = await loadAll();
    expect(keysOf(before, '42')).toEqual([
      `${prefix()}user:"42":posts`,
      `${prefix()}user:"42":profile`,
    ]);

    await users.touch('42');

    expect(await keysInRedis()).toEqual(before.filter((k) => !keysOf(before, '42').includes(k)));
    const loads = users.loads;
    for (const id of IDS) for (const s of SECTIONS) await users.section(id, s);
    expect(users.loads).toBe(loads + SECTIONS.length); // only 42's two sections reloaded
  });

  it.each(SPECIAL_IDS)(
    'escapes glob characters in user-supplied parts: invalidating %p removes only its keys',
    async (id) => {
      const before = await loadAll();
      const own = keysOf(before, id);
      expect(own).toHaveLength(SECTIONS.length);

      await users.touch(id);

      // Redis: exactly this user's keys are gone ('42' in particular survives).
      expect(await keysInRedis()).toEqual(before.filter((k) => !own.includes(k)));

      // L1: the same matching. Only this user's sections run again.
      cache.resetStats();
      const loads = users.loads;
      for (const other of IDS) for (const s of SECTIONS) await users.section(other, s);
      expect(users.loads).toBe(loads + SECTIONS.length);
      expect(cache.stats().namespaces.users).toMatchObject({
        misses: SECTIONS.length,
        l1Hits: (IDS.length - 1) * SECTIONS.length,
        l2Hits: 0,
      });
      await expect(users.section(id, 'posts')).resolves.toBe(`${id}/posts`);
    },
  );

  it('applies a literal pattern from PerfCacheService.invalidate to L1 and Redis alike', async () => {
    const before = await loadAll();

    await cache.invalidate({ namespace: 'users', pattern: 'user:*:posts' });

    expect(await keysInRedis()).toEqual(before.filter((k) => !k.endsWith(':posts')));
    const loads = users.loads;
    for (const id of IDS) await users.section(id, 'profile');
    expect(users.loads).toBe(loads);
    for (const id of IDS) await users.section(id, 'posts');
    expect(users.loads).toBe(loads + IDS.length);
  });

  it('counts each entry a pattern removed once, as exact-key deletes are counted', async () => {
    await loadAll();
    cache.resetStats();

    await users.touch('43'); // two entries, each in L1 and in Redis

    expect(cache.stats().namespaces.users.deletes).toBe(SECTIONS.length);
  });
});
