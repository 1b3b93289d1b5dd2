import { Test } from '@nestjs/testing';
import { PerfCacheModule } from './cache.module';
import { PerfCacheService } from './cache.service';
import { resolveCacheOptions } from './cache.options';
import { PerfCacheOptionsError } from './cache.errors';
import type { PerfCacheModuleOptions } from './interfaces/cache-module-options.interface';

describe('resolveCacheOptions', () => {
  it('defaults to a memory-only cache of 10,000 entries, 5 minutes, v1, 10% jitter', () => {
    expect(resolveCacheOptions(undefined)).toMatchObject({
      l1: { maxEntries: 10_000 },
      l2: undefined,
      defaultTtlMs: 300_000,
      version: 'v1',
      jitter: 0.1,
      graceMs: 0,
      maxValueBytes: 1_048_576,
      maxKeyLength: 200,
      l2Timeouts: { timeoutMs: 100, failureThreshold: 5, cooldownMs: 10_000 },
    });
  });

  it('accepts durations as strings or milliseconds', () => {
    const o = resolveCacheOptions({
      defaultTtl: '1h',
      grace: 60_000,
      l1: { maxEntries: 5, maxTtl: '30s' },
      l2: { url: 'redis://127.0.0.1:6379', timeout: '250ms', cooldown: '1m' },
    });
    expect(o).toMatchObject({ defaultTtlMs: 3_600_000, graceMs: 60_000, l1: { maxTtlMs: 30_000 } });
    expect(o.l2Timeouts).toMatchObject({ timeoutMs: 250, cooldownMs: 60_000 });
  });

  it('lists every problem in one error', () => {
    const bad = {
      defaultTtl: -5,
      jitter: 2,
      version: 'has space',
      l1: { maxEntries: 0 },
      l2: { url: 'http://x' },
      grace: 'soon',
      colour: 'blue',
    } as unknown as PerfCacheModuleOptions;
    let error: PerfCacheOptionsError | undefined;
    try {
      resolveCacheOptions(bad);
    } catch (e) {
      error = e as PerfCacheOptionsError;
    }
    expect(error).toBeInstanceOf(PerfCacheOptionsError);
    expect(error!.problems).toHaveLength(7);
    expect(error!.message).toMatch(/^PerfCacheModule: invalid options:/);
    expect(error!.message).toContain("unknown option 'colour'");
    expect(error!.message).toContain('defaultTtl');
    expect(error!.message).toContain('jitter must be a fraction in [0, 1)');
    expect(error!.message).toContain('version must be');
    expect(error!.message).toContain('l1.maxEntries must be an integer >= 1 (got 0)');
    expect(error!.message).toContain('l2.url must start with redis:// or rediss://');
    expect(error!.message).toContain("grace must be milliseconds or a string like '30s'");
  });

  it('requires exactly one kind of L2 and checks its shape', () => {
    expect(() => resolveCacheOptions({ l2: {} as never })).toThrow(
      /exactly one of url, cluster, keyv, cacheManager \(got none\)/,
    );
    expect(() => resolveCacheOptions({ l2: { url: 'redis://a', keyv: {} } as never })).toThrow(
      /got url, keyv/,
    );
    expect(() => resolveCacheOptions({ l2: { keyv: {} } as never })).toThrow(
      /l2.keyv must be a Keyv instance/,
    );
    expect(() => resolveCacheOptions({ l2: { cacheManager: 1 } as never })).toThrow(
      /CACHE_MANAGER/,
    );
    expect(() => resolveCacheOptions({ l2: { cluster: { rootNodes: [] } } })).toThrow(
      /rootNodes must be a non-empty array/,
    );
  });

  it('does not echo a Redis password in errors', () => {
    expect(() => resolveCacheOptions({ l2: { url: 'http://user:s3cret@host' } })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('s3cret') }),
    );
  });
});

describe('PerfCacheModule registration', () => {
  it('boots with forRoot() and no options (memory only, defaults)', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [PerfCacheModule.forRoot()],
    }).compile();
    await moduleRef.init();
    expect((await moduleRef.get(PerfCacheService).ping()).l2).toEqual({ configured: false });
    await moduleRef.close();
  });

  it('fails at startup with the list of problems (forRoot)', async () => {
    await expect(
      Test.createTestingModule({
        imports: [PerfCacheModule.forRoot({ defaultTtl: -1, jitter: -0.5 } as never)],
      }).compile(),
    ).rejects.toThrow(/invalid options:\n {2}- defaultTtl.*\n {2}- jitter/s);
  });

  it('fails at startup with the list of problems (forRootAsync)', async () => {
    await expect(
      Test.createTestingModule({
        imports: [PerfCacheModule.forRootAsync({ useFactory: () => ({ l1: { maxEntries: -3 } }) })],
      }).compile(),
    ).rejects.toThrow(PerfCacheOptionsError);
  });
});
