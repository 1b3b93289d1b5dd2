import { Injectable } from '@nestjs/common';
import {
  Cached,
  PerfCacheModule,
  PerfCacheService,
  type PerfCacheModuleOptions,
} from '@nest-perf/cache';
import { bootApp, sleep, TEST_REDIS_URL, useRedisScope } from './support/redis';

// Stampede protection: many concurrent misses of one key run the method once.

const CALLERS = 1_000;

@Injectable()
class ReportsService {
  loads = 0;
  failWith: Error | undefined;

  @Cached({ namespace: 'reports', key: (id: string) => id })
  async build(id: string): Promise<{ id: string; run: number }> {
    const run = ++this.loads;
    await sleep(20); // a real, short wait: the other calls arrive while this one loads
    if (this.failWith) throw this.failWith;
    return { id, run };
  }

  /** Not `async` and no declared return type, yet returns a Promise (like `repo.findOneBy()`). */
  @Cached({ namespace: 'plain', key: (id: string) => id })
  buildPlain(id: string) {
    const run = ++this.loads;
    return sleep(20).then(() => ({ id, run }));
  }
}

describe('stampede protection', () => {
  const scope = useRedisScope();

  async function start(options: PerfCacheModuleOptions) {
    const app = await bootApp({
      imports: [PerfCacheModule.forRoot({ version: scope.version, ...options })],
      providers: [ReportsService],
    });
    scope.track(app);
    return { reports: app.get(ReportsService), cache: app.get(PerfCacheService) };
  }

  const tiers: Array<[string, PerfCacheModuleOptions]> = [
    ['L1 only', {}],
    ['L1 + Redis', { l2: { url: TEST_REDIS_URL } }],
    ['Redis only (l1: false)', { l1: false, l2: { url: TEST_REDIS_URL } }],
  ];

  it.each(tiers)(
    '%s: 1,000 concurrent misses of one key run the method once',
    async (_, options) => {
      const { reports, cache } = await start(options);

      const results = await Promise.all(Array.from({ length: CALLERS }, () => reports.build('r1')));

      expect(reports.loads).toBe(1);
      expect(new Set(results).size).toBe(1); // the very same value for everyone
      expect(results[0]).toEqual({ id: 'r1', run: 1 });
      expect(cache.stats().namespaces.reports).toMatchObject({
        loads: 1,
        misses: CALLERS,
        coalesced: CALLERS - 1,
        loadErrors: 0,
      });
    },
  );

  it('a Redis-backed stampede leaves exactly one entry, and later calls hit it', async () => {
    const { reports, cache } = await start({ l2: { url: TEST_REDIS_URL } });

    await Promise.all(Array.from({ length: CALLERS }, () => reports.build('r2')));
    await Promise.all(Array.from({ length: CALLERS }, () => reports.build('r2')));

    expect(reports.loads).toBe(1);
    expect(cache.stats().namespaces.reports.hits).toBe(CALLERS);
    expect(await scope.redis.exists(`reports:${scope.version}:r2`)).toBe(1);
  });

  it('a loader that rejects: every caller gets that same error and nothing is stored', async () => {
    const { reports, cache } = await start({ l2: { url: TEST_REDIS_URL } });
    const error = new Error('the report service is down');
    reports.failWith = error;

    const settled = await Promise.allSettled(
      Array.from({ length: CALLERS }, () => reports.build('r3')),
    );

    expect(reports.loads).toBe(1);
    expect(settled.every((s) => s.status === 'rejected' && s.reason === error)).toBe(true);
    expect(cache.stats().namespaces.reports).toMatchObject({
      loads: 1,
      loadErrors: 1,
      coalesced: CALLERS - 1,
      sets: 0,
    });
    expect(await scope.redis.exists(`reports:${scope.version}:r3`)).toBe(0);

    // Nothing was cached: the next call runs the method again, and now succeeds.
    reports.failWith = undefined;
    await expect(reports.build('r3')).resolves.toEqual({ id: 'r3', run: 2 });
    expect(reports.loads).toBe(2);
  });

  it('coalesces the first calls of a method that returns a Promise without being async', async () => {
    const { reports, cache } = await start({ l2: { url: TEST_REDIS_URL } });

    const results = await Promise.all(
      Array.from({ length: CALLERS }, () => reports.buildPlain('p1')),
    );

    expect(new Set(results.map((r) => r.run))).toEqual(new Set([1]));
    expect(reports.loads).toBe(1);
    expect(cache.stats().namespaces.plain.coalesced).toBe(CALLERS - 1);
  });
});
