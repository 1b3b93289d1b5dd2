import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { adviseIndexes } from '@nest-perf/index-advisor';
import { QueryProfilerService } from '@nest-perf/profiler';
import request from 'supertest';
import { Column, DataSource, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { scratchDatabase, ScratchDatabase } from './support/databases';
import { loadMigrationClass } from './support/migrations';
import { bootSampleApp } from './support/sample-app';

describe('index advisor on SQLite (sample workload)', () => {
  let db: ScratchDatabase;
  let app: INestApplication;
  let dataSource: DataSource;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nest-perf-advisor-sqlite-'));
    db = await scratchDatabase('sqlite');
    ({ app, dataSource } = await bootSampleApp(db.config, { users: 200, tasks: 20_000, seed: 5 }));
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('proposes the composite index for the task list, and the migration makes SQLite use it', async () => {
    const http = () => request(app.getHttpServer());
    const profiler = app.get(QueryProfilerService);
    profiler.reset();
    for (const user of [3, 17, 42, 77, 120]) {
      await http().get(`/users/${user}/tasks?status=completed`).expect(200);
      await http().get(`/users/${user}/conversations`).expect(200);
    }
    const workload = profiler.exportWorkload('sqlite');
    const result = await adviseIndexes({ dataSource, workload });
    const list = workload.queries.find(
      (q) => /"Task"."status" = \?/.test(q.sql) && /ORDER BY/.test(q.sql),
    )!;
    const index = result.indexes.find((i) => i.serves.includes(list.fingerprint));
    expect(index).toMatchObject({ table: 'tasks', method: 'btree' });
    expect(index!.columns.map((c) => c.name).slice(0, 3)).toEqual([
      'user_id',
      'status',
      'created_at',
    ]);
    expect(index!.columns[2].direction).toBe('DESC');
    expect(index!.include).toBeUndefined(); // SQLite has no INCLUDE
    expect(result.migration.source).not.toContain('CONCURRENTLY');
    expect(result.migration.source).not.toContain('transaction = false');

    const explain = async () =>
      (
        (await dataSource.query(
          `EXPLAIN QUERY PLAN ${list.sql}`,
          (list.sql.match(/\?/g) ?? []).map(() => null),
        )) as { detail: string }[]
      )
        .map((r) => r.detail)
        .join(' | ');
    expect(await explain()).not.toContain(index!.name);
    const migration = new (loadMigrationClass(result.migration.source, dir))();
    const runner = dataSource.createQueryRunner();
    try {
      await migration.up(runner);
      await migration.up(runner);
      expect(await explain()).toContain(index!.name);
      await migration.down(runner);
      await migration.down(runner);
      expect(await explain()).not.toContain(index!.name);
    } finally {
      await runner.release();
    }
  });
});

describe('index advisor on Postgres: quoting, names, and TypeORM synchronize', () => {
  let db: ScratchDatabase;
  let dataSource: DataSource;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nest-perf-advisor-pg-'));
    db = await scratchDatabase('postgres');
    dataSource = new DataSource({ type: 'postgres', url: (db.config as { url: string }).url });
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('quotes mixed-case schemas, tables and columns and keeps names within 63 bytes', async () => {
    await dataSource.query(`CREATE SCHEMA "Sales"`);
    await dataSource.query(
      `CREATE TABLE "Sales"."UserAccountsWithAVeryLongDescriptiveName" ("accountId" serial PRIMARY KEY,
         "ownerId" int NOT NULL, "Status" text NOT NULL, "createdAt" timestamptz NOT NULL, "note" text)`,
    );
    await dataSource.query(
      `INSERT INTO "Sales"."UserAccountsWithAVeryLongDescriptiveName" ("ownerId", "Status", "createdAt", "note")
       SELECT i % 500, CASE WHEN i % 3 = 0 THEN 'open' ELSE 'closed' END, now() - i * interval '1 minute', 'n' || i
         FROM generate_series(1, 50000) AS i`,
    );
    await dataSource.query(`ANALYZE "Sales"."UserAccountsWithAVeryLongDescriptiveName"`);
    const sql = `SELECT "a"."accountId", "a"."createdAt" FROM "Sales"."UserAccountsWithAVeryLongDescriptiveName" "a" WHERE "a"."ownerId" = $1 ORDER BY "a"."createdAt" DESC LIMIT 20`;
    const result = await adviseIndexes({
      dataSource,
      workload: {
        version: 1,
        dialect: 'postgres',
        queries: [{ fingerprint: '00000000000000aa', sql, calls: 100, totalMs: 900, meanMs: 9 }],
      },
    });
    expect(result.indexes).toHaveLength(1);
    const [index] = result.indexes;
    expect(index).toMatchObject({
      schema: 'Sales',
      table: 'UserAccountsWithAVeryLongDescriptiveName',
    });
    expect(index.columns.slice(0, 2)).toEqual([
      { name: 'ownerId', direction: 'ASC' },
      { name: 'createdAt', direction: 'DESC' },
    ]);
    expect(Buffer.byteLength(index.name)).toBeLessThanOrEqual(63);
    expect(result.migration.source).toContain(
      `ON "Sales"."UserAccountsWithAVeryLongDescriptiveName" ("ownerId", "createdAt" DESC`,
    );
    const migration = new (loadMigrationClass(result.migration.source, dir))();
    const runner = dataSource.createQueryRunner();
    try {
      await migration.up(runner);
      const rows: { indexname: string }[] = await dataSource.query(
        `SELECT indexname FROM pg_indexes WHERE schemaname = 'Sales'`,
      );
      expect(rows.map((r) => r.indexname)).toContain(index.name);
      const plan: { 'QUERY PLAN': string }[] = await dataSource.query(`EXPLAIN ${sql}`, [7]);
      expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toContain(index.name);
      await migration.down(runner);
      const after: { indexname: string }[] = await dataSource.query(
        `SELECT indexname FROM pg_indexes WHERE schemaname = 'Sales'`,
      );
      expect(after.map((r) => r.indexname)).not.toContain(index.name);
    } finally {
      await runner.release();
    }
  });

  it('sees through views to their tables', async () => {
    await dataSource.query(
      `CREATE TABLE events (id serial PRIMARY KEY, device_id int NOT NULL, kind text NOT NULL, at timestamptz NOT NULL)`,
    );
    await dataSource.query(
      `INSERT INTO events (device_id, kind, at)
       SELECT i % 2000, 'k' || (i % 7), now() - i * interval '1 second' FROM generate_series(1, 60000) AS i`,
    );
    await dataSource.query('ANALYZE events');
    await dataSource.query(
      `CREATE VIEW recent_events AS SELECT id, device_id, at FROM events WHERE kind <> 'debug'`,
    );
    const sql = `SELECT "r"."id" FROM "recent_events" "r" WHERE "r"."device_id" = $1 ORDER BY "r"."at" DESC LIMIT 10`;
    const result = await adviseIndexes({
      dataSource,
      workload: {
        version: 1,
        dialect: 'postgres',
        queries: [{ fingerprint: '00000000000000cc', sql, calls: 40, totalMs: 400, meanMs: 10 }],
      },
    });
    expect(result.indexes).toEqual([
      expect.objectContaining({
        table: 'events',
        columns: [
          { name: 'device_id', direction: 'ASC' },
          { name: 'at', direction: 'DESC' },
        ],
      }),
    ]);
    expect(result.queries[0].uses).toEqual([result.indexes[0].name]);
  });

  it('keeps its index through synchronize once the suggested @Index line is on the entity', async () => {
    @Entity('ledger_entries')
    class LedgerEntry {
      @PrimaryGeneratedColumn() id: number;
      @Column({ name: 'account_id' }) accountId: number;
      @Column({ name: 'booked_at', type: 'timestamptz' }) bookedAt: Date;
      @Column() amount: number;
    }
    const url = (db.config as { url: string }).url;
    const first = new DataSource({
      type: 'postgres',
      url,
      entities: [LedgerEntry],
      synchronize: true,
    });
    await first.initialize();
    await first.query(
      `INSERT INTO ledger_entries (account_id, booked_at, amount)
       SELECT i % 1000, now() - i * interval '1 second', i FROM generate_series(1, 50000) AS i`,
    );
    await first.query('ANALYZE ledger_entries');
    const sql = `SELECT "e"."id", "e"."amount" FROM "ledger_entries" "e" WHERE "e"."account_id" = $1 ORDER BY "e"."booked_at" DESC LIMIT 50`;
    const result = await adviseIndexes({
      dataSource: first,
      workload: {
        version: 1,
        dialect: 'postgres',
        queries: [{ fingerprint: '00000000000000bb', sql, calls: 50, totalMs: 500, meanMs: 10 }],
      },
    });
    const [index] = result.indexes;
    expect(index.entityDecorator).toBe(
      `@Index('${index.name}', { synchronize: false }) // on class LedgerEntry`,
    );
    const runner = first.createQueryRunner();
    await new (loadMigrationClass(result.migration.source, dir))().up(runner);
    await runner.release();

    // Without the line, TypeORM's schema sync would drop the index it does not know.
    const plain = await first.driver.createSchemaBuilder().log();
    expect(plain.upQueries.map((q) => q.query).join('\n')).toContain(
      `DROP INDEX "public"."${index.name}"`,
    );
    await first.destroy();

    // With it (as the report prints it), sync and migration:generate leave the index alone.
    Index(index.name, { synchronize: false })(LedgerEntry);
    const second = new DataSource({ type: 'postgres', url, entities: [LedgerEntry] });
    await second.initialize();
    try {
      const log = await second.driver.createSchemaBuilder().log();
      expect(log.upQueries.map((q) => q.query).join('\n')).not.toContain(index.name);
      await second.synchronize();
      const rows: { indexname: string }[] = await second.query(
        `SELECT indexname FROM pg_indexes WHERE tablename = 'ledger_entries'`,
      );
      expect(rows.map((r) => r.indexname)).toContain(index.name);
    } finally {
      await second.destroy();
    }
  });
});
