import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { parseWorkload } from '@nest-perf/core';
import type { HttpStatsResponse, RouteStats } from '@nest-perf/metrics';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { scratchDatabase, ScratchDatabase } from './support/databases';
import { parsePrometheus } from './support/prometheus';
import { bootSampleApp } from './support/sample-app';

const DATASET = { users: 20, tasks: 400, seed: 11 };

// Every route template the sample app declares, and the label shared by everything else.
const SAMPLE_ROUTES = new Set([
  '/',
  '/health',
  '/resources/:id/download',
  '/tasks',
  '/tasks/search',
  '/tasks/count',
  '/tasks/:id',
  '/tasks/:id/storyboards-naive',
  '/tasks/:id/storyboards',
  '/users/:userId',
  '/users/:userId/tasks',
  '/users/:userId/tasks/stats',
  '/users/:userId/summary',
  '/users/:userId/conversations',
  '/users/:userId/conversations/archive',
  '(unmatched)',
]);

describe.each(['express', 'fastify'] as const)('PerformanceModule on Postgres + %s', (platform) => {
  let db: ScratchDatabase;
  let app: INestApplication;
  let dataSource: DataSource;
  let taskId: string;
  let scripts: number;
  const http = () => request(app.getHttpServer());
  const route = (body: HttpStatsResponse, method: string, template: string) =>
    body.routes.find((r: RouteStats) => r.method === method && r.route === template);

  beforeAll(async () => {
    db = await scratchDatabase('postgres');
    ({ app, dataSource } = await bootSampleApp(db.config, DATASET, {
      fastify: platform === 'fastify',
    }));
    const [row] = await dataSource.query(
      `SELECT task_id AS id, COUNT(*) AS n FROM scripts GROUP BY task_id ORDER BY COUNT(*) DESC, task_id LIMIT 1`,
    );
    taskId = row.id;
    scripts = Number(row.n);
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  async function traffic() {
    for (let i = 0; i < 3; i++) await http().get('/users/1/tasks?status=completed').expect(200);
    await http().get(`/tasks/${taskId}`).expect(200);
    await http().get(`/tasks/${taskId}`).expect(200);
    await http().get(`/tasks/${taskId}/storyboards-naive`).expect(200);
    await http().get('/users/2/summary').expect(200);
    await http().get('/tasks/not-a-uuid').expect(400);
  }

  it('reports HTTP latency per route template and status class, not counting its own routes', async () => {
    await http().post('/performance/http/reset-stats').expect(204);
    await traffic();
    const { body } = await http().get('/performance/http/stats').expect(200);
    const list = route(body, 'GET', '/users/:userId/tasks');
    expect(list).toMatchObject({ count: 3, statuses: { '2xx': 3 }, errorRate: 0 });
    expect(list!.p50Ms).toBeGreaterThan(0);
    expect(list!.p95Ms).toBeGreaterThanOrEqual(list!.p50Ms);
    expect(list!.p99Ms).toBeGreaterThanOrEqual(list!.p95Ms);
    expect(list!.maxMs).toBeGreaterThanOrEqual(list!.p99Ms * 0.97);
    expect(list!.ratePerSec).toBeGreaterThan(0);
    expect(route(body, 'GET', '/tasks/:id')).toMatchObject({
      count: 3,
      statuses: { '2xx': 2, '4xx': 1 },
    });
    expect(body.total.count).toBe(8);
    expect(body.routes.map((r: RouteStats) => r.route)).not.toContain('/performance/http/stats');
    expect(Date.parse(body.since)).toBeLessThanOrEqual(Date.now());
  });

  it('serves the cache statistics and resets them', async () => {
    await traffic();
    const { body } = await http().get('/performance/cache/stats').expect(200);
    expect(body.total.hits).toBeGreaterThan(0);
    expect(body.total.hitRate).toBeGreaterThan(0);
    expect(Object.keys(body.namespaces).length).toBeGreaterThan(0);
    for (const stats of Object.values<{ hitRate: number }>(body.namespaces)) {
      expect(stats.hitRate).toBeGreaterThanOrEqual(0);
      expect(stats.hitRate).toBeLessThanOrEqual(1);
    }
    await http().post('/performance/cache/reset-stats').expect(204);
    const after = await http().get('/performance/cache/stats').expect(200);
    expect(after.body.total).toMatchObject({ hits: 0, misses: 0, loads: 0 });
  });

  it('serves the query statistics, slow queries, N+1 reports and the workload, and resets them', async () => {
    await http().post('/performance/query/reset-stats').expect(204);
    await traffic();
    const stats = await http().get('/performance/query/stats?limit=5').expect(200);
    expect(stats.body.summary.statements).toBeGreaterThan(scripts);
    expect(stats.body.queries.length).toBeGreaterThan(0);
    expect(stats.body.queries.length).toBeLessThanOrEqual(5);
    const [top] = stats.body.queries;
    expect(top).toMatchObject({ fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(top.count).toBeGreaterThan(0);
    expect(top.p95Ms).toBeGreaterThanOrEqual(top.p50Ms);

    const n1 = await http().get('/performance/query/n-plus-one').expect(200);
    expect(n1.body.reports).toEqual([
      expect.objectContaining({ route: 'GET /tasks/:id/storyboards-naive', count: scripts }),
    ]);
    const slow = await http().get('/performance/query/slow?limit=3').expect(200);
    expect(Array.isArray(slow.body.slowQueries)).toBe(true);

    const workload = await http().get('/performance/query/workload').expect(200);
    expect(parseWorkload(workload.body)).toEqual(workload.body);
    expect(workload.body.dialect).toBe('postgres');
    expect(workload.body.queries.length).toBeGreaterThan(0);

    await http().get('/performance/query/slow?limit=0').expect(400);
    await http().get('/performance/query/stats?limit=abc').expect(400);

    await http().post('/performance/query/reset-stats').expect(204);
    const reset = await http().get('/performance/query/stats').expect(200);
    expect(reset.body.summary).toMatchObject({ statements: 0, nPlusOne: 0 });
    expect((await http().get('/performance/query/n-plus-one')).body.reports).toEqual([]);
  });

  it('serves the pool statistics of the Postgres pool', async () => {
    await traffic();
    const { body } = await http().get('/performance/pool/stats').expect(200);
    expect(body.pools).toEqual([
      expect.objectContaining({ name: 'default', driver: 'postgres', pooled: true }),
    ]);
    const [pool] = body.pools;
    expect(pool.max).toBeGreaterThan(0);
    expect(pool.total).toBeGreaterThanOrEqual(1);
    expect(pool.idle + pool.active).toBe(pool.total);
    expect(pool.utilization).toBeGreaterThanOrEqual(0);
    // The pool is instrumented once listed: the traffic's acquires since then were timed.
    await traffic();
    const again = await http().get('/performance/pool/stats').expect(200);
    expect(again.body.pools[0].acquire.count).toBeGreaterThan(0);
  });

  it('compares the targets with the current values', async () => {
    await http().post('/performance/query/reset-stats').expect(204);
    await traffic();
    const { body } = await http().get('/performance/optimization/status').expect(200);
    const byName = Object.fromEntries(
      body.targets.map((t: { name: string }) => [t.name, t] as const),
    );
    expect(byName.p95Ms).toMatchObject({ target: 200, comparison: '<=' });
    expect(byName.p95Ms.current).toBeGreaterThan(0);
    expect(byName.cacheHitRate).toMatchObject({ target: 0.6, comparison: '>=' });
    // The teaching endpoint ran: one N+1 pattern against a target of 0.
    expect(byName.nPlusOne).toMatchObject({ current: 1, target: 0, met: false });
    expect(byName.slowQueries.current).toEqual(expect.any(Number));
    expect(body.met).toBe(false);
  });

  it('exposes Prometheus metrics that parse, with the expected series', async () => {
    await traffic();
    await http().get('/performance/pool/stats').expect(200);
    const res = await http().get('/metrics').expect(200);
    // Express moves charset first; Prometheus reads the parameters in any order.
    expect(res.headers['content-type']).toMatch(/^text\/plain;/);
    expect(res.headers['content-type']).toContain('version=0.0.4');
    const { samples, types } = parsePrometheus(res.text);
    expect(types.get('nest_perf_http_request_duration_seconds')).toBe('histogram');
    const count = samples.find(
      (s) =>
        s.name === 'nest_perf_http_request_duration_seconds_count' &&
        s.labels.route === '/users/:userId/tasks' &&
        s.labels.status_class === '2xx',
    );
    expect(count?.value).toBeGreaterThanOrEqual(3);
    const names = new Set(samples.map((s) => s.name));
    for (const name of [
      'nest_perf_http_requests_in_flight',
      'nest_perf_cache_hits_total',
      'nest_perf_cache_misses_total',
      'nest_perf_cache_hit_ratio',
      'nest_perf_db_statements_total',
      'nest_perf_db_statement_duration_seconds_total',
      'nest_perf_db_n_plus_one_patterns',
      'nest_perf_db_pool_max_connections',
      'nest_perf_db_pool_connections',
      'nest_perf_db_pool_utilization_ratio',
      'nest_perf_db_pool_acquire_seconds',
    ]) {
      expect(names).toContain(name);
    }
    expect(types.get('nest_perf_db_statements_total')).toBe('counter');
    // The Grafana dashboard only asks for series that exist.
    const dashboard = readFileSync(
      join(__dirname, '..', 'docs', 'grafana', 'nest-perf.json'),
      'utf8',
    );
    const used = new Set(dashboard.match(/nest_perf_[a-z_]+/g));
    const families = new Set([...names].map((n) => n.replace(/_(bucket|sum|count)$/, '')));
    for (const name of used) {
      expect([...names, ...families]).toContain(name);
    }
  });

  it('labels no series with a raw URL after 1,000 requests to random 404 paths', async () => {
    const paths = Array.from(
      { length: 1000 },
      (_, i) => `/scan/${i}-${Math.random().toString(36).slice(2)}`,
    );
    for (let i = 0; i < paths.length; i += 50) {
      await Promise.all(paths.slice(i, i + 50).map((p) => http().get(p).expect(404)));
    }
    const { body } = await http().get('/performance/http/stats').expect(200);
    for (const r of body.routes) expect(SAMPLE_ROUTES).toContain(r.route);
    expect(route(body, 'GET', '(unmatched)')!.count).toBeGreaterThanOrEqual(1000);

    const { samples } = parsePrometheus((await http().get('/metrics').expect(200)).text);
    const routes = new Set(samples.filter((s) => 'route' in s.labels).map((s) => s.labels.route));
    for (const r of routes) expect(SAMPLE_ROUTES).toContain(r);
    expect(res404Free(samples.map((s) => JSON.stringify(s.labels)))).toBe(true);
  });

  it('serves the dashboard page and its script from the module', async () => {
    const page = await http().get('/performance').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(page.text).toContain('/performance/dashboard.js');
    const script = await http().get('/performance/dashboard.js').expect(200);
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    expect(script.text).toContain('/http/stats');
  });
});

// No label value anywhere holds one of the random scan paths.
function res404Free(labelSets: string[]): boolean {
  return labelSets.every((labels) => !labels.includes('/scan/'));
}
