import type { ViewDefinition } from '../analysis/inline-views';
import type { PostgresPlanner } from '../validation/postgres-planner';

/** One index as the database has it. */
export interface ExistingIndex {
  name: string;
  schema: string;
  table: string;
  columns: { name: string; direction: 'ASC' | 'DESC' }[];
  method: string;
  unique: boolean;
  primary: boolean;
  partial: boolean;
  /** `pg_get_indexdef`, for the report. */
  definition: string;
}

/** One table: columns, primary key, indexes, and what the statistics say of it. */
export interface TableInfo {
  schema: string;
  name: string;
  columns: string[];
  primaryKey: string[];
  indexes: ExistingIndex[];
  /**
   * Columns too wide to copy into an index's INCLUDE (text, json, bytea, arrays, varchar over 64):
   * an index-only scan is not worth a second copy of them, and one large value can make
   * CREATE INDEX fail (btree rows are limited to ~2.7 kB).
   */
  wide: string[];
  /** Columns with few distinct values (pg_stats), candidates for partial indexes. */
  lowCardinality: string[];
  /** Estimated rows (pg_class.reltuples). */
  rows: number;
  /** Rows written vs rows read since the statistics were reset (pg_stat_user_tables). */
  writes: number;
  reads: number;
}

/** The tables of the database the advisor can index, by `schema.table`. @internal */
export async function readPostgresSchema(
  planner: PostgresPlanner,
): Promise<Map<string, TableInfo>> {
  const tables = await planner.query<{ schema: string; name: string; rows: number }>(
    `SELECT n.nspname AS schema, c.relname AS name, GREATEST(c.reltuples, 0)::float8 AS rows
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname NOT LIKE 'pg_toast%'`,
  );
  const result = new Map<string, TableInfo>();
  for (const t of tables) {
    result.set(`${t.schema}.${t.name}`, {
      schema: t.schema,
      name: t.name,
      columns: [],
      wide: [],
      primaryKey: [],
      indexes: [],
      lowCardinality: [],
      rows: Number(t.rows),
      writes: 0,
      reads: 0,
    });
  }
  const columns = await planner.query<{
    schema: string;
    table: string;
    column: string;
    type: string;
    length: number | null;
  }>(
    `SELECT table_schema AS schema, table_name AS table, column_name AS column,
            data_type AS type, character_maximum_length AS length
       FROM information_schema.columns ORDER BY ordinal_position`,
  );
  for (const c of columns) {
    const table = result.get(`${c.schema}.${c.table}`);
    if (!table) continue;
    table.columns.push(c.column);
    if (isWide(c.type, c.length)) table.wide.push(c.column);
  }

  const indexes = await planner.query<{
    schema: string;
    table: string;
    name: string;
    method: string;
    unique: boolean;
    primary: boolean;
    partial: boolean;
    definition: string;
    columns: string[];
    options: number[];
  }>(
    `SELECT n.nspname AS schema, t.relname AS table, i.relname AS name, am.amname AS method,
            ix.indisunique AS unique, ix.indisprimary AS primary, ix.indpred IS NOT NULL AS partial,
            pg_get_indexdef(ix.indexrelid) AS definition,
            ARRAY(SELECT pg_get_indexdef(ix.indexrelid, k, true)
                    FROM generate_series(1, ix.indnkeyatts) AS k ORDER BY k) AS columns,
            ARRAY(SELECT (ix.indoption::int2[])[k - 1]::int
                    FROM generate_series(1, ix.indnkeyatts) AS k ORDER BY k) AS options
       FROM pg_index ix
       JOIN pg_class i ON i.oid = ix.indexrelid
       JOIN pg_class t ON t.oid = ix.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       JOIN pg_am am ON am.oid = i.relam
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND ix.indisvalid`,
  );
  for (const ix of indexes) {
    const table = result.get(`${ix.schema}.${ix.table}`);
    if (!table) continue;
    const existing: ExistingIndex = {
      name: ix.name,
      schema: ix.schema,
      table: ix.table,
      method: ix.method,
      unique: ix.unique,
      primary: ix.primary,
      partial: ix.partial,
      definition: ix.definition,
      // pg_get_indexdef quotes identifiers that need it; the bare names are what we compare.
      columns: ix.columns.map((name, k) => ({
        name: name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name,
        direction: (Number(ix.options[k]) & 1) === 1 ? 'DESC' : 'ASC',
      })),
    };
    table.indexes.push(existing);
    if (ix.primary) table.primaryKey = existing.columns.map((c) => c.name);
  }

  const stats = await planner.query<{ schema: string; table: string; column: string; n: number }>(
    `SELECT schemaname AS schema, tablename AS table, attname AS column, n_distinct::float8 AS n
       FROM pg_stats WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`,
  );
  for (const s of stats) {
    // Positive n_distinct is a count; a handful of values (statuses, flags) suits a partial index.
    if (s.n > 0 && s.n <= 10) result.get(`${s.schema}.${s.table}`)?.lowCardinality.push(s.column);
  }
  const activity = await planner.query<{
    schema: string;
    table: string;
    writes: number;
    reads: number;
  }>(
    `SELECT schemaname AS schema, relname AS table,
            (n_tup_ins + n_tup_upd + n_tup_del)::float8 AS writes,
            (COALESCE(seq_tup_read, 0) + COALESCE(idx_tup_fetch, 0))::float8 AS reads
       FROM pg_stat_user_tables`,
  );
  for (const a of activity) {
    const table = result.get(`${a.schema}.${a.table}`);
    if (table) Object.assign(table, { writes: Number(a.writes), reads: Number(a.reads) });
  }
  return result;
}

const WIDE_TYPES = new Set([
  'text',
  'json',
  'jsonb',
  'bytea',
  'xml',
  'ARRAY',
  'USER-DEFINED',
  'tsvector',
]);

function isWide(type: string, length: number | null): boolean {
  if (WIDE_TYPES.has(type)) return true;
  if (type === 'character varying' || type === 'character') return length === null || length > 64;
  return false;
}

/** The database's views, so the analysis can see through them to their tables. @internal */
export async function readPostgresViews(planner: PostgresPlanner): Promise<ViewDefinition[]> {
  const rows = await planner.query<{ schema: string; name: string; definition: string }>(
    `SELECT schemaname AS schema, viewname AS name, definition FROM pg_views
      WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`,
  );
  return rows.map((r) => ({ ...r, definition: r.definition.trim().replace(/;\s*$/, '') }));
}
