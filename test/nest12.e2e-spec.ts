import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_POSTGRES_URL } from './support/databases';

const REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';
const DIR = join(__dirname, 'nest12');

/**
 * The libraries declare @nestjs peers ^10 || ^11 || ^12 and the repo builds on 11; this boots the
 * built libraries on NestJS 12 (installed into test/nest12 by npm ci) in a plain node process,
 * since Nest 12 is ESM-only and Jest on Node 20 loads it only in ESM mode.
 */
describe('the libraries on NestJS 12', () => {
  beforeAll(() => {
    const scope = join(DIR, 'node_modules', '@nest-perf');
    mkdirSync(scope, { recursive: true });
    for (const lib of ['core', 'cache', 'profiler', 'health', 'metrics']) {
      rmSync(join(scope, lib), { recursive: true, force: true });
      symlinkSync(join('..', '..', '..', '..', 'libs', lib), join(scope, lib), 'dir');
    }
  });

  it.each([
    ['memory only', {}],
    ['with Redis', { NEST12_REDIS_URL: REDIS_URL }],
  ])('boots PerfCacheModule and caches routes and services (%s)', (_, env) => {
    const output = execFileSync(process.execPath, ['--preserve-symlinks', 'boot.cjs'], {
      cwd: DIR,
      env: { ...process.env, ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
    const result = JSON.parse(output.trim().split('\n').pop()!);
    expect(result.nestCore).toMatch(/^12\./);
    expect(result.nestCommon).toMatch(/^12\./);
    expect(result.first).toEqual({ hello: 'ada', load: 1 });
    expect(result.second).toEqual(result.first);
    expect(result.handled).toBe(1); // the cached route handler ran once for two requests
    expect(result.direct2.load).toBe(result.direct1.load + 1); // invalidated by tag
    expect(result.direct3).toEqual(result.direct2);
    expect(result.stats).toMatchObject({ hits: 2, l1Hits: 2, loads: 4, errors: 0 });
    if ('NEST12_REDIS_URL' in env)
      expect(result.ping.l2).toMatchObject({ up: true, circuit: 'closed' });
  });

  it('boots QueryProfilerModule: statements attributed to the route, N+1 reported, Server-Timing set', () => {
    const output = execFileSync(process.execPath, ['--preserve-symlinks', 'profiler-boot.cjs'], {
      cwd: DIR,
      encoding: 'utf8',
      timeout: 60_000,
    });
    const result = JSON.parse(output.trim().split('\n').pop()!);
    expect(result.nestCore).toMatch(/^12\./);
    expect(result).toMatchObject({
      status: 200,
      items: 6,
      nPlusOne: [{ route: 'GET /owners/:owner', count: 6 }],
      routes: ['GET /owners/:owner'],
    });
    expect(result.serverTiming).toMatch(/^db;dur=\d+\.\d;desc="7 queries"$/);
  });

  it('boots PerfHealthModule on Terminus 12: /health answers with the pool and cache indicators', () => {
    const output = execFileSync(process.execPath, ['--preserve-symlinks', 'health-boot.cjs'], {
      cwd: DIR,
      env: { ...process.env, NEST12_PG_URL: TEST_POSTGRES_URL },
      encoding: 'utf8',
      timeout: 60_000,
    });
    const result = JSON.parse(output.trim().split('\n').pop()!);
    expect(result.nestCore).toMatch(/^12\./);
    expect(result.terminus).toMatch(/^12\./);
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({
      status: 'ok',
      info: {
        database: { status: 'up', driver: 'better-sqlite3', pooled: false },
        cache: { status: 'up' },
      },
    });
    // Terminus 12's degraded state: saturated (the only connection busy) but still serving.
    expect(result.postgres.idle).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(result.postgres.busy.status).toBe(200);
    expect(result.postgres.busy.body.status).toBe('degraded');
    expect(result.postgres.busy.body.details.postgres).toMatchObject({ status: 'degraded' });
  });

  it('boots PerformanceModule: /performance routes, the dashboard and /metrics answer with real numbers', () => {
    const output = execFileSync(process.execPath, ['--preserve-symlinks', 'metrics-boot.cjs'], {
      cwd: DIR,
      encoding: 'utf8',
      timeout: 60_000,
    });
    const result = JSON.parse(output.trim().split('\n').pop()!);
    expect(result.nestCore).toMatch(/^12\./);
    expect(result.http.routes).toEqual([
      expect.objectContaining({
        method: 'GET',
        route: '/items/:id',
        count: 3,
        statuses: { '2xx': 3 },
      }),
      expect.objectContaining({
        method: 'GET',
        route: '(unmatched)',
        count: 1,
        statuses: { '4xx': 1 },
      }),
    ]);
    expect(result.queries.summary.statements).toBe(3);
    expect(result.queries.queries[0].routes).toEqual(['GET /items/:id']);
    expect(result.pools.pools).toEqual([
      expect.objectContaining({ driver: 'better-sqlite3', pooled: false }),
    ]);
    expect(result.status.targets.map((t: { name: string }) => t.name)).toEqual([
      'p95Ms',
      'cacheHitRate',
      'nPlusOne',
      'slowQueries',
    ]);
    expect(result.cache.total).toMatchObject({ hits: 0, misses: 0 });
    expect(result.dashboard).toEqual({ status: 200, type: 'text/html; charset=utf-8' });
    expect(result.metrics).toEqual(
      expect.arrayContaining([
        'nest_perf_http_request_duration_seconds_count{method="GET",route="/items/:id",status_class="2xx"} 3',
      ]),
    );
  });
});
