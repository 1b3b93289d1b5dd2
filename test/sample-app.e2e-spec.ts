import type { INestApplication } from '@nestjs/common';
import { QueryProfilerService } from '@nest-perf/profiler';
import type { QueryStats } from '@nest-perf/profiler';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { Conversation, TASK_STATUSES } from '../apps/sample/src/entities';
import { DIALECTS, scratchDatabase, ScratchDatabase } from './support/databases';
import { bootSampleApp } from './support/sample-app';

const DATASET = { users: 30, tasks: 600, seed: 7 };
const SERVER_TIMING = /^db;dur=\d+\.\d;desc="(\d+) quer(?:y|ies)"$/;

describe.each(DIALECTS)('sample app on %s', (dialect) => {
  let db: ScratchDatabase;
  let app: INestApplication;
  let dataSource: DataSource;
  let param: (n: number) => string;
  const http = () => request(app.getHttpServer());
  const count = async (sql: string, ...params: unknown[]) =>
    Number((await dataSource.query(sql, params))[0].n);

  /**
   * One request, with what the profiler saw of it: the statement count from Server-Timing, the
   * per-fingerprint statistics of its route, and the N+1 reports.
   */
  async function profiled(path: string, method: 'get' | 'post' = 'get') {
    const profiler = app.get(QueryProfilerService);
    profiler.reset();
    const res = await http()[method](path);
    const statements = Number(SERVER_TIMING.exec(res.headers['server-timing'])?.[1]);
    const route = (r: QueryStats) => r.routes.some((name) => !name.startsWith('background'));
    return {
      res,
      statements,
      stats: profiler.stats().filter(route),
      nPlusOne: profiler.nPlusOne(),
    };
  }

  beforeAll(async () => {
    db = await scratchDatabase(dialect);
    ({ app, dataSource } = await bootSampleApp(db.config, DATASET));
    param = (n) => (dialect === 'postgres' ? `$${n}` : '?');
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  describe('schema', () => {
    it('ships only primary keys and the unique session_id as indexes', async () => {
      if (dialect === 'postgres') {
        const rows: { indexname: string }[] = await dataSource.query(
          `SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'migrations' ORDER BY 1`,
        );
        const names = rows.map((r) => r.indexname);
        expect(names.filter((n) => !n.startsWith('PK_'))).toEqual(['UQ_conversations_session_id']);
        expect(names.filter((n) => n.startsWith('PK_'))).toHaveLength(6);
      } else {
        const rows: { name: string; tbl_name: string }[] = await dataSource.query(
          `SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND tbl_name <> 'migrations' ORDER BY 1`,
        );
        // SQLite creates these for the uuid primary key of tasks and for the UNIQUE constraint.
        expect(rows.map((r) => r.tbl_name).sort()).toEqual(['conversations', 'tasks']);
        expect(rows.every((r) => r.name.startsWith('sqlite_autoindex_'))).toBe(true);
      }
    });
  });

  describe('GET /users/:userId/tasks', () => {
    it('returns the newest tasks first with the total', async () => {
      const res = await http().get('/users/1/tasks').expect(200);
      expect(res.body.total).toBe(await count(`SELECT COUNT(*) AS n FROM tasks WHERE user_id = 1`));
      expect(res.body.total).toBeGreaterThan(20);
      expect(res.body).toMatchObject({
        page: 1,
        pageSize: 20,
        totalPages: Math.ceil(res.body.total / 20),
      });
      expect(res.body.items).toHaveLength(20);
      const times = res.body.items.map((t: { createdAt: string }) => Date.parse(t.createdAt));
      expect(times).toEqual([...times].sort((a, b) => b - a));
      expect(res.body.items.every((t: { userId: number }) => t.userId === 1)).toBe(true);
    });

    it('filters by status and priority', async () => {
      const res = await http()
        .get('/users/1/tasks?status=completed&priority=normal&pageSize=100')
        .expect(200);
      const expected = await count(
        `SELECT COUNT(*) AS n FROM tasks WHERE user_id = 1 AND status = 'completed' AND priority = 'normal'`,
      );
      expect(expected).toBeGreaterThan(0);
      expect(res.body.total).toBe(expected);
      for (const task of res.body.items)
        expect(task).toMatchObject({ status: 'completed', priority: 'normal' });
    });

    it('pages through every task exactly once', async () => {
      const seen: string[] = [];
      let page = 1;
      let totalPages: number;
      do {
        const res = await http().get(`/users/2/tasks?page=${page}&pageSize=7`).expect(200);
        seen.push(...res.body.items.map((t: { id: string }) => t.id));
        totalPages = res.body.totalPages;
        page++;
      } while (page <= totalPages);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.length).toBe(await count(`SELECT COUNT(*) AS n FROM tasks WHERE user_id = 2`));
    });

    it('clamps the page size to 100', async () => {
      const res = await http().get('/users/1/tasks?pageSize=500').expect(200);
      expect(res.body.pageSize).toBe(100);
      expect(res.body.items.length).toBeLessThanOrEqual(100);
      expect(res.body.items.length).toBe(Math.min(100, res.body.total));
    });

    it('returns an empty page for a user without tasks', async () => {
      const res = await http().get('/users/99999/tasks').expect(200);
      expect(res.body).toEqual({ items: [], page: 1, pageSize: 20, total: 0, totalPages: 0 });
    });

    it.each([
      ['status=bogus', /status must be one of/],
      ['priority=highest', /priority must be one of/],
      ['page=0', /page must not be less than 1/],
      ['pageSize=abc', /pageSize must be an integer/],
      ['page=1.5', /page must be an integer/],
      ['sort=id', /property sort should not exist/],
    ])('rejects ?%s with 400', async (query, message) => {
      const res = await http().get(`/users/1/tasks?${query}`).expect(400);
      expect(JSON.stringify(res.body.message)).toMatch(message);
    });

    it('rejects a non-numeric user id with 400', async () => {
      await http().get('/users/abc/tasks').expect(400);
    });
  });

  describe('GET /users/:userId/tasks in keyset mode', () => {
    const ids = (body: { items: { id: string }[] }) => body.items.map((t) => t.id);

    it('walks the same tasks in the same order as offset pages', async () => {
      const offset: string[] = [];
      for (let page = 1, totalPages = 1; page <= totalPages; page++) {
        const res = await http().get(`/users/2/tasks?page=${page}&pageSize=7`).expect(200);
        offset.push(...ids(res.body));
        totalPages = res.body.totalPages;
      }
      const keyset: string[] = [];
      let cursor = '';
      let pages = 0;
      do {
        const res = await http()
          .get(`/users/2/tasks?pageSize=7&cursor=${encodeURIComponent(cursor)}`)
          .expect(200);
        expect(Object.keys(res.body).sort()).toEqual(['hasMore', 'items', 'nextCursor']);
        expect(res.body.items.length).toBeLessThanOrEqual(7);
        expect(res.body.nextCursor === null).toBe(!res.body.hasMore);
        keyset.push(...ids(res.body));
        cursor = res.body.nextCursor ?? '';
        pages++;
      } while (cursor);
      expect(pages).toBe(Math.ceil(offset.length / 7));
      expect(keyset).toEqual(offset);
    });

    it('takes after= as an alias, keeps the filters, and runs one statement per page', async () => {
      const offset = await http().get('/users/1/tasks?status=completed&pageSize=3').expect(200);
      const first = await profiled('/users/1/tasks?status=completed&pageSize=3&after=');
      expect(first.res.status).toBe(200);
      expect(first.statements).toBe(1);
      expect(ids(first.res.body)).toEqual(ids(offset.body));
      const next = await http()
        .get(`/users/1/tasks?status=completed&pageSize=3&cursor=${first.res.body.nextCursor}`)
        .expect(200);
      const second = await http().get('/users/1/tasks?status=completed&page=2&pageSize=3');
      expect(ids(next.body)).toEqual(ids(second.body));
      for (const task of next.body.items) expect(task.status).toBe('completed');
    });

    it('clamps the page size to 100', async () => {
      const res = await http().get('/users/1/tasks?cursor=&pageSize=500').expect(200);
      const total = await count(`SELECT COUNT(*) AS n FROM tasks WHERE user_id = 1`);
      expect(res.body.items).toHaveLength(Math.min(100, total));
    });

    it('answers 400 to a tampered cursor, a cursor with page, and two different cursors', async () => {
      const { body } = await http().get('/users/1/tasks?cursor=&pageSize=2').expect(200);
      const cursor: string = body.nextCursor;
      const tampered = cursor.slice(0, 10) + (cursor[10] === 'x' ? 'y' : 'x') + cursor.slice(11);
      const bad = await http().get(`/users/1/tasks?cursor=${tampered}`).expect(400);
      expect(bad.body.message).toMatch(/^invalid cursor: /);
      await http().get('/users/1/tasks?cursor=%25%25%25').expect(400);
      const page = await http().get(`/users/1/tasks?cursor=${cursor}&page=2`).expect(400);
      expect(page.body.message).toMatch(/page cannot be combined with cursor/);
      await http().get(`/users/1/tasks?cursor=${cursor}&after=`).expect(400);
      await http()
        .get(`/users/1/tasks?cursor=${'a'.repeat(1025)}`)
        .expect(400);
    });
  });

  describe('GET /users/:userId/summary', () => {
    it('runs exactly 5 statements, all of different shapes, and reports the right numbers', async () => {
      const { res, statements, stats, nPlusOne } = await profiled('/users/1/summary');
      expect(res.status).toBe(200);
      expect(statements).toBe(5);
      expect(stats).toHaveLength(5);
      expect(stats.every((s) => s.count === 1)).toBe(true);
      expect(nPlusOne).toEqual([]);

      const body = res.body;
      expect(body.user).toMatchObject({ id: 1, email: expect.stringContaining('@') });
      expect(body.tasks.total).toBe(
        await count(`SELECT COUNT(*) AS n FROM tasks WHERE user_id = 1`),
      );
      expect(Object.keys(body.tasks.byStatus).sort()).toEqual([...TASK_STATUSES].sort());
      const newest = await http().get('/users/1/tasks?pageSize=5').expect(200);
      expect(body.recentTasks).toEqual(newest.body.items);
      expect(body.conversations).toBe(
        await count(`SELECT COUNT(*) AS n FROM conversations WHERE user_id = 1`),
      );
      expect(body.resources).toBe(
        await count(
          `SELECT COUNT(*) AS n FROM resources r JOIN tasks t ON t.id = r.task_id WHERE t.user_id = 1`,
        ),
      );
      expect(body.resources).toBeGreaterThan(0);
    });

    it('is not cached: a second call runs the 5 statements again', async () => {
      await http().get('/users/2/summary').expect(200);
      expect((await profiled('/users/2/summary')).statements).toBe(5);
    });

    it('404s an unknown user after one statement', async () => {
      const { res, statements } = await profiled('/users/424242/summary');
      expect(res.status).toBe(404);
      expect(statements).toBe(1);
    });
  });

  describe('GET /tasks/count', () => {
    it('counts exactly below 100 000 rows, with and without filters', async () => {
      const all = await http().get('/tasks/count').expect(200);
      expect(all.body).toEqual({
        count: await count('SELECT COUNT(*) AS n FROM tasks'),
        exact: true,
      });
      const filtered = await http().get('/tasks/count?status=completed&userId=1').expect(200);
      expect(filtered.body).toEqual({
        count: await count(
          `SELECT COUNT(*) AS n FROM tasks WHERE status = 'completed' AND user_id = 1`,
        ),
        exact: true,
      });
      const none = await http().get('/tasks/count?userId=424242&priority=urgent').expect(200);
      expect(none.body).toEqual({ count: 0, exact: true });
    });

    it('validates its filters', async () => {
      await http().get('/tasks/count?status=bogus').expect(400);
      await http().get('/tasks/count?page=2').expect(400);
    });
  });

  describe('GET /tasks/:id/storyboards (the batch-loaded twin of storyboards-naive)', () => {
    let taskId: string;
    let scripts: number;

    beforeAll(async () => {
      const [row] = await dataSource.query(
        `SELECT task_id AS id, COUNT(*) AS n FROM scripts GROUP BY task_id ORDER BY COUNT(*) DESC, task_id LIMIT 1`,
      );
      taskId = row.id;
      scripts = Number(row.n);
    });

    it('answers what storyboards-naive answers with one storyboards query instead of one per script', async () => {
      expect(scripts).toBeGreaterThanOrEqual(5);
      const naive = await profiled(`/tasks/${taskId}/storyboards-naive`);
      expect(naive.statements).toBe(2 + scripts);
      expect(naive.nPlusOne).toHaveLength(1);

      for (let round = 0; round < 2; round++) {
        // Twice: the loader's cache lives for one request, so each request queries again.
        const fixed = await profiled(`/tasks/${taskId}/storyboards`);
        expect(fixed.res.status).toBe(200);
        expect(fixed.res.body).toEqual(naive.res.body);
        expect(fixed.statements).toBe(3);
        expect(fixed.nPlusOne).toEqual([]);
        const storyboardQueries = fixed.stats.filter((s) => /FROM\s+"storyboards"/.test(s.sql));
        expect(storyboardQueries).toHaveLength(1);
        expect(storyboardQueries[0].count).toBe(1);
        expect(storyboardQueries[0].sql).toMatch(/\bIN\s*\(/);
      }
    });

    it('404s an unknown task', async () => {
      await http().get('/tasks/00000000-0000-4000-8000-000000000000/storyboards').expect(404);
      await http().get('/tasks/nope/storyboards').expect(400);
    });
  });

  describe('POST /users/:userId/conversations/archive', () => {
    const closedOf = (userId: number) =>
      count(
        `SELECT COUNT(*) AS n FROM conversations WHERE user_id = ${param(1)} AND status = 'closed'`,
        userId,
      );

    it("archives the user's closed conversations and nothing else", async () => {
      const [row] = await dataSource.query(
        `SELECT user_id AS id FROM conversations WHERE status = 'closed' AND user_id > 10
          GROUP BY user_id ORDER BY COUNT(*) DESC, user_id LIMIT 1`,
      );
      const userId = Number(row.id);
      const closed = await closedOf(userId);
      expect(closed).toBeGreaterThan(0);
      const others = await count(`SELECT COUNT(*) AS n FROM conversations WHERE status = 'closed'`);

      const res = await http().post(`/users/${userId}/conversations/archive`).expect(200);
      expect(res.body).toEqual({ archived: closed, complete: true });
      expect(await closedOf(userId)).toBe(0);
      expect(await count(`SELECT COUNT(*) AS n FROM conversations WHERE status = 'closed'`)).toBe(
        others - closed,
      );
      const again = await http().post(`/users/${userId}/conversations/archive`).expect(200);
      expect(again.body).toEqual({ archived: 0, complete: true });
    });

    it('moves at most 1000 per call in chunks, never repeating a statement 5 times', async () => {
      const userId = DATASET.users;
      await dataSource
        .createQueryBuilder()
        .insert()
        .into(Conversation)
        .values(
          Array.from({ length: 1_100 }, (_, i) => ({
            userId,
            sessionId: `archive-test-${i}`,
            taskId: null,
            status: 'closed' as const,
            messages: [],
          })),
        )
        .updateEntity(false)
        .execute();
      const closed = await closedOf(userId);
      expect(closed).toBeGreaterThan(1_000);

      const first = await profiled(`/users/${userId}/conversations/archive`, 'post');
      expect(first.res.status).toBe(200);
      expect(first.res.body).toEqual({ archived: 1_000, complete: false });
      // 4 chunk reads (the first without a seek condition) and 4 updates.
      expect(first.statements).toBe(8);
      expect(Math.max(...first.stats.map((s) => s.count))).toBeLessThan(5);
      expect(first.stats.map((s) => s.sql).join('\n')).not.toMatch(/OFFSET/i);
      expect(first.nPlusOne).toEqual([]);

      const second = await http().post(`/users/${userId}/conversations/archive`).expect(200);
      expect(second.body).toEqual({ archived: closed - 1_000, complete: true });
      expect(await closedOf(userId)).toBe(0);
    });
  });

  describe('GET /tasks/:id', () => {
    let taskId: string;

    beforeAll(async () => {
      const rows = await dataSource.query(
        `SELECT task_id AS id FROM scripts GROUP BY task_id ORDER BY COUNT(*) DESC, task_id LIMIT 1`,
      );
      taskId = rows[0].id;
    });

    it('returns the task with its scripts, their storyboards, and resources', async () => {
      const res = await http().get(`/tasks/${taskId}`).expect(200);
      const scripts = await count(
        `SELECT COUNT(*) AS n FROM scripts WHERE task_id = ${param(1)}`,
        taskId,
      );
      const storyboards = await count(
        `SELECT COUNT(*) AS n FROM storyboards WHERE task_id = ${param(1)}`,
        taskId,
      );
      const resources = await count(
        `SELECT COUNT(*) AS n FROM resources WHERE task_id = ${param(1)}`,
        taskId,
      );
      expect(scripts).toBeGreaterThanOrEqual(2);
      expect(res.body.id).toBe(taskId);
      expect(res.body.scripts).toHaveLength(scripts);
      expect(res.body.resources).toHaveLength(resources);
      const nested = res.body.scripts.flatMap(
        (s: { id: number; storyboards: { scriptId: number }[] }) =>
          s.storyboards.map((b) => [s.id, b.scriptId]),
      );
      expect(nested).toHaveLength(storyboards);
      for (const [scriptId, storyboardScriptId] of nested)
        expect(storyboardScriptId).toBe(scriptId);
      expect(res.body.scripts[0].structuredContent).toMatchObject({
        title: expect.any(String),
        scenes: expect.any(Array),
      });
    });

    it('answers storyboards-naive with the same scripts and storyboards', async () => {
      const detail = await http().get(`/tasks/${taskId}`).expect(200);
      const naive = await http().get(`/tasks/${taskId}/storyboards-naive`).expect(200);
      expect(naive.body.taskId).toBe(taskId);
      expect(naive.body.scripts).toEqual(detail.body.scripts);
    });

    it('404s an unknown task and 400s a malformed id', async () => {
      const missing = '00000000-0000-4000-8000-000000000000';
      expect((await http().get(`/tasks/${missing}`).expect(404)).body.message).toBe(
        `task ${missing} not found`,
      );
      await http().get(`/tasks/${missing}/storyboards-naive`).expect(404);
      await http().get('/tasks/not-a-uuid').expect(400);
    });
  });

  describe('create, update, delete', () => {
    it('creates a task that then leads the user list', async () => {
      const res = await http()
        .post('/tasks')
        .send({ userId: 3, topic: 'Launch trailer about rooftop beekeeping', priority: 'high' })
        .expect(201);
      expect(res.body).toMatchObject({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        userId: 3,
        status: 'pending',
        priority: 'high',
        topic: 'Launch trailer about rooftop beekeeping',
      });
      expect(Number.isNaN(Date.parse(res.body.createdAt))).toBe(false);
      const list = await http().get('/users/3/tasks?pageSize=1').expect(200);
      expect(list.body.items[0].id).toBe(res.body.id);
    });

    it('rejects bad bodies and unknown users', async () => {
      await http().post('/tasks').send({ userId: 3 }).expect(400);
      await http().post('/tasks').send({ userId: 3, topic: 'x', priority: 'asap' }).expect(400);
      await http().post('/tasks').send({ userId: 3, topic: 'x', owner: 'me' }).expect(400);
      const res = await http().post('/tasks').send({ userId: 424242, topic: 'x' }).expect(404);
      expect(res.body.message).toBe('user 424242 not found');
    });

    it('updates fields and the update time', async () => {
      const created = (
        await http().post('/tasks').send({ userId: 4, topic: 'Tutorial about kites' }).expect(201)
      ).body;
      await new Promise((r) => setTimeout(r, 20));
      const res = await http()
        .patch(`/tasks/${created.id}`)
        .send({ status: 'processing', topic: 'Tutorial about big kites' })
        .expect(200);
      expect(res.body).toMatchObject({
        id: created.id,
        status: 'processing',
        topic: 'Tutorial about big kites',
        priority: 'normal',
      });
      expect(Date.parse(res.body.updatedAt)).toBeGreaterThan(Date.parse(created.updatedAt));
      const reread = await http().get(`/tasks/${created.id}`).expect(200);
      expect(reread.body).toMatchObject({
        status: 'processing',
        topic: 'Tutorial about big kites',
      });
      await http().patch(`/tasks/${created.id}`).send({}).expect(400);
      await http().patch(`/tasks/${created.id}`).send({ status: 'done' }).expect(400);
      await http()
        .patch('/tasks/00000000-0000-4000-8000-000000000000')
        .send({ status: 'failed' })
        .expect(404);
    });

    it('deletes a task with everything generated for it', async () => {
      const [victim] = await dataSource.query(
        `SELECT task_id AS id FROM scripts GROUP BY task_id ORDER BY COUNT(*) DESC, task_id LIMIT 1 OFFSET 3`,
      );
      await http().delete(`/tasks/${victim.id}`).expect(204);
      await http().get(`/tasks/${victim.id}`).expect(404);
      for (const table of ['scripts', 'storyboards', 'resources']) {
        expect(
          await count(`SELECT COUNT(*) AS n FROM ${table} WHERE task_id = ${param(1)}`, victim.id),
        ).toBe(0);
      }
      await http().delete(`/tasks/${victim.id}`).expect(404);
    });
  });

  describe('GET /users/:userId/conversations', () => {
    it('lists the user conversations, most recently active first', async () => {
      const res = await http().get('/users/1/conversations?pageSize=50').expect(200);
      expect(res.body.total).toBe(
        await count(`SELECT COUNT(*) AS n FROM conversations WHERE user_id = 1`),
      );
      expect(res.body.total).toBeGreaterThan(0);
      const times = res.body.items.map((c: { updatedAt: string }) => Date.parse(c.updatedAt));
      expect(times).toEqual([...times].sort((a, b) => b - a));
      expect(res.body.items[0].messages[0]).toMatchObject({
        role: 'system',
        content: expect.stringMatching(/^Brief: /),
      });
    });

    it('filters by status', async () => {
      const res = await http().get('/users/1/conversations?status=active&pageSize=100').expect(200);
      expect(res.body.total).toBe(
        await count(
          `SELECT COUNT(*) AS n FROM conversations WHERE user_id = 1 AND status = 'active'`,
        ),
      );
      for (const c of res.body.items) expect(c.status).toBe('active');
    });
  });

  describe('GET /tasks/search', () => {
    it('matches a topic substring regardless of case', async () => {
      const res = await http().get('/tasks/search?q=ESPRESSO&pageSize=100').expect(200);
      const expected = await count(`SELECT COUNT(*) AS n FROM tasks WHERE topic LIKE '%espresso%'`);
      expect(expected).toBeGreaterThan(0);
      expect(res.body.items).toHaveLength(Math.min(expected, 100));
      expect(res.body.hasMore).toBe(expected > 100);
      for (const t of res.body.items) expect(t.topic.toLowerCase()).toContain('espresso');
    });

    it('treats % and _ in the query literally', async () => {
      const created = (
        await http()
          .post('/tasks')
          .send({ userId: 5, topic: 'Ad spot: 100%_organic kale' })
          .expect(201)
      ).body;
      const literal = await http()
        .get(`/tasks/search?q=${encodeURIComponent('%_o')}`)
        .expect(200);
      expect(literal.body.items.map((t: { id: string }) => t.id)).toEqual([created.id]);
      const none = await http()
        .get(`/tasks/search?q=${encodeURIComponent('a%z')}`)
        .expect(200);
      expect(none.body.items).toEqual([]);
    });

    it('narrows to one user and pages', async () => {
      const first = await http().get('/tasks/search?q=about&userId=1&pageSize=5').expect(200);
      const second = await http()
        .get('/tasks/search?q=about&userId=1&pageSize=5&page=2')
        .expect(200);
      expect(first.body.hasMore).toBe(true);
      expect(first.body.items).toHaveLength(5);
      const ids = [...first.body.items, ...second.body.items].map(
        (t: { id: string; userId: number }) => {
          expect(t.userId).toBe(1);
          return t.id;
        },
      );
      expect(new Set(ids).size).toBe(10);
    });

    it('requires q of 2 to 100 characters', async () => {
      await http().get('/tasks/search').expect(400);
      await http().get('/tasks/search?q=a').expect(400);
      await http()
        .get(`/tasks/search?q=${'a'.repeat(101)}`)
        .expect(400);
    });
  });

  describe('GET /users/:userId/tasks/stats', () => {
    it('counts tasks per status, zeros included', async () => {
      const res = await http().get('/users/1/tasks/stats').expect(200);
      expect(Object.keys(res.body.byStatus).sort()).toEqual([...TASK_STATUSES].sort());
      expect(res.body.total).toBe(await count(`SELECT COUNT(*) AS n FROM tasks WHERE user_id = 1`));
      const sum = Object.values(res.body.byStatus as Record<string, number>).reduce(
        (a, b) => a + b,
        0,
      );
      expect(sum).toBe(res.body.total);
      for (const status of TASK_STATUSES) {
        expect(res.body.byStatus[status]).toBe(
          await count(`SELECT COUNT(*) AS n FROM tasks WHERE user_id = 1 AND status = '${status}'`),
        );
      }
      const empty = await http().get('/users/99999/tasks/stats').expect(200);
      expect(empty.body.total).toBe(0);
    });
  });

  describe('GET /health', () => {
    it('reports the database pool, the cache and the heap as up', async () => {
      const res = await http().get('/health');
      expect([res.status, res.body.status, res.body.error]).toEqual([200, 'ok', {}]);
      expect(res.body.info.cache.status).toBe('up');
      expect(res.body.info.memory.status).toBe('up');
      const database = res.body.info.database;
      expect(database.status).toBe('up');
      if (dialect === 'postgres') {
        expect(database).toMatchObject({ driver: 'postgres', waiting: 0 });
        expect(database.max).toBeGreaterThan(0);
        expect(database.acquireMs).toBeGreaterThanOrEqual(0);
      } else {
        expect(database).toMatchObject({ driver: 'better-sqlite3', pooled: false });
      }
    });
  });

  describe('GET /', () => {
    it('lists the endpoints and example URLs that all return data', async () => {
      const res = await http().get('/').expect(200);
      expect(res.body.endpoints.length).toBeGreaterThanOrEqual(10);
      expect(res.body.examples.length).toBe(9);
      for (const path of res.body.examples) {
        const page = await http().get(path).expect(200);
        expect(JSON.stringify(page.body).length).toBeGreaterThan(100);
      }
    });
  });

  describe('GET /users/:userId', () => {
    it('returns a user or 404', async () => {
      const res = await http().get('/users/1').expect(200);
      expect(res.body).toMatchObject({
        id: 1,
        name: expect.any(String),
        email: expect.stringContaining('@'),
      });
      await http().get('/users/424242').expect(404);
    });
  });
});
