import { quoteIdent } from '../analysis/index-name';

/** The SQL dialects the advisor writes migrations for. */
export type MigrationDialect = 'postgres' | 'sqlite';

/** One index the advisor proposes, named. */
export interface PlannedIndex {
  /** Deterministic name, at most 63 bytes (see `indexName`). */
  name: string;
  table: string;
  schema?: string;
  columns: { name: string; direction: 'ASC' | 'DESC' }[];
  /** Postgres `INCLUDE` columns (index-only scans). */
  include?: string[];
  /** Partial index predicate, SQL with quoted identifiers. */
  where?: string;
  method: 'btree' | 'gin';
  opclass?: 'gin_trgm_ops';
}

function tableRef(index: PlannedIndex, dialect: MigrationDialect): string {
  const table = quoteIdent(index.table, dialect);
  return index.schema && dialect === 'postgres'
    ? `${quoteIdent(index.schema, dialect)}.${table}`
    : table;
}

/**
 * `CREATE INDEX ...` for one index: idempotent (`IF NOT EXISTS`), every identifier quoted; on
 * Postgres `CONCURRENTLY` unless `concurrently: false` (writes keep flowing while it builds).
 * `anonymous: true` leaves out the name (and so `IF NOT EXISTS`), as hypopg wants it.
 */
export function createIndexSql(
  index: PlannedIndex,
  dialect: MigrationDialect,
  { concurrently = true, anonymous = false }: { concurrently?: boolean; anonymous?: boolean } = {},
): string {
  if (dialect === 'sqlite' && (index.method !== 'btree' || index.include?.length)) {
    throw new Error(
      `SQLite has no ${index.method === 'gin' ? 'GIN' : 'INCLUDE'} indexes (${index.name})`,
    );
  }
  const columns = index.columns
    .map((c) => {
      const name = quoteIdent(c.name, dialect);
      if (index.opclass) return `${name} ${index.opclass}`;
      return c.direction === 'DESC' ? `${name} DESC` : name;
    })
    .join(', ');
  const parts = [
    `CREATE INDEX${dialect === 'postgres' && concurrently ? ' CONCURRENTLY' : ''}`,
    ...(anonymous ? [] : ['IF NOT EXISTS', quoteIdent(index.name, dialect)]),
    `ON ${tableRef(index, dialect)}`,
    ...(dialect === 'postgres' && index.method !== 'btree' ? [`USING ${index.method}`] : []),
    `(${columns})`,
    ...(index.include?.length
      ? [`INCLUDE (${index.include.map((c) => quoteIdent(c, dialect)).join(', ')})`]
      : []),
    ...(index.where ? [`WHERE ${index.where}`] : []),
  ];
  return parts.join(' ');
}

/** `DROP INDEX ... IF EXISTS` reversing {@link createIndexSql}. */
export function dropIndexSql(
  index: PlannedIndex,
  dialect: MigrationDialect,
  { concurrently = true }: { concurrently?: boolean } = {},
): string {
  const name = quoteIdent(index.name, dialect);
  if (dialect === 'sqlite') return `DROP INDEX IF EXISTS ${name}`;
  const qualified = index.schema ? `${quoteIdent(index.schema, dialect)}.${name}` : name;
  return `DROP INDEX${concurrently ? ' CONCURRENTLY' : ''} IF EXISTS ${qualified}`;
}
