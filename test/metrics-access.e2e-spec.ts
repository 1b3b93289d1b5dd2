import { CanActivate, Controller, ExecutionContext, Get, Injectable } from '@nestjs/common';
import type { INestApplication, Type } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { PerformanceModule } from '@nest-perf/metrics';
import type { PerformanceModuleOptions } from '@nest-perf/metrics';
import { Registry } from 'prom-client';
import request from 'supertest';

@Controller('things')
class ThingsController {
  @Get(':id')
  get() {
    return { ok: true };
  }
}

/** Lets a request through when it carries the right token. */
@Injectable()
class TokenGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<{ headers: Record<string, string> }>();
    return req.headers['x-ops-token'] === 'let-me-in';
  }
}

const ROUTES: [method: 'get' | 'post', path: string][] = [
  ['get', '/performance'],
  ['get', '/performance/dashboard.js'],
  ['get', '/performance/cache/stats'],
  ['post', '/performance/cache/reset-stats'],
  ['get', '/performance/query/stats'],
  ['get', '/performance/query/slow'],
  ['get', '/performance/query/n-plus-one'],
  ['post', '/performance/query/reset-stats'],
  ['get', '/performance/query/workload'],
  ['get', '/performance/http/stats'],
  ['post', '/performance/http/reset-stats'],
  ['get', '/performance/pool/stats'],
  ['get', '/performance/optimization/status'],
  ['get', '/metrics'],
];

async function boot(
  imports: ReturnType<typeof PerformanceModule.forRoot>[],
  options: { fastify?: boolean; env?: string; prefix?: string } = {},
): Promise<INestApplication> {
  const saved = process.env.NODE_ENV;
  if (options.env !== undefined) process.env.NODE_ENV = options.env;
  try {
    const moduleRef = await Test.createTestingModule({
      imports,
      controllers: [ThingsController],
    }).compile();
    const app = options.fastify
      ? moduleRef.createNestApplication(new FastifyAdapter(), { logger: false })
      : moduleRef.createNestApplication({ logger: false });
    if (options.prefix) app.setGlobalPrefix(options.prefix);
    await app.init();
    if (options.fastify) {
      await (app.getHttpAdapter().getInstance() as { ready(): Promise<void> }).ready();
    }
    return app;
  } finally {
    process.env.NODE_ENV = saved;
  }
}

describe('PerformanceModule access', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it.each([false, true])(
    'is off in production without a guard: every route answers 404 (fastify: %s)',
    async (fastify) => {
      app = await boot([PerformanceModule.forRoot()], { env: 'production', fastify });
      for (const [method, path] of ROUTES) {
        const res = await request(app.getHttpServer())[method](path).expect(404);
        // Not found as a route would be, rather than "module not installed".
        expect(res.body.message).toBe(`Cannot ${method.toUpperCase()} ${path}`);
      }
      await request(app.getHttpServer()).get('/things/1').expect(200);
    },
  );

  it('is on in production with enabled: true', async () => {
    app = await boot([PerformanceModule.forRoot({ enabled: true })], { env: 'production' });
    await request(app.getHttpServer()).get('/performance/http/stats').expect(200);
    await request(app.getHttpServer()).get('/metrics').expect(200);
  });

  it.each([false, true])(
    'runs the guard on every route in production: 403 without the token, 2xx with it (fastify: %s)',
    async (fastify) => {
      app = await boot([PerformanceModule.forRoot({ guard: TokenGuard })], {
        env: 'production',
        fastify,
      });
      const server = app.getHttpServer();
      for (const [method, path] of ROUTES) {
        await request(server)[method](path).expect(403);
      }
      for (const [method, path] of ROUTES) {
        const res = await request(server)[method](path).set('x-ops-token', 'let-me-in');
        // Without the cache/profiler/health modules their routes say "not installed" (404).
        const notInstalled = /\/(cache|query|pool)\//.test(path);
        expect([path, res.status]).toEqual([
          path,
          notInstalled ? 404 : method === 'post' ? 204 : 200,
        ]);
      }
    },
  );

  it('says which module is missing, and leaves those targets without a value', async () => {
    app = await boot([PerformanceModule.forRoot()]);
    const server = app.getHttpServer();
    const cache = await request(server).get('/performance/cache/stats').expect(404);
    expect(cache.body.message).toMatch(/@nest-perf\/cache is not installed/);
    const query = await request(server).get('/performance/query/stats').expect(404);
    expect(query.body.message).toMatch(/@nest-perf\/profiler is not installed/);
    const pool = await request(server).get('/performance/pool/stats').expect(404);
    expect(pool.body.message).toMatch(/@nest-perf\/health is not installed/);
    await request(server).get('/things/1').expect(200);
    const status = await request(server).get('/performance/optimization/status').expect(200);
    expect(status.body.met).toBe(true);
    expect(status.body.targets).toEqual([
      expect.objectContaining({ name: 'p95Ms', met: true }),
      expect.objectContaining({ name: 'cacheHitRate', current: null, met: null }),
      expect.objectContaining({ name: 'nPlusOne', current: null, met: null }),
      expect.objectContaining({ name: 'slowQueries', current: null, met: null }),
    ]);
    expect(status.body.targets[0].current).toBeGreaterThan(0);
  });

  it('places the routes at path and prometheus.path, under the global prefix', async () => {
    app = await boot(
      [PerformanceModule.forRoot({ path: '/ops/perf/', prometheus: { path: 'ops/prom' } })],
      { prefix: 'api' },
    );
    const server = app.getHttpServer();
    await request(server).get('/api/things/1').expect(200);
    const stats = await request(server).get('/api/ops/perf/http/stats').expect(200);
    expect(stats.body.routes).toEqual([
      expect.objectContaining({ method: 'GET', route: '/api/things/:id', count: 1 }),
    ]);
    const page = await request(server).get('/api/ops/perf').expect(200);
    expect(page.text).toContain('/api/ops/perf/dashboard.js');
    await request(server).get('/api/ops/prom').expect(200);
    await request(server).get('/api/metrics').expect(404);
  });

  it('takes options from a factory with forRootAsync, paths next to it', async () => {
    const registry = new Registry();
    app = await boot([
      PerformanceModule.forRootAsync({
        path: 'perf',
        metricsPath: 'prom',
        useFactory: () => ({
          prometheus: { registry, defaultMetrics: true },
          targets: { p95Ms: 1 },
        }),
      }),
    ]);
    const server = app.getHttpServer();
    await request(server).get('/things/1').expect(200);
    await request(server).get('/perf/http/stats').expect(200);
    const metrics = await request(server).get('/prom').expect(200);
    expect(metrics.text).toMatch(
      /^nest_perf_http_request_duration_seconds_count\{.*route="\/things\/:id".*\} 1$/m,
    );
    expect(metrics.text).toMatch(/^process_cpu_seconds_total /m);
    // The app's own registry holds the metrics too, and gets them back out at shutdown.
    expect(await registry.getSingleMetric('nest_perf_http_requests_in_flight')).toBeDefined();
    await app.close();
    app = undefined;
    expect(registry.getSingleMetric('nest_perf_http_requests_in_flight')).toBeUndefined();
    expect(registry.getSingleMetric('process_cpu_seconds_total')).toBeUndefined();
  });

  it('turns Prometheus off with prometheus: false', async () => {
    app = await boot([PerformanceModule.forRoot({ prometheus: false })]);
    await request(app.getHttpServer()).get('/metrics').expect(404);
    await request(app.getHttpServer()).get('/performance/http/stats').expect(200);
  });

  it('fails at startup with one error listing every bad option', async () => {
    const bad = {
      enabled: 'yes',
      targets: { p95Ms: -1, cacheHitRate: 2, typo: 1 },
      prometheus: { buckets: [1, 0.5] },
      refreshInterval: '1ms',
      extra: true,
    } as unknown as PerformanceModuleOptions;
    await expect(
      Test.createTestingModule({ imports: [PerformanceModule.forRoot(bad)] }).compile(),
    ).rejects.toThrow(
      new RegExp(
        [
          'PerformanceModule: invalid options:',
          "unknown option 'extra'",
          'enabled must be true or false',
          "unknown option 'targets.typo'",
          'targets.p95Ms must be a number of ms > 0',
          'targets.cacheHitRate must be a number from 0 to 1',
          'prometheus.buckets must be increasing positive numbers',
          'refreshInterval must be a duration of at least 500 ms',
        ].join('[\\s\\S]*'),
      ),
    );
    expect(() => PerformanceModule.forRoot({ path: 'bad path!' })).toThrow(
      /path must be a non-empty path/,
    );
    expect(() => PerformanceModule.forRoot({ path: 'metrics' })).toThrow(/overlap/);
    await expect(
      Test.createTestingModule({
        imports: [PerformanceModule.forRootAsync({ useFactory: () => ({ path: 'late' }) })],
      }).compile(),
    ).rejects.toThrow(/path must be given to forRootAsync/);
    await expect(
      Test.createTestingModule({
        imports: [
          PerformanceModule.forRoot({ guard: 'AdminGuard' as unknown as Type<CanActivate> }),
        ],
      }).compile(),
    ).rejects.toThrow(/guard must be a guard class/);
  });
});
