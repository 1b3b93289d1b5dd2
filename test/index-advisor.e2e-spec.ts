import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { Workload } from '@nest-perf/core';
import { adviseIndexes } from '@nest-perf/index-advisor';
import type { AdviceResult } from '@nest-perf/index-advisor';
import { main as advisorCli } from '../libs/index-advisor/src/cli/advisor.cli';
import { QueryProfilerService } from '@nest-perf/profiler';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { scratchDatabase, ScratchDatabase } from './support/databases';
import { loadMigrationClass } from './support/migrations';
import { bootSampleApp } from './support/sample-app';

const DATASET = { users: 200, tasks: 20_000, seed: 5 };

async function indexNames(dataSource: DataSource, table: string): Promise<string[]> {
  const rows: { indexname: string }[] = await dataSource.query(
    `SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY 1`,
    [table],
  );
  return rows.map((r) => r.indexname);
}

async function planOf(dataSource: DataSource, sql: string, params: unknown[]): Promise<string> {
  const rows: { 'QUERY PLAN': string }[] = await dataSource.query(`EXPLAIN ${sql}`, params);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

describe('index advisor on Postgres (sample workload)', () => {
  let db: ScratchDatabase;
  let app: INestApplication;
  let dataSource: DataSource;
  let workload: Workload;
  let result: AdviceResult;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nest-perf-advisor-'));
    db = await scratchDatabase('postgres');
    ({ app, dataSource } = await bootSampleApp(db.config, DATASET));
    await dataSource.query('ANALYZE');
    const http = () => request(app.getHttpServer());
    const [task] = await dataSource.query(
      `SELECT task_id AS id FROM scripts GROUP BY task_id ORDER BY COUNT(*) DESC, task_id LIMIT 1`,
    );
    const profiler = app.get(QueryProfilerService);
    profiler.reset();
    for (const user of [3, 17, 42, 77, 120]) {
      await http().get(`/users/${user}/tasks?status=completed`).expect(200);
      await http().get(`/users/${user}/conversations`).expect(200);
      await http().get(`/users/${user}/summary`).expect(200);
    }
    await http().get(`/tasks/${task.id}/storyboards`).expect(200);
    await http().get(`/tasks/${task.id}`).expect(200);
    workload = profiler.exportWorkload();
    result = await adviseIndexes({
      dataSource,
      workload,
      options: { timestamp: 1_800_000_000_000 },
    });
    // ADVISOR_DUMP=<file> keeps the report and migration for a look by hand.
    if (process.env.ADVISOR_DUMP) {
      writeFileSync(process.env.ADVISOR_DUMP, `${result.report}\n\n${result.migration.source}`);
    }
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('proposes the composite and foreign-key indexes the workload needs', () => {
    const defs = result.indexes.map(
      (i) =>
        `${i.table}(${i.columns.map((c) => c.name + (c.direction === 'DESC' ? ' DESC' : '')).join(', ')})`,
    );
    expect(defs).toEqual(
      expect.arrayContaining([expect.stringMatching(/^tasks\(user_id, status, created_at DESC/)]),
    );
    expect(defs).toEqual(
      expect.arrayContaining([expect.stringMatching(/^conversations\(user_id/)]),
    );
    for (const index of result.indexes) {
      expect(Buffer.byteLength(index.name)).toBeLessThanOrEqual(63);
      expect(index.serves.length).toBeGreaterThan(0);
      expect(index.entityDecorator).toMatch(
        /^@Index\('IDX_[^']+', \{ synchronize: false \}\) \/\/ on class \w+$/,
      );
    }
    // Every proposed index is used by the plan of a query it serves (checked together).
    const used = new Set(result.queries.flatMap((q) => q.uses));
    for (const index of result.indexes) expect(used).toContain(index.name);
    expect(result.report).toContain('## Proposed indexes');
    expect(result.migration.source).toContain('transaction = false;');
    expect(result.migration.source).toContain("migrationsTransactionMode: 'each'");
    expect(result.migration.source).toMatch(/CREATE INDEX CONCURRENTLY IF NOT EXISTS "IDX_/);
  });

  it('writes a migration whose up() makes the plans use the indexes, idempotent both ways', async () => {
    const Migration = loadMigrationClass(result.migration.source, dir);
    const migration = new Migration();
    const runner = dataSource.createQueryRunner();
    try {
      const list = workload.queries.find(
        (q) => /"Task"."status" = \$2/.test(q.sql) && /ORDER BY/.test(q.sql),
      );
      expect(list).toBeDefined();
      const params = [17, 'completed', 20, 0].slice(0, (list!.sql.match(/\$\d+/g) ?? []).length);
      const before = await planOf(dataSource, list!.sql, params);
      await migration.up(runner);
      await migration.up(runner); // IF NOT EXISTS: harmless
      const tasksIndexes = await indexNames(dataSource, 'tasks');
      const taskIndex = result.indexes.find((i) => i.serves.includes(list!.fingerprint))!;
      expect(taskIndex.table).toBe('tasks');
      expect(tasksIndexes).toContain(taskIndex.name);
      const after = await planOf(dataSource, list!.sql, params);
      expect(before).not.toContain(taskIndex.name);
      expect(after).toContain(taskIndex.name);
      await migration.down(runner);
      await migration.down(runner); // IF EXISTS: harmless
      expect(await indexNames(dataSource, 'tasks')).not.toContain(taskIndex.name);
      await migration.up(runner);
      expect(await indexNames(dataSource, 'tasks')).toContain(taskIndex.name);
      await migration.down(runner);
    } finally {
      await runner.release();
    }
  });

  it('runs through TypeORM with migrationsTransactionMode each', async () => {
    const Migration = loadMigrationClass(result.migration.source, dir);
    const other = new DataSource({
      type: 'postgres',
      url: (db.config as { url: string }).url,
      migrations: [Migration],
      migrationsTableName: 'advisor_migrations',
      migrationsTransactionMode: 'each',
    });
    await other.initialize();
    try {
      const ran = await other.runMigrations();
      expect(ran.map((m) => m.name)).toEqual([result.migration.className]);
      for (const index of result.indexes)
        expect(await indexNames(other, index.table)).toContain(index.name);
      // TypeORM's revert wraps every migration in a transaction unless told not to.
      await other.undoLastMigration({ transaction: 'none' });
      for (const index of result.indexes)
        expect(await indexNames(other, index.table)).not.toContain(index.name);
    } finally {
      await other.destroy();
    }
  });

  it('checks trigram GIN indexes for substring search only with --allow-real-what-if', async () => {
    const profiler = app.get(QueryProfilerService);
    profiler.reset();
    for (const q of ['espresso', 'launch', 'review', 'podcast', 'budget']) {
      await request(app.getHttpServer()).get(`/tasks/search?q=${q}`).expect(200);
    }
    const search = profiler.exportWorkload();
    const refused = await adviseIndexes({ dataSource, workload: search });
    expect(refused.indexes.filter((i) => i.method === 'gin')).toEqual([]);
    expect(refused.skipped).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          definition: expect.stringMatching(/^public\.tasks USING gin \(topic/),
          reason: expect.stringMatching(/--allow-real-what-if/),
        }),
      ]),
    );
    const real = await adviseIndexes({
      dataSource,
      workload: search,
      options: { allowRealWhatIf: true },
    });
    const gin = real.indexes.find((i) => i.method === 'gin');
    expect(gin).toMatchObject({
      table: 'tasks',
      opclass: 'gin_trgm_ops',
      columns: [{ name: 'topic' }],
    });
    expect(real.migration.source).toContain('CREATE EXTENSION IF NOT EXISTS pg_trgm');
    expect(real.migration.source).toMatch(/USING gin \("topic" gin_trgm_ops\)/);
    // The what-if index was rolled back: nothing is left behind.
    const left: { n: number }[] = await dataSource.query(
      `SELECT COUNT(*)::int AS n FROM pg_indexes WHERE indexdef ILIKE '%gin_trgm_ops%'`,
    );
    expect(left[0].n).toBe(0);
  });

  describe('the CLI', () => {
    let DATA_SOURCE: string;
    // A TypeScript DataSource file importing the sample's entities, as an app's data-source.ts for
    // the TypeORM CLI looks. Written per test with the URL inlined: the CLI loads it with Node's
    // own require, which does not see Jest's per-file process.env.
    const dataSourceFile = (url: string) => {
      const path = join(dir, `data-source-${Math.random().toString(36).slice(2)}.ts`);
      writeFileSync(
        path,
        [
          `import { DataSource } from ${JSON.stringify(require.resolve('typeorm'))};`,
          `import { ENTITIES } from ${JSON.stringify(join(__dirname, '..', 'apps', 'sample', 'src', 'entities'))};`,
          `export default new DataSource({ type: 'postgres', url: ${JSON.stringify(url)}, entities: ENTITIES });`,
        ].join('\n'),
      );
      return path;
    };
    let out: string[];
    let err: string[];
    const run = (...args: string[]) =>
      advisorCli(
        args,
        (m) => out.push(String(m)),
        (m) => err.push(String(m)),
      );
    const file = (name: string, content: unknown) => {
      const path = join(dir, name);
      writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
      return path;
    };

    beforeEach(() => {
      out = [];
      err = [];
      DATA_SOURCE = dataSourceFile((db.config as { url: string }).url);
    });

    it('writes the migration and the report', async () => {
      const migrations = join(dir, 'migrations');
      const report = join(dir, 'index-advice.md');
      const code = await run(
        '--data-source',
        DATA_SOURCE,
        '--workload',
        file('w.json', workload),
        '--out',
        migrations,
        '--report',
        report,
      );
      expect(err).toEqual([]);
      expect(code).toBe(0);
      const [written] = readdirSync(migrations);
      expect(written).toMatch(/^\d+-AddWorkloadIndexes\.ts$/);
      expect(readFileSync(join(migrations, written), 'utf8')).toMatch(
        /CREATE INDEX CONCURRENTLY IF NOT EXISTS/,
      );
      expect(readFileSync(report, 'utf8')).toContain('## Proposed indexes');
      expect(out.join('\n')).toMatch(/\d+ index\(es\) proposed/);
    });

    it('prints and writes nothing with --dry-run', async () => {
      const migrations = join(dir, 'dry');
      const code = await run(
        '-d',
        DATA_SOURCE,
        '-w',
        file('w.json', workload),
        '--out',
        migrations,
        '--report',
        join(dir, 'dry.md'),
        '--dry-run',
      );
      expect(code).toBe(0);
      expect(out.join('\n')).toContain('# Index advice');
      expect(out.join('\n')).toContain('implements MigrationInterface');
      expect(existsSync(migrations)).toBe(false);
      expect(existsSync(join(dir, 'dry.md'))).toBe(false);
    });

    it.each([
      [
        'a missing workload file',
        () => ['-w', join(dir, 'nope.json')],
        /--workload: cannot read .*nope\.json/,
      ],
      [
        'a missing data-source file',
        () => ['-d', join(dir, 'nope.ts')],
        /--data-source: .*nope\.ts does not exist/,
      ],
      [
        'a workload of another version',
        () => ['-w', file('v2.json', { ...workload, version: 2 })],
        /version/,
      ],
      ['a workload that is not JSON', () => ['-w', file('bad.json', '{ nope')], /is not JSON/],
      [
        'a workload reading an unknown table',
        () => [
          '-w',
          file('unknown.json', {
            version: 1,
            dialect: 'postgres',
            queries: [
              {
                fingerprint: '0123456789abcdef',
                sql: 'SELECT * FROM "no_such_table" WHERE "a" = $1',
                calls: 10,
                totalMs: 50,
                meanMs: 5,
              },
            ],
          }),
        ],
        /tables the database does not have: no_such_table/,
      ],
      [
        'a bad --min-improvement',
        () => ['--min-improvement', '2'],
        /--min-improvement must be a number between 0 and 1/,
      ],
    ])('ends with one clear message and writes nothing for %s', async (_, extra, message) => {
      const args = extra();
      const out1 = join(dir, 'never');
      const full = [
        ...(args.includes('-d') ? [] : ['-d', DATA_SOURCE]),
        ...(args.includes('-w') ? [] : ['-w', file('ok.json', workload)]),
        ...args,
        '--out',
        out1,
        '--report',
        join(dir, 'never.md'),
      ];
      const code = await run(...full);
      expect(code).toBeGreaterThan(0);
      expect(err).toHaveLength(1);
      expect(err[0]).toMatch(message);
      expect(err[0]).not.toMatch(/\n\s+at /); // a message, not a stack trace
      expect(existsSync(out1)).toBe(false);
      expect(existsSync(join(dir, 'never.md'))).toBe(false);
    });

    it('reads pg_stat_statements with --from-pg-stat-statements, or says how to enable it', async () => {
      const loaded = await dataSource
        .query(`SELECT 1 FROM pg_stat_statements LIMIT 1`)
        .then(() => true)
        .catch(() => false);
      const code = await run('-d', DATA_SOURCE, '--from-pg-stat-statements', '--dry-run');
      if (loaded) {
        expect(code).toBe(0);
        expect(out.join('\n')).toContain('# Index advice');
      } else {
        expect(code).toBe(1);
        expect(err).toEqual([
          expect.stringMatching(
            /pg_stat_statements is not available .*shared_preload_libraries.*CREATE EXTENSION pg_stat_statements/,
          ),
        ]);
      }
    });

    it('names the database it cannot reach', async () => {
      DATA_SOURCE = dataSourceFile('postgres://postgres@127.0.0.1:1/nowhere');
      const code = await run(
        '-d',
        DATA_SOURCE,
        '-w',
        file('ok.json', workload),
        '--out',
        join(dir, 'never'),
      );
      expect(code).toBe(1);
      expect(err).toEqual([
        expect.stringMatching(
          /cannot connect to the database of .*data-source-\w+\.ts: .*ECONNREFUSED/,
        ),
      ]);
    });
  });
});
