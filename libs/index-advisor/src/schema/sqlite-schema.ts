import type { SqlitePlanner } from '../validation/sqlite-planner';
import type { ExistingIndex, TableInfo } from './postgres-schema';

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The tables of a SQLite database, by `main.table`, with their indexes. @internal */
export async function readSqliteSchema(planner: SqlitePlanner): Promise<Map<string, TableInfo>> {
  const result = new Map<string, TableInfo>();
  const tables = await planner.query<{ name: string }>(
    `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`,
  );
  for (const { name } of tables) {
    const columns = await planner.query<{ name: string; pk: number }>(
      `PRAGMA table_info(${quote(name)})`,
    );
    const [{ n }] = await planner.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${quote(name)}`);
    const info: TableInfo = {
      schema: 'main',
      name,
      columns: columns.map((c) => c.name),
      wide: [],
      primaryKey: columns
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name),
      indexes: [],
      lowCardinality: [],
      rows: Number(n),
      writes: 0,
      reads: 0,
    };
    const list = await planner.query<{
      name: string;
      unique: number;
      origin: string;
      partial: number;
    }>(`PRAGMA index_list(${quote(name)})`);
    for (const ix of list) {
      const keys = await planner.query<{
        name: string | null;
        desc: number;
        key: number;
        seqno: number;
      }>(`PRAGMA index_xinfo(${quote(ix.name)})`);
      const existing: ExistingIndex = {
        name: ix.name,
        schema: 'main',
        table: name,
        method: 'btree',
        unique: ix.unique === 1,
        primary: ix.origin === 'pk',
        partial: ix.partial === 1,
        definition: ix.name,
        columns: keys
          .filter((k) => k.key === 1 && k.name !== null)
          .sort((a, b) => a.seqno - b.seqno)
          .map((k) => ({ name: k.name!, direction: k.desc === 1 ? 'DESC' : 'ASC' })),
      };
      info.indexes.push(existing);
    }
    // A rowid table's INTEGER PRIMARY KEY has no index of its own: record it as one.
    if (info.primaryKey.length > 0 && !info.indexes.some((i) => i.primary)) {
      info.indexes.push({
        name: `${name} primary key`,
        schema: 'main',
        table: name,
        method: 'btree',
        unique: true,
        primary: true,
        partial: false,
        definition: 'PRIMARY KEY',
        columns: info.primaryKey.map((c) => ({ name: c, direction: 'ASC' })),
      });
    }
    result.set(`main.${name}`, info);
  }
  return result;
}
