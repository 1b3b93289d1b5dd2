import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import type { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { DataSource } from 'typeorm';
import { generateDataset, Row, RowCounts, RowSink, TABLE_NAMES, TABLES, TableName } from './dataset';
import type { DatasetOptions } from './dataset';

const quote = (name: string) => `"${name}"`;
const columnList = (table: TableName) => TABLES[table].map(([c]) => quote(c)).join(', ');

/**
 * Postgres: one COPY stream per table, on its own connection, fed by a single generator pass.
 * Foreign keys are dropped for the load and re-added (and so validated in one scan each) after,
 * as the Postgres manual advises for bulk loads; each table is truncated and copied in one
 * transaction with FREEZE, so the rows need no vacuum pass before the first benchmark.
 */
export async function seedPostgres(dataSource: DataSource, options: DatasetOptions): Promise<RowCounts> {
  const pool = (dataSource.driver as unknown as { master: Pool }).master;
  const admin = await pool.connect();
  const loaders: PoolClient[] = [];
  let committed = false;
  const { rows: foreignKeys } = await admin.query<{ table: string; name: string; def: string }>(
    `SELECT conrelid::regclass::text AS "table", conname AS name, pg_get_constraintdef(oid) AS def
       FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY($1::regclass[])`,
    [TABLE_NAMES],
  );
  try {
    for (const fk of foreignKeys) {
      await admin.query(`ALTER TABLE ${fk.table} DROP CONSTRAINT ${quote(fk.name)}`);
    }
    const streams = {} as Record<TableName, Writable>;
    for (const table of TABLE_NAMES) {
      const client = await pool.connect();
      loaders.push(client);
      await client.query('BEGIN');
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

    for (const table of ['users', 'conversations', 'scripts', 'storyboards', 'resources']) {
      await admin.query(
        `SELECT setval(pg_get_serial_sequence($1, 'id'), GREATEST(MAX(id), 1), MAX(id) IS NOT NULL) FROM ${quote(table)}`,
        [table],
      );
    }
    return counts;
  } finally {
    if (!committed) {
      for (const client of loaders) await client.query('ROLLBACK').catch(() => undefined);
    }
    for (const client of loaders) client.release();
    // Re-adding validates every row; two at a time keeps both cores busy.
    await runTwoAtATime(foreignKeys, pool, (fk) => `ALTER TABLE ${fk.table} ADD CONSTRAINT ${quote(fk.name)} ${fk.def}`);
    await admin.query(`ANALYZE ${TABLE_NAMES.map(quote).join(', ')}`);
    admin.release();
  }
}

async function runTwoAtATime<T>(items: T[], pool: Pool, sql: (item: T) => string): Promise<void> {
  const queue = [...items];
  const worker = async () => {
    for (let item = queue.shift(); item; item = queue.shift()) await pool.query(sql(item));
  };
  await Promise.all([worker(), worker()]);
}

class CopySink implements RowSink {
  private readonly buffers = new Map<TableName, string>(TABLE_NAMES.map((t) => [t, '']));
  private readonly kinds = Object.fromEntries(
    TABLE_NAMES.map((t) => [t, TABLES[t].map(([, kind]) => kind)]),
  ) as Record<TableName, string[]>;
  private error: unknown;

  constructor(private readonly streams: Record<TableName, Writable>) {
    for (const stream of Object.values(streams)) stream.on('error', (e) => (this.error ??= e));
  }

  write(table: TableName, row: Row): void {
    const kinds = this.kinds[table];
    let line = '';
    for (let i = 0; i < row.length; i++) {
      const value = row[i];
      if (i > 0) line += '\t';
      if (value === null) line += '\\N';
      else if (kinds[i] === 'int') line += value;
      else if (kinds[i] === 'time') line += new Date(value as number).toISOString();
      else if (kinds[i] === 'json') line += copyText(JSON.stringify(value));
      else line += copyText(value as string);
    }
    const buffer = this.buffers.get(table)! + line + '\n';
    if (buffer.length >= 1 << 16) {
      this.streams[table].write(buffer);
      this.buffers.set(table, '');
    } else {
      this.buffers.set(table, buffer);
    }
  }

  async flush(): Promise<void> {
    if (this.error) throw this.error;
    const waiting = TABLE_NAMES.filter((t) => this.streams[t].writableNeedDrain);
    await Promise.all(waiting.map((t) => once(this.streams[t], 'drain')));
    if (this.error) throw this.error;
  }

  async end(): Promise<void> {
    for (const table of TABLE_NAMES) this.streams[table].end(this.buffers.get(table)!);
    await Promise.all(TABLE_NAMES.map((t) => finished(this.streams[t])));
  }
}

/** Escapes a value for COPY's text format. */
function copyText(value: string): string {
  return /[\\\t\n\r]/.test(value)
    ? value.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!)
    : value;
}

/** SQLite: prepared INSERTs in one transaction; on any error nothing changes. */
export async function seedSqlite(dataSource: DataSource, options: DatasetOptions): Promise<RowCounts> {
  const db = (dataSource.driver as unknown as { databaseConnection: SqliteDatabase }).databaseConnection;
  const statements = Object.fromEntries(
    TABLE_NAMES.map((t) => [
      t,
      db.prepare(`INSERT INTO ${quote(t)} (${columnList(t)}) VALUES (${TABLES[t].map(() => '?').join(', ')})`),
    ]),
  );
  const kinds = Object.fromEntries(TABLE_NAMES.map((t) => [t, TABLES[t].map(([, k]) => k)]));
  db.exec('BEGIN IMMEDIATE');
  try {
    for (const table of [...TABLE_NAMES].reverse()) db.exec(`DELETE FROM ${quote(table)}`);
    db.exec(`DELETE FROM sqlite_sequence WHERE name IN (${TABLE_NAMES.map((t) => `'${t}'`).join(', ')})`);
    const counts = await generateDataset(options, {
      write(table, row) {
        statements[table].run(row.map((value, i) => sqlValue(value, kinds[table][i])));
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
export async function seedMysql(dataSource: DataSource, options: DatasetOptions): Promise<RowCounts> {
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
        pending.get(table)!.push(row.map((value, i) => sqlValue(value, TABLES[table][i][1])));
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

/** SQLite/MySQL encoding: UTC 'YYYY-MM-DD HH:MM:SS.SSS' times, JSON as text. */
function sqlValue(value: Row[number], kind: string): string | number | null {
  if (value === null) return null;
  if (kind === 'time') return new Date(value as number).toISOString().replace('T', ' ').slice(0, 23);
  if (kind === 'json') return JSON.stringify(value);
  return value as string | number;
}
