import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { TASK_STATUSES } from '../apps/sample/src/entities';
import { DIALECTS, scratchDatabase, ScratchDatabase } from './support/databases';
import { bootSampleApp } from './support/sample-app';

const DATASET = { users: 30, tasks: 600, seed: 7 };

describe.each(DIALECTS)('sample app on %s', (dialect) => {
  let db: ScratchDatabase;
  let app: INestApplication;
  let dataSource: DataSource;
  let param: (n: number) => string;
  const http = () => request(app.getHttpServer());
  const count = async (sql: string, ...params: unknown[]) =>
    Number((await dataSource.query(sql, params))[0].n);

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

  describe('GET /', () => {
    it('lists the endpoints and example URLs that all return data', async () => {
      const res = await http().get('/').expect(200);
      expect(res.body.endpoints.length).toBeGreaterThanOrEqual(10);
      expect(res.body.examples.length).toBe(6);
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
