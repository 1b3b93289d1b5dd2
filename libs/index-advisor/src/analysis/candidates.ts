import { quoteIdent } from './index-name';
import type { SqlDialect, TableAccess } from './sql-analysis';

/** One key column of a proposed index. */
export interface IndexColumn {
  name: string;
  direction: 'ASC' | 'DESC';
}

/**
 * A proposed index, not yet validated: the planner (hypopg) decides whether it is used.
 *
 * @example
 * { table: 'tasks', method: 'btree',
 *   columns: [{ name: 'user_id', direction: 'ASC' }, { name: 'status', direction: 'ASC' },
 *             { name: 'created_at', direction: 'DESC' }],
 *   reason: 'equality on user_id, status; sort by created_at DESC (no sort step); 120 calls, 84.2 ms total' }
 */
export interface IndexCandidate {
  table: string;
  schema?: string;
  columns: IndexColumn[];
  /** Non-key columns stored in the index (Postgres `INCLUDE`) for index-only scans. */
  include?: string[];
  /** Partial index predicate, already quoted SQL, e.g. `"archived_at" IS NULL`. */
  where?: string;
  method: 'btree' | 'gin';
  /** `gin_trgm_ops` (pg_trgm extension) for substring search. */
  opclass?: 'gin_trgm_ops';
  /** Why this index, in words, with the statement's weight in the workload. */
  reason: string;
}

/** How much a statement weighs in the workload (from the workload file). */
export interface CandidateStats {
  calls: number;
  totalMs: number;
}

/** What is known about the table, from the database catalog or the TypeORM metadata. */
export interface TableSchemaInfo {
  /** All columns; when non-empty, columns outside it are ignored. */
  columns: string[];
  primaryKey: string[];
  /** Columns with few distinct values (status, type, booleans): partial-index material. */
  lowCardinality?: string[];
}

/** Options of {@link candidateIndexes}. */
export interface CandidateOptions {
  /** Target database: INCLUDE and GIN are Postgres-only, partial indexes not on MySQL. Default `'postgres'`. */
  dialect?: SqlDialect;
}

/** Most key columns in one proposed index. */
export const MAX_INDEX_COLUMNS = 4;

/** Most INCLUDE columns: beyond that the index is a second copy of the table. */
const MAX_INCLUDE_COLUMNS = 4;

/** Without schema information the TypeORM convention is assumed: the primary key is `id`. */
const DEFAULT_PRIMARY_KEY = ['id'];

/**
 * Proposes indexes for one table access of one statement:
 * - a composite btree: equality columns (IN-list columns after them), then the GROUP BY
 *   columns, or else the ORDER BY columns with their directions, exactly as written, when only
 *   equalities precede them (or the sort starts with the one IN-list column), so the sort step
 *   disappears; then at most one range column; at most {@link MAX_INDEX_COLUMNS} columns.
 *   High-cardinality equality columns lead. A constant equality on a low-cardinality (or
 *   boolean) column and `IS [NOT] NULL` tests become the partial-index `where` when other key
 *   columns remain (not on MySQL); on Postgres, up to 4 further columns the statement reads are
 *   INCLUDEd when it has a LIMIT or equality keys (index-only scan).
 * `stats` only feeds the reason; `schema` (catalog or TypeORM metadata) filters unknown columns,
 * names the primary key (default `['id']`) and the low-cardinality columns.
 * - when the sort took the place of a range column, the same equalities followed by the range
 *   column (seek on the range, sort afterwards): the planner picks.
 * - a trigram GIN index per substring-searched column (Postgres).
 * - a single-column index per join key (the foreign-key side).
 * Nothing equal to, or a prefix of, the primary key; nothing when the primary key is fully
 * fixed by equalities. Deterministic order: composite, range variant, GIN, join keys.
 *
 * @example
 * candidateIndexes(analyzeStatement(sql, 'postgres').tables[0], { calls: 120, totalMs: 84.2 },
 *   { columns: ['id', 'user_id', 'status', 'created_at'], primaryKey: ['id'] });
 */
export function candidateIndexes(
  access: TableAccess,
  stats: CandidateStats,
  schema?: TableSchemaInfo,
  options: CandidateOptions = {},
): IndexCandidate[] {
  const dialect = options.dialect ?? 'postgres';
  const known = schema && schema.columns.length > 0 ? new Set(schema.columns) : undefined;
  const ok = (c: string) => !known || known.has(c);
  const pk = schema ? schema.primaryKey : DEFAULT_PRIMARY_KEY;
  const lowCardinality = new Set(schema?.lowCardinality ?? []);
  const weight = `${stats.calls} calls, ${round(stats.totalMs)} ms total`;
  const base = {
    table: access.table,
    ...(access.schema !== undefined ? { schema: access.schema } : {}),
  };

  const equality = access.equality.filter(ok);
  const inList = access.inList.filter((c) => ok(c) && !equality.includes(c));
  const keyed = new Set([...equality, ...inList]);
  const range = access.range.filter((c) => ok(c) && !keyed.has(c));
  const order = orderColumns(access.orderBy, ok).filter((o) => !equality.includes(o.name));
  const groupBy = access.groupBy.filter((c) => ok(c) && !keyed.has(c));
  const pkFixed = pk.length > 0 && pk.every((c) => keyed.has(c));

  // Constant predicates that can move into a partial-index predicate.
  const partial: { column: string; sql: string }[] = [];
  if (dialect !== 'mysql') {
    for (const n of access.nullChecks.filter((x) => ok(x.column))) {
      const sql = `${quoteIdent(n.column, dialect)} IS ${n.isNull ? '' : 'NOT '}NULL`;
      partial.push({ column: n.column, sql });
    }
    for (const c of access.constants.filter((x) => ok(x.column) && equality.includes(x.column))) {
      const single = access.constants.filter((x) => x.column === c.column).length === 1;
      if (single && (lowCardinality.has(c.column) || typeof c.value === 'boolean')) {
        partial.push({
          column: c.column,
          sql: `${quoteIdent(c.column, dialect)} = ${literal(c.value)}`,
        });
      }
    }
  }
  const nullOnly = access.nullChecks.filter((n) => ok(n.column) && !keyed.has(n.column));

  const candidates: IndexCandidate[] = [];
  const composite = (movePartial: boolean) => {
    const moved = new Set(movePartial ? partial.map((p) => p.column) : []);
    // High-cardinality columns lead, so the index also serves queries on fewer columns.
    const eqKey = [
      ...equality.filter((c) => !moved.has(c) && !lowCardinality.has(c)),
      ...equality.filter((c) => !moved.has(c) && lowCardinality.has(c)),
    ];
    const nullTested = nullOnly.filter((n) => !moved.has(n.column));
    return buildComposite(eqKey, nullTested, inList, groupBy, order, range);
  };
  let main = composite(true);
  let where = partial.length
    ? partial
        .map((p) => p.sql)
        .sort()
        .join(' AND ')
    : undefined;
  if (main.columns.length === 0) {
    main = composite(false);
    where = undefined;
  }
  const whereColumns = where ? partial.map((p) => p.column) : [];

  const push = (columns: IndexColumn[], reasonParts: string[], withWhere: boolean) => {
    if (columns.length === 0 || pkFixed || isPrimaryKeyPrefix(columns, pk)) return;
    const include = includeColumns(access, columns, withWhere ? whereColumns : [], ok, dialect);
    const parts = [...reasonParts];
    if (withWhere && where) parts.push(`partial: ${where}`);
    if (include) parts.push(`INCLUDE ${include.join(', ')} (index-only scan)`);
    candidates.push({
      ...base,
      columns,
      ...(include ? { include } : {}),
      ...(withWhere && where ? { where } : {}),
      method: 'btree',
      reason: `${parts.join('; ')}; ${weight}`,
    });
  };
  push(main.columns, main.reason, true);
  if (main.unseekableRange) {
    const eqKey = main.seekPrefix;
    const columns = [...eqKey, { name: main.unseekableRange, direction: 'ASC' as const }];
    const eqReason = eqKey.length ? [`equality on ${eqKey.map((c) => c.name).join(', ')}`] : [];
    push(
      columns,
      [...eqReason, `range on ${main.unseekableRange} (seek; sort step remains)`],
      true,
    );
  }
  if (dialect === 'postgres') {
    for (const column of access.substring.filter(ok)) {
      candidates.push({
        ...base,
        columns: [{ name: column, direction: 'ASC' }],
        method: 'gin',
        opclass: 'gin_trgm_ops',
        reason: `substring search on ${column} (LIKE/ILIKE '%...%'): trigram GIN index, needs the pg_trgm extension; ${weight}`,
      });
    }
  }
  for (const column of access.joinKeys.filter(ok)) {
    const columns: IndexColumn[] = [{ name: column, direction: 'ASC' }];
    if (isPrimaryKeyPrefix(columns, pk)) continue;
    candidates.push({
      ...base,
      columns,
      method: 'btree',
      reason: `join key ${column} (foreign-key side); ${weight}`,
    });
  }
  return dedupe(candidates);
}

interface Composite {
  columns: IndexColumn[];
  reason: string[];
  /** The equality, IS NULL and IN columns: where a seek-on-range variant starts. */
  seekPrefix: IndexColumn[];
  /** A range column the sort pushed out of seek position. */
  unseekableRange?: string;
}

function buildComposite(
  equality: string[],
  nullTested: TableAccess['nullChecks'],
  inList: string[],
  groupBy: string[],
  order: IndexColumn[],
  range: string[],
): Composite {
  const columns: IndexColumn[] = [];
  const reason: string[] = [];
  const has = (name: string) => columns.some((c) => c.name === name);
  const add = (name: string, direction: IndexColumn['direction'] = 'ASC') => {
    if (!has(name)) columns.push({ name, direction });
  };
  equality.forEach((c) => add(c));
  if (equality.length) reason.push(`equality on ${equality.join(', ')}`);
  // `IS NULL` is an equality for a btree (NULLs are stored and seekable).
  nullTested.forEach((n) => add(n.column));
  for (const n of nullTested) reason.push(`${n.column} IS ${n.isNull ? '' : 'NOT '}NULL`);
  // The sort can come from the index only when nothing but equalities precede its columns,
  // or when it starts with the one IN-list column (a btree returns `= ANY` matches in order).
  const inListLeadsSort = inList.length === 1 && order[0]?.name === inList[0];
  const sorted =
    groupBy.length === 0 && order.length > 0 && (inList.length === 0 || inListLeadsSort);
  const seekPrefix = [...columns, ...inList.map((name) => ({ name, direction: 'ASC' as const }))];
  if (!(sorted && inListLeadsSort)) inList.forEach((c) => add(c));
  if (inList.length) reason.push(`IN list on ${inList.join(', ')}`);
  if (groupBy.length) {
    groupBy.forEach((c) => add(c));
    reason.push(`group by ${groupBy.join(', ')}`);
  } else if (sorted) {
    order.forEach((o) => add(o.name, o.direction));
  } else if (order.length) {
    reason.push('sort step remains (IN list before the sort columns)');
  }
  // A range on the first sort column (or a keyset row comparison on the sort columns) seeks
  // in sort position; any other range column goes last, where it only filters.
  const inSortPosition = sorted && range.length > 0 && range[0] === order[0].name;
  const extra = range.find((c) => !has(c));
  if (extra) add(extra);
  const unseekableRange = sorted ? (extra ?? (inSortPosition ? undefined : range[0])) : undefined;

  const truncated = columns.length > MAX_INDEX_COLUMNS;
  columns.splice(MAX_INDEX_COLUMNS);
  if (sorted) {
    const kept = order.filter((o) => has(o.name));
    const list = kept.map((o) => `${o.name} ${o.direction}`).join(', ');
    const note =
      kept.length === order.length ? 'no sort step' : `partial: ${MAX_INDEX_COLUMNS}-column limit`;
    reason.push(`sort by ${list} (${note})`);
  }
  const rangeInKey = range.filter(has);
  if (rangeInKey.length) {
    const where = inSortPosition && rangeInKey[0] === range[0] ? ' (in sort position)' : '';
    reason.push(`range on ${rangeInKey.join(', ')}${where}`);
  }
  if (truncated && !sorted) reason.push(`first ${MAX_INDEX_COLUMNS} columns only`);
  return {
    columns,
    reason,
    seekPrefix: seekPrefix.slice(0, MAX_INDEX_COLUMNS - 1),
    unseekableRange,
  };
}

/** The leading ORDER BY columns that are known to the schema. */
function orderColumns(order: TableAccess['orderBy'], ok: (c: string) => boolean): IndexColumn[] {
  const out: IndexColumn[] = [];
  for (const o of order) {
    if (!ok(o.column)) break;
    out.push({ name: o.column, direction: o.direction });
  }
  return out;
}

function includeColumns(
  access: TableAccess,
  key: IndexColumn[],
  whereColumns: string[],
  ok: (c: string) => boolean,
  dialect: SqlDialect,
): string[] | undefined {
  if (dialect !== 'postgres' || access.selected === '*') return undefined;
  if (!access.hasLimit && access.equality.length === 0) return undefined;
  const extra = access.selected.filter(
    (c) => ok(c) && !key.some((k) => k.name === c) && !whereColumns.includes(c),
  );
  return extra.length > 0 && extra.length <= MAX_INCLUDE_COLUMNS ? extra : undefined;
}

/** Equal to or a prefix of the primary key, scanned in one direction: the PK index does it. */
function isPrimaryKeyPrefix(columns: IndexColumn[], pk: string[]): boolean {
  if (pk.length === 0 || columns.length > pk.length) return false;
  const oneDirection = columns.every((c) => c.direction === columns[0].direction);
  return oneDirection && columns.every((c, i) => c.name === pk[i]);
}

function dedupe(list: IndexCandidate[]): IndexCandidate[] {
  const seen = new Set<string>();
  return list.filter((c) => {
    const key = JSON.stringify([
      c.columns,
      c.include ?? [],
      c.where ?? '',
      c.method,
      c.opclass ?? '',
    ]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function literal(value: string | number | boolean): string {
  if (typeof value === 'string') return `'${value.replace(/'/g, "''")}'`;
  return String(value);
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
