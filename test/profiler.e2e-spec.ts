import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import {
  createRequestContext,
  parseWorkload,
  PERF_QUERY_PROFILER,
  runWithRequestContext,
} from '@nest-perf/core';
import { QueryProfiler, QueryProfilerService } from '@nest-perf/profiler';
import type { QueryStats } from '@nest-perf/profiler';
import Ajv from 'ajv';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { DIALECTS, scratchDatabase, ScratchDatabase, TEST_POSTGRES_URL } from './support/databases';
import { bootSampleApp } from './support/sample-app';
import { profilerFixture } from './fixtures/profiler-fixture';

const DATASET = { users: 20, tasks: 400, seed: 11 };
const SERVER_TIMING = /^db;dur=(\d+\.\d);desc="(\d+) quer(?:y|ies)"$/;

describe.each(DIALECTS)('query profiler on %s (Express)', (dialect) => {
  let db: ScratchDatabase;
  let app: INestApplication;
  let dataSource: DataSource;
  let profiler: QueryProfilerService;
  let p: (n: number) => string;
  const http = () => request(app.getHttpServer());
  const statsFor = (predicate: (row: QueryStats) => boolean) => profiler.stats().filter(predicate);

  beforeAll(async () => {
    db = await scratchDatabase(dialect);
    ({ app, dataSource } = await bootSampleApp(db.config, DATASET, {
      profiler: { slowQueryMs: 30 },
      fixture: profilerFixture,
    }));
    profiler = app.get(QueryProfilerService);
    p = (n) => (dialect === 'postgres' ? `$${n}` : '?');
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  beforeEach(() => profiler.reset());

  /** The task with the most scripts (the seeded data has tasks with 5). */
  async function busiestTask(): Promise<{ id: string; scripts: number }> {
    const [row] = await dataSource.query(
      `SELECT task_id AS id, COUNT(*) AS n FROM scripts GROUP BY task_id ORDER BY COUNT(*) DESC, task_id LIMIT 1`,
    );
    return { id: row.id, scripts: Number(row.n) };
  }

  it('reports the teaching endpoint as N+1 with the right count and a call site in the sample source', async () => {
    const task = await busiestTask();
    expect(task.scripts).toBeGreaterThanOrEqual(5);
    const response = await http().get(`/tasks/${task.id}/storyboards-naive`).expect(200);
    expect(response.body.scripts).toHaveLength(task.scripts);

    const reports = profiler.nPlusOne();
    expect(reports).toHaveLength(1);
    const [report] = reports;
    expect(report).toMatchObject({
      route: 'GET /tasks/:id/storyboards-naive',
      count: task.scripts,
      maxCount: task.scripts,
      requests: 1,
    });
    expect(report.sql).toMatch(/FROM "storyboards"/);
    expect(report.totalMs).toBeGreaterThan(0);
    expect(report.callSite).toMatch(
      /^TasksService\.storyboardsNaive \(apps\/sample\/src\/tasks\/tasks\.service\.ts:\d+:\d+\)$/,
    );
    expect(report.hint).toMatch(/relations: \{ storyboards: true \}/);
    expect(report.hint).toMatch(/In\(ids\)/);

    // The same route and statement again: still one report, two requests.
    await http().get(`/tasks/${task.id}/storyboards-naive`).expect(200);
    expect(profiler.nPlusOne()).toEqual([expect.objectContaining({ requests: 2 })]);
  });

  it('reports a Promise.all fan-out', async () => {
    await http().get('/fixture/fan-out?n=6').expect(200);
    const [report] = profiler.nPlusOne();
    expect(report).toMatchObject({ route: 'GET /fixture/fan-out', count: 6 });
    expect(report.sql).toMatch(/FROM "tasks"/);
    expect(report.callSite).toMatch(/^(?:\S+ )?\(test\/fixtures\/profiler-fixture\.ts:\d+:\d+\)$/);
  });

  it('reports nothing for the other sample endpoints (no false positives)', async () => {
    const task = await busiestTask();
    const [user] = await dataSource.query(`SELECT user_id AS id FROM tasks WHERE id = ${p(1)}`, [
      task.id,
    ]);
    const [resource] = await dataSource.query('SELECT id FROM resources ORDER BY id LIMIT 1');
    const get = (path: string) => http().get(path).expect(200);
    await get('/');
    await get(`/users/${user.id}`);
    await get(`/users/${user.id}/tasks?pageSize=50`);
    await get(`/users/${user.id}/tasks?status=completed&page=2&pageSize=5`);
    const first = await get(`/users/${user.id}/tasks?cursor=&pageSize=5`);
    await get(`/users/${user.id}/tasks?cursor=${first.body.nextCursor}&pageSize=5`);
    await get(`/users/${user.id}/tasks/stats`);
    await get(`/users/${user.id}/summary`);
    await get(`/users/${user.id}/conversations?pageSize=50`);
    await http().post(`/users/${user.id}/conversations/archive`).expect(200);
    await get('/tasks/search?q=espresso&pageSize=50');
    await get('/tasks/count?status=completed');
    await get(`/tasks/${task.id}`);
    await get(`/tasks/${task.id}/storyboards`);
    await get(`/resources/${resource.id}/download`);
    const created = await http()
      .post('/tasks')
      .send({ userId: user.id, topic: 'profiler check' })
      .expect(201);
    await http().patch(`/tasks/${created.body.id}`).send({ status: 'completed' }).expect(200);
    await http().delete(`/tasks/${created.body.id}`).expect(204);
    await http().get('/no/such/route').expect(404);

    expect(profiler.nPlusOne()).toEqual([]);
    expect(profiler.summary().statements).toBeGreaterThan(10);
  });

  it('is reachable through the PERF_QUERY_PROFILER token of @nest-perf/core', () => {
    expect(app.get(PERF_QUERY_PROFILER)).toBe(profiler);
  });

  it('enters the request context around the HTTP server, not through a Nest middleware', () => {
    const listeners = (app.getHttpServer() as import('node:http').Server).listeners('request');
    // @nest-perf/metrics (in the sample app too) listens beside it, outside the context.
    expect(listeners.map((l) => l.name).filter((n) => n !== 'recordHttpStats')).toEqual([
      'inContext',
    ]);
  });

  it('adds Server-Timing with the db time and statement count to every response', async () => {
    const task = await busiestTask();
    const res = await http().get(`/tasks/${task.id}/storyboards-naive`).expect(200);
    const [, dur, n] = SERVER_TIMING.exec(res.headers['server-timing']) ?? [];
    // The task, its scripts, then one query per script.
    expect(Number(n)).toBe(2 + task.scripts);
    expect(Number(dur)).toBeGreaterThanOrEqual(0);

    const missing = await http().get('/no/such/route').expect(404);
    expect(missing.headers['server-timing']).toBe('db;dur=0.0;desc="0 queries"');
  });

  it('attributes statements run by guards to the route, and statements outside requests to background', async () => {
    await http().get('/fixture/guarded').expect(200);
    const guardRow = statsFor((r) => /FROM users WHERE id >/.test(r.sql));
    expect(guardRow).toHaveLength(1);
    expect(guardRow[0].routes).toEqual(['GET /fixture/guarded']);

    await dataSource.query('SELECT COUNT(*) AS n FROM conversations WHERE id > 0');
    const background = statsFor((r) => /FROM conversations WHERE id >/.test(r.sql));
    expect(background[0].routes).toEqual(['background']);

    await http().get('/fixture/refused').expect(403);
    const refused = statsFor((r) => /FROM users WHERE id </.test(r.sql));
    expect(refused[0].routes).toEqual(['GET /fixture/refused']);
  });

  it('fingerprints: literals become placeholders, IN lists of any length share one row', async () => {
    await http().get('/fixture/literal?priority=high').expect(200);
    await http().get('/fixture/literal?priority=low').expect(200);
    const literal = statsFor((r) => /FROM tasks WHERE priority =/.test(r.sql));
    expect(literal).toHaveLength(1);
    expect(literal[0]).toMatchObject({
      count: 2,
      sql: `SELECT id FROM tasks WHERE priority = ${p(1)} LIMIT ${p(2)}`,
    });
    expect(literal[0].fingerprint).toMatch(/^[0-9a-f]{16}$/);

    for (const n of [1, 3, 7]) await http().get(`/fixture/in-list?n=${n}`).expect(200);
    const inList = statsFor((r) => /\bIN \(/.test(r.sql) && /FROM "tasks"/.test(r.sql));
    expect(inList).toHaveLength(1);
    expect(inList[0].count).toBe(3);
    expect(inList[0].sql).toMatch(dialect === 'postgres' ? /IN \(\$1\)/ : /IN \(\?\)/);
  });

  it('keeps per-fingerprint statistics with ordered percentiles, errors and transactions', async () => {
    for (let i = 0; i < 20; i++) await http().get('/fixture/guarded').expect(200);
    const [row] = statsFor((r) => /FROM users WHERE id >/.test(r.sql));
    expect(row.count).toBe(20);
    expect(row.p50Ms).toBeGreaterThan(0);
    expect(row.p50Ms).toBeLessThanOrEqual(row.p95Ms);
    expect(row.p95Ms).toBeLessThanOrEqual(row.p99Ms);
    expect(row.p99Ms).toBeLessThanOrEqual(row.maxMs);
    expect(row.meanMs).toBeCloseTo(row.totalMs / row.count, 2);

    await http().get('/fixture/fail').expect(500);
    const [failed] = statsFor((r) => /no_such_table/.test(r.sql));
    expect(failed).toMatchObject({ count: 1, errors: 1 });

    await http().get('/fixture/transaction').expect(200);
    const control = profiler
      .stats()
      .filter((r) => /^(START TRANSACTION|BEGIN|COMMIT)/i.test(r.sql));
    expect(control.length).toBeGreaterThanOrEqual(2);
    expect(statsFor((r) => r.sql === `SELECT ${p(1)} AS one`)[0].routes).toEqual([
      'GET /fixture/transaction',
    ]);
  });

  it('keeps slow statements with the route and without parameter values', async () => {
    await http().get('/fixture/slow').expect(200);
    const slow = profiler.slowQueries().filter((q) => q.route === 'GET /fixture/slow');
    expect(slow).toHaveLength(1);
    expect(slow[0].durationMs).toBeGreaterThanOrEqual(30);
    expect(slow[0]).not.toHaveProperty('params');
    expect(slow[0].sql).not.toMatch(/3000000|0\.08/);
    if (dialect === 'postgres') {
      // EXPLAIN runs after the statement, on a connection of its own.
      await waitUntil(() => profiler.slowQueries().some((q) => q.explain !== undefined));
      const [explained] = profiler.slowQueries().filter((q) => q.route === 'GET /fixture/slow');
      expect(JSON.stringify(explained.explain)).toMatch(/"Node Type":"Result"/);
      // The EXPLAIN itself is not profiled.
      expect(statsFor((r) => /^EXPLAIN/.test(r.sql))).toEqual([]);
    }
  });

  it('exports a workload that validates, and writes it to a file', async () => {
    const task = await busiestTask();
    await http().get(`/tasks/${task.id}/storyboards-naive`).expect(200);
    await http().get('/fixture/transaction').expect(200);
    const workload = profiler.exportWorkload();
    expect(parseWorkload(workload)).toBe(workload);
    const schema = JSON.parse(readFileSync('libs/core/workload.schema.json', 'utf8'));
    const validate = new Ajv({ strict: true }).compile(schema);
    expect(validate(workload) ? [] : validate.errors).toEqual([]);
    expect(workload.dialect).toBe(dialect === 'postgres' ? 'postgres' : 'sqlite');
    const storyboards = workload.queries.find((q) => /FROM "storyboards"/.test(q.sql));
    expect(storyboards?.calls).toBe(task.scripts);
    expect(workload.queries.some((q) => /^(START TRANSACTION|BEGIN|COMMIT)/i.test(q.sql))).toBe(
      false,
    );
    expect(workload.queries.every((q) => q.sampleParams === undefined)).toBe(true);

    const dir = mkdtempSync(join(tmpdir(), 'np-workload-'));
    try {
      const file = await profiler.writeWorkload(join(dir, 'nested', 'workload.json'));
      expect(parseWorkload(JSON.parse(readFileSync(file, 'utf8')))).toEqual(workload);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.each(DIALECTS)('query profiler options on %s', (dialect) => {
  let db: ScratchDatabase;

  beforeAll(async () => {
    db = await scratchDatabase(dialect);
  });

  afterAll(async () => {
    await db?.drop();
  });

  it("nPlusOne mode 'throw' fails the N+1 request and nothing else", async () => {
    const { app, dataSource } = await bootSampleApp(db.config, DATASET, {
      profiler: { nPlusOne: { threshold: 5, mode: 'throw' } },
      fixture: profilerFixture,
    });
    try {
      const [task] = await dataSource.query(
        'SELECT task_id AS id FROM scripts GROUP BY task_id ORDER BY COUNT(*) DESC LIMIT 1',
      );
      const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      await request(app.getHttpServer()).get(`/tasks/${task.id}/storyboards-naive`).expect(500);
      await request(app.getHttpServer()).get('/fixture/fan-out?n=6').expect(500);
      errors.mockRestore();
      await request(app.getHttpServer()).get('/fixture/fan-out?n=4').expect(200);
      await request(app.getHttpServer()).get(`/tasks/${task.id}`).expect(200);
    } finally {
      await app.close();
    }
  });

  it('captures parameters only when asked, folds fingerprints beyond the limit, and writes the workload file at shutdown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-workload-'));
    const file = join(dir, 'workload.json');
    const { app } = await bootSampleApp(db.config, undefined, {
      profiler: {
        captureParams: true,
        slowQueryMs: 30,
        maxFingerprints: 3,
        workloadFile: { path: file },
      },
      fixture: profilerFixture,
    });
    try {
      const profiler = app.get(QueryProfilerService);
      profiler.reset();
      await request(app.getHttpServer()).get('/fixture/slow').expect(200);
      const [slow] = profiler.slowQueries(1);
      expect(slow.params).toEqual([dialect === 'postgres' ? 0.08 : 3_000_000]);
      for (const priority of ['low', 'high']) {
        await request(app.getHttpServer()).get(`/fixture/literal?priority=${priority}`).expect(200);
      }
      await request(app.getHttpServer()).get('/fixture/guarded').expect(200);
      await request(app.getHttpServer()).get('/fixture/transaction').expect(200);
      const stats = profiler.stats();
      expect(stats.filter((r) => r.fingerprint !== 'other')).toHaveLength(3);
      const other = stats.find((r) => r.fingerprint === 'other');
      expect(other?.folded).toBeGreaterThanOrEqual(2);
      expect(stats.reduce((n, r) => n + r.count, 0)).toBe(profiler.summary().statements);
      const literal = profiler.exportWorkload().queries.find((q) => /priority =/.test(q.sql));
      expect(literal?.sampleParams).toEqual(['low', 1]);
    } finally {
      await app.close();
    }
    try {
      expect(parseWorkload(JSON.parse(readFileSync(file, 'utf8'))).queries.length).toBeGreaterThan(
        0,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects invalid options at startup with every problem listed', async () => {
    await expect(
      bootSampleApp(db.config, undefined, {
        profiler: {
          slowQueryMs: 'soon' as never,
          nPlusOne: { threshold: 1, mode: 'loud' as never },
        },
      }),
    ).rejects.toThrow(
      /invalid options:\n(?=[\s\S]*slowQueryMs must be a duration)(?=[\s\S]*nPlusOne\.mode must be one of)(?=[\s\S]*nPlusOne\.threshold must be an integer >= 2)/,
    );
  });
});

describe('query profiler on Fastify (postgres)', () => {
  let db: ScratchDatabase;
  let app: INestApplication;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await scratchDatabase('postgres');
    ({ app, dataSource } = await bootSampleApp(db.config, DATASET, {
      fastify: true,
      fixture: profilerFixture,
    }));
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('attributes statements to route templates, reports N+1 and sets Server-Timing', async () => {
    const profiler = app.get(QueryProfilerService);
    profiler.reset();
    const [task] = await dataSource.query(
      'SELECT task_id AS id, COUNT(*) AS n FROM scripts GROUP BY task_id ORDER BY COUNT(*) DESC LIMIT 1',
    );
    const res = await request(app.getHttpServer())
      .get(`/tasks/${task.id}/storyboards-naive`)
      .expect(200);
    expect(res.headers['server-timing']).toMatch(SERVER_TIMING);
    expect(Number(SERVER_TIMING.exec(res.headers['server-timing'])?.[2])).toBe(2 + Number(task.n));
    expect(profiler.nPlusOne()).toEqual([
      expect.objectContaining({ route: 'GET /tasks/:id/storyboards-naive', count: Number(task.n) }),
    ]);
    await request(app.getHttpServer()).get('/fixture/guarded').expect(200);
    const [guard] = profiler.stats().filter((r) => /FROM users WHERE id >/.test(r.sql));
    expect(guard.routes).toEqual(['GET /fixture/guarded']);
    await request(app.getHttpServer()).get('/fixture/fan-out?n=6').expect(200);
    expect(profiler.nPlusOne().map((r) => r.route)).toContain('GET /fixture/fan-out');
    // A guard that queries and then refuses: the statement still belongs to the route.
    await request(app.getHttpServer()).get('/fixture/refused').expect(403);
    const [refused] = profiler.stats().filter((r) => /FROM users WHERE id </.test(r.sql));
    expect(refused.routes).toEqual(['GET /fixture/refused']);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('query profiler timing on a Postgres pool', () => {
  /** A Postgres DataSource with these pool options and a profiler attached, both closed after. */
  async function withProfiledPool(
    extra: Record<string, unknown>,
    test: (dataSource: DataSource, profiler: QueryProfiler) => Promise<void>,
  ): Promise<void> {
    const dataSource = await new DataSource({
      type: 'postgres',
      url: TEST_POSTGRES_URL,
      extra,
    }).initialize();
    const profiler = new QueryProfiler();
    try {
      profiler.attach(dataSource);
      await test(dataSource, profiler);
    } finally {
      profiler.close();
      await dataSource.destroy();
    }
  }

  it('does not count the wait for a pooled connection as statement time', () =>
    withProfiledPool({ max: 1 }, async (dataSource, profiler) => {
      const started = performance.now();
      await Promise.all([1, 2].map(() => dataSource.query('SELECT pg_sleep(0.05)')));
      const wall = performance.now() - started;
      const [row] = profiler.stats();
      expect(row.count).toBe(2);
      // One connection: the second statement waited ~50 ms for it, then both ran ~50 ms. Timed
      // with the wait, the second would take about twice as long as the first.
      expect(wall).toBeGreaterThanOrEqual(100);
      const other = row.totalMs - row.maxMs;
      expect(row.maxMs).toBeLessThan(other * 1.5);
    }));

  it('pairs concurrent statements on one runner (Promise.all inside a transaction)', () =>
    withProfiledPool({ max: 2 }, async (dataSource, profiler) => {
      const context = createRequestContext('GET', '/fan-out-in-transaction');
      const record = profiler.openRequest(context, undefined);
      // One connection runs them in order: 60 ms, then 10 ms, then 30 ms. The 10 ms statement
      // finishes ~70 ms after it was sent; a profiler pairing events wrongly would time it at 60.
      await runWithRequestContext(context, () =>
        dataSource.transaction((manager) =>
          Promise.all([
            manager.query('SELECT pg_sleep(0.06) AS a'),
            manager.query('SELECT pg_sleep(0.01) AS b'),
            manager.query('SELECT pg_sleep(0.03) AS c'),
          ]),
        ),
      );
      profiler.closeRequest(record);
      expect(record.pending).toEqual([]);
      expect(record.queries).toBe(5); // START TRANSACTION, the three, COMMIT
      const timed = (alias: string) =>
        profiler.stats().find((row) => row.sql.includes(`AS ${alias}`))!;
      expect(timed('a').maxMs).toBeGreaterThanOrEqual(55);
      expect(timed('b').maxMs).toBeGreaterThanOrEqual(60); // sent with a, waited for it
      expect(timed('c').maxMs).toBeGreaterThanOrEqual(90);
      expect(timed('c').routes).toEqual(['GET /fan-out-in-transaction']);
    }));

  it('counts a statement whose connection cannot be had as nothing, and keeps working', () =>
    withProfiledPool({ max: 1, connectionTimeoutMillis: 200 }, async (dataSource, profiler) => {
      const holder = dataSource.createQueryRunner();
      await holder.connect(); // the pool's only connection
      await expect(dataSource.query('SELECT 1 AS starved')).rejects.toThrow(/timeout/i);
      await holder.release();
      // Never sent: not a statement of the database, not an error of its fingerprint.
      expect(profiler.summary()).toMatchObject({ statements: 0, errors: 0 });
      await dataSource.query('SELECT 1 AS fed');
      expect(profiler.summary()).toMatchObject({ statements: 1, errors: 0 });
    }));
});
