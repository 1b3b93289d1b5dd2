import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import type { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { DataSource } from 'typeorm';
import { COLUMN_KINDS, generateDataset, TABLE_NAMES, TABLES } from './dataset';
import type { ColumnKind, Row, RowCounts, RowSink, TableName } from './dataset';
import { utcDateTime } from './utc';
import type { DatasetOptions } from './dataset';

const quote = (name: string) => `"${name}"`;
const columnList = (table: TableName) => TABLES[table].map(([c]) => quote(c)).join(', ');

type Log = (message: string) => void;

interface SchemaObject {
  kind: 'foreign key' | 'key' | 'index';
  create: string;
  drop: string;
}

/**
 * Postgres: one COPY stream per table, each on its own connection, fed by a single generator
 * pass. As the Postgres manual advises for bulk loads, the tables' indexes and constraints are
 * dropped for the load and rebuilt after it (a sorted build is several times faster than
 * ten million single-row index inserts, and it keeps indexes added later, e.g. by the index
 * advisor, from slowing reseeds). Each table is truncated and copied in one transaction with
 * FREEZE, so its rows need no vacuum pass before the first benchmark. If the load fails, every
 * table rolls back to its previous rows and the indexes and constraints are rebuilt on those.
 */
export async function seedPostgres(
  dataSource: DataSource,
  options: DatasetOptions,
  log: Log = () => undefined,
): Promise<RowCounts> {
  const pool = (dataSource.driver as unknown as { master: Pool }).master;
  const admin = await pool.connect();
  const loaders: PoolClient[] = [];
  let committed = false;
  let schema: SchemaObject[] = [];
  const phase = timer(log);
  try {
    schema = await schemaObjects(admin);
    await admin.query('BEGIN');
    for (const object of schema) await admin.query(object.drop);
    await admin.query('COMMIT');
    phase(`dropped ${schema.length} indexes and constraints`);

    const streams = {} as Record<TableName, Writable>;
    for (const table of TABLE_NAMES) {
      const client = await pool.connect();
      loaders.push(client);
      await client.query('BEGIN');
      await client.query('SET LOCAL synchronous_commit = off');
      await client.query(`TRUNCATE ${quote(table)} RESTART IDENTITY`);
      streams[table] = client.query(
        copyFrom(`COPY ${quote(table)} (${columnList(table)}) FROM STDIN WITH (FREEZE)`),
      );
    }
    const sink = new CopySink(streams);
    const counts = await generateDataset(options, sink);
    await sink.end();
    for (const client of loaders) await client.query('COMMIT');
    committed = true;
    phase(`copied ${Object.values(counts).reduce((a, b) => a + b, 0)} rows`);

    // Tables with integer ids have a sequence to move past the seeded ids.
    for (const table of TABLE_NAMES.filter((t) => COLUMN_KINDS[t][0] === 'int')) {
      await admin.query(
        `SELECT setval(pg_get_serial_sequence($1, 'id'), GREATEST(MAX(id), 1), MAX(id) IS NOT NULL) FROM ${quote(table)}`,
        [table],
      );
    }
    return counts;
  } catch (error) {
    await admin.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    if (!committed) {
      for (const client of loaders) await client.query('ROLLBACK').catch(() => undefined);
    }
    for (const client of loaders) client.release();
    // Keys and indexes first (foreign keys need the keys they reference), two at a time.
    await inParallel(
      pool,
      schema.filter((o) => o.kind !== 'foreign key').map((o) => o.create),
    );
    phase('rebuilt keys and indexes');
    await inParallel(
      pool,
      schema.filter((o) => o.kind === 'foreign key').map((o) => o.create),
    );
    phase('re-added and validated foreign keys');
    await admin.query(`ANALYZE ${TABLE_NAMES.map(quote).join(', ')}`);
    phase('analyzed');
    admin.release();
  }
}

/** Every index and constraint of the seeded tables, with the SQL to drop and re-create it. */
async function schemaObjects(client: PoolClient): Promise<SchemaObject[]> {
  const { rows: constraints } = await client.query<{
    table: string;
    name: string;
    type: string;
    def: string;
  }>(
    `SELECT conrelid::regclass::text AS "table", conname AS name, contype AS type,
            pg_get_constraintdef(oid) AS def
       FROM pg_constraint
      WHERE conrelid = ANY($1::regclass[]) AND contype IN ('p', 'u', 'f')
      ORDER BY contype = 'f' DESC, conname`,
    [TABLE_NAMES],
  );
  const { rows: indexes } = await client.query<{ table: string; name: string; def: string }>(
    `SELECT i.indrelid::regclass::text AS "table", i.indexrelid::regclass::text AS name,
            pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i
      WHERE i.indrelid = ANY($1::regclass[])
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                         WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))
      ORDER BY 2`,
    [TABLE_NAMES],
  );
  const foreignKeys = constraints.filter((c) => c.type === 'f');
  const keys = constraints.filter((c) => c.type !== 'f');
  const constraint = (
    c: (typeof constraints)[number],
    kind: SchemaObject['kind'],
  ): SchemaObject => ({
    kind,
    drop: `ALTER TABLE ${c.table} DROP CONSTRAINT ${quote(c.name)}`,
    create: `ALTER TABLE ${c.table} ADD CONSTRAINT ${quote(c.name)} ${c.def}`,
  });
  // Drop order: foreign keys, then plain indexes, then the keys the foreign keys referenced.
  return [
    ...foreignKeys.map((c) => constraint(c, 'foreign key')),
    ...indexes.map((i) => ({
      kind: 'index' as const,
      drop: `DROP INDEX ${i.name}`,
      create: i.def,
    })),
    ...keys.map((c) => constraint(c, 'key')),
  ];
}

/** Runs statements two at a time (one per core here), each on its own pooled connection. */
async function inParallel(pool: Pool, statements: string[]): Promise<void> {
  const queue = [...statements];
  const worker = async () => {
    for (let sql = queue.shift(); sql; sql = queue.shift()) {
      const client = await pool.connect();
      try {
        await client.query(`SET maintenance_work_mem = '256MB'`);
        await client.query(sql);
      } finally {
        client.release();
      }
    }
  };
  await Promise.all([worker(), worker()]);
}

function timer(log: Log): (what: string) => void {
  let last = performance.now();
  return (what) => {
    const now = performance.now();
    log(`  ${what} (${((now - last) / 1000).toFixed(1)} s)`);
    last = now;
  };
}

const CHUNK = 1 << 20;

/**
 * Encodes rows as COPY text straight into a 1 MiB buffer per table, handed to the stream when
 * full. Building a string per row and joining them cost four times as much CPU (mostly
 * garbage collection), which made Node, not Postgres, the bottleneck of a million-task seed.
 */
export class CopySink implements RowSink {
  private readonly buffers = new Map<TableName, { data: Buffer; used: number }>(
    TABLE_NAMES.map((t) => [t, { data: Buffer.allocUnsafe(CHUNK), used: 0 }]),
  );
  private error: unknown;

  constructor(private readonly streams: Record<TableName, Writable>) {
    for (const stream of Object.values(streams)) stream.on('error', (e) => (this.error ??= e));
  }

  write(table: TableName, row: Row): void {
    const kinds = COLUMN_KINDS[table];
    let text = '';
    for (let i = 0; i < row.length; i++) {
      const value = row[i];
      const kind = kinds[i];
      const field =
        value === null
          ? '\\N'
          : kind === 'int' || kind === 'code'
            ? String(value)
            : kind === 'time'
              ? utcDateTime(value as number) + '+00'
              : copyText(value as string);
      text = i === 0 ? field : text + '\t' + field;
    }
    text += '\n';
    let buffer = this.buffers.get(table)!;
    // At most 3 bytes per UTF-16 unit; make room before writing.
    if (buffer.used + text.length * 3 > buffer.data.length) {
      this.send(table);
      buffer = this.buffers.get(table)!;
      if (text.length * 3 > buffer.data.length) buffer.data = Buffer.allocUnsafe(text.length * 3);
    }
    buffer.used += buffer.data.write(text, buffer.used);
  }

  async flush(): Promise<void> {
    if (this.error) throw this.error;
    // Let Postgres fall behind by a few MB before waiting, so generating and copying overlap.
    const waiting = TABLE_NAMES.filter((t) => this.streams[t].writableLength > 8 << 20);
    await Promise.all(waiting.map((t) => once(this.streams[t], 'drain')));
    if (this.error) throw this.error;
  }

  async end(): Promise<void> {
    for (const table of TABLE_NAMES) {
      this.send(table);
      this.streams[table].end();
    }
    await Promise.all(TABLE_NAMES.map((t) => finished(this.streams[t])));
  }

  private send(table: TableName): void {
    const buffer = this.buffers.get(table)!;
    if (buffer.used > 0) this.streams[table].write(buffer.data.subarray(0, buffer.used));
    this.buffers.set(table, { data: Buffer.allocUnsafe(CHUNK), used: 0 });
  }
}

const COPY_SPECIAL = /[\\\t\n\r]/;

/** Escapes a value for COPY's text format (backslash, tab, newline, carriage return). */
function copyText(value: string): string {
  if (!COPY_SPECIAL.test(value)) return value;
  return value.replace(
    /[\\\t\n\r]/g,
    (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!,
  );
}

/** SQLite: prepared INSERTs in one transaction; on any error nothing changes. */
export async function seedSqlite(
  dataSource: DataSource,
  options: DatasetOptions,
): Promise<RowCounts> {
  const db = (dataSource.driver as unknown as { databaseConnection: SqliteDatabase })
    .databaseConnection;
  const statements = Object.fromEntries(
    TABLE_NAMES.map((t) => [
      t,
      db.prepare(
        `INSERT INTO ${quote(t)} (${columnList(t)}) VALUES (${TABLES[t].map(() => '?').join(', ')})`,
      ),
    ]),
  );
  db.exec('BEGIN IMMEDIATE');
  try {
    for (const table of [...TABLE_NAMES].reverse()) db.exec(`DELETE FROM ${quote(table)}`);
    db.exec(
      `DELETE FROM sqlite_sequence WHERE name IN (${TABLE_NAMES.map((t) => `'${t}'`).join(', ')})`,
    );
    const counts = await generateDataset(options, {
      write(table, row) {
        statements[table].run(row.map((value, i) => sqlValue(value, COLUMN_KINDS[table][i])));
      },
      flush() {},
    });
    db.exec('COMMIT');
    return counts;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}

/** MySQL/MariaDB: multi-row INSERTs of 500 rows inside one transaction. */
export async function seedMysql(
  dataSource: DataSource,
  options: DatasetOptions,
): Promise<RowCounts> {
  const runner = dataSource.createQueryRunner();
  const pending = new Map<TableName, unknown[][]>(TABLE_NAMES.map((t) => [t, []]));
  const insert = async (table: TableName) => {
    const rows = pending.get(table)!;
    if (rows.length === 0) return;
    pending.set(table, []);
    const placeholders = `(${TABLES[table].map(() => '?').join(', ')})`;
    await runner.query(
      `INSERT INTO \`${table}\` (${TABLES[table].map(([c]) => `\`${c}\``).join(', ')}) VALUES ${rows.map(() => placeholders).join(', ')}`,
      rows.flat(),
    );
  };
  try {
    await runner.startTransaction();
    for (const table of [...TABLE_NAMES].reverse()) await runner.query(`DELETE FROM \`${table}\``);
    const counts = await generateDataset(options, {
      write(table, row) {
        pending.get(table)!.push(row.map((value, i) => sqlValue(value, COLUMN_KINDS[table][i])));
      },
      async flush() {
        for (const table of TABLE_NAMES) if (pending.get(table)!.length >= 500) await insert(table);
      },
    });
    for (const table of TABLE_NAMES) await insert(table);
    await runner.commitTransaction();
    return counts;
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    throw error;
  } finally {
    await runner.release();
  }
}

/** SQLite/MySQL encoding: times as UTC 'YYYY-MM-DD HH:MM:SS.SSS', the rest as is. */
function sqlValue(value: Row[number], kind: ColumnKind): string | number | null {
  return kind === 'time' && value !== null ? utcDateTime(value as number) : value;
}
