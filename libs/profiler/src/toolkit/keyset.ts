import type { EntityMetadata, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { describeValue } from '@nest-perf/core';
import { decodeCursor, encodeCursor } from './cursor';
import type { CursorValue } from './cursor';
import { checkInteger, columnSql, dialectOf, isolateWheres, metadataOf, queryOf } from './source';
import type { ColumnMetadata, Dialect, QuerySource, WhereOption } from './source';
import { InvalidCursorError, ToolkitOptionsError } from './toolkit.errors';

/**
 * A sort direction; case does not matter.
 *
 * @example 'DESC'
 */
export type SortDirection = 'ASC' | 'DESC' | 'asc' | 'desc';

/**
 * The keyset order: entity properties (columns of the main entity) in priority order. Together
 * they must identify a row, so end with the primary key or another unique column, e.g.
 * `{ createdAt: 'DESC', id: 'DESC' }`. Key columns must be NOT NULL. No default.
 *
 * @example const newestFirst: KeysetOrder<Task> = { createdAt: 'DESC', id: 'DESC' };
 */
export type KeysetOrder<T> = { [K in keyof T & string]?: SortDirection };

/**
 * Options of {@link paginateKeyset}. Defaults: first page, limit 20, maxLimit 100, no where.
 *
 * @example { orderBy: { createdAt: 'DESC', id: 'DESC' }, after: req.query.cursor, limit: 50 }
 */
export interface KeysetOptions<T extends ObjectLiteral> {
  /** The order and the key; see {@link KeysetOrder}. Required. */
  orderBy: KeysetOrder<T>;
  /** `nextCursor` of the previous page; undefined, null or '' for the first page. */
  after?: string | null;
  /** Rows per page, clamped to `maxLimit`. Default 20. */
  limit?: number;
  /** The largest page a client may ask for. Default 100. */
  maxLimit?: number;
  /** Filter, as `find({ where })` takes it; ANDed with a builder's own conditions. */
  where?: WhereOption<T>;
}

/**
 * One keyset page: `nextCursor` is null exactly when `hasMore` is false.
 *
 * @example { items: [...20], nextCursor: 'eyJ2IjoxLC...', hasMore: true }
 */
export interface KeysetPage<T> {
  items: T[];
  nextCursor: string | null;
  hasMore: boolean;
}

/** @internal */
export interface KeyColumn {
  property: string;
  column: ColumnMetadata;
  direction: 'ASC' | 'DESC';
}

/** @internal */
export interface RawKeysetPage<T> {
  items: T[];
  /** The key values of the last item, as the database returned them. */
  lastKey: unknown[] | undefined;
  hasMore: boolean;
}

/**
 * Reads one page after a cursor ("seek" pagination): `WHERE (key) < (:last key) ORDER BY key
 * LIMIT n + 1`. Unlike OFFSET, every page costs the same with an index on the key, and rows
 * inserted or deleted meanwhile never shift a page. Returns the same rows, in the same order, as
 * offset pages over the same `orderBy`.
 *
 * The comparison is a row value `(a, b) < (x, y)` on Postgres and SQLite when all directions
 * agree; otherwise (mixed directions, MySQL, others) the expanded, index-friendly form
 * `a <= x AND (a < x OR (a = x AND b < y))`. The cursor holds the last row's key values as the
 * database returned them (timestamps as text on Postgres and MySQL, so microseconds survive),
 * base64url-encoded with a checksum.
 *
 * Defaults: limit 20, maxLimit 100 (larger limits are clamped), first page when `after` is empty.
 *
 * @throws ToolkitOptionsError for a bad limit or an `orderBy` that is empty, names no column, or
 *   does not include a unique key
 * @throws InvalidCursorError when `after` is garbled, edited, or made for another `orderBy`
 * @example
 * const first = await paginateKeyset(tasksRepo, {
 *   where: { userId: 1 }, orderBy: { createdAt: 'DESC', id: 'DESC' }, limit: 50,
 * });
 * const second = await paginateKeyset(tasksRepo, {
 *   where: { userId: 1 }, orderBy: { createdAt: 'DESC', id: 'DESC' }, limit: 50,
 *   after: first.nextCursor,
 * });
 */
export async function paginateKeyset<T extends ObjectLiteral>(
  source: QuerySource<T>,
  options: KeysetOptions<T>,
): Promise<KeysetPage<T>> {
  const fn = 'paginateKeyset';
  const problems: string[] = [];
  checkInteger(problems, 'limit', options?.limit, 1);
  checkInteger(problems, 'maxLimit', options?.maxLimit, 1);
  const after = options?.after;
  if (after !== undefined && after !== null && typeof after !== 'string') {
    problems.push(`after must be a cursor string (got ${describeValue(after)})`);
  }
  if (problems.length > 0) throw new ToolkitOptionsError(fn, problems);
  const qb = queryOf(fn, source, options.where);
  const metadata = metadataOf(qb);
  const keys = resolveKeys(fn, metadata, options.orderBy);
  const scope = scopeOf(metadata, keys);
  const afterKey = after ? decodeCursor(after, scope, keys.length) : undefined;
  const limit = Math.min(options.limit ?? 20, options.maxLimit ?? 100);
  const page = await fetchKeysetPage(fn, qb, keys, afterKey, limit);
  return {
    items: page.items,
    hasMore: page.hasMore,
    nextCursor: page.hasMore ? encodeCursor(cursorValues(fn, keys, page.lastKey!), scope) : null,
  };
}

/**
 * Checks an `orderBy` against the entity: known columns, valid directions, a unique key.
 * @internal
 */
export function resolveKeys(
  fn: string,
  metadata: EntityMetadata,
  orderBy: Record<string, unknown> | undefined,
  option = 'orderBy',
): KeyColumn[] {
  const problems: string[] = [];
  const entries =
    typeof orderBy === 'object' && orderBy !== null && !Array.isArray(orderBy)
      ? Object.entries(orderBy)
      : [];
  if (entries.length === 0) {
    throw new ToolkitOptionsError(fn, [
      `${option} must name at least one column, e.g. { createdAt: 'DESC', id: 'DESC' } (got ${describeValue(orderBy)})`,
    ]);
  }
  const keys: KeyColumn[] = [];
  for (const [property, rawDirection] of entries) {
    // A relation property resolves to its join column; keys must name the column itself.
    const column = metadata.findRelationWithPropertyPath(property)
      ? undefined
      : metadata.findColumnWithPropertyPath(property);
    const direction = typeof rawDirection === 'string' ? rawDirection.toUpperCase() : undefined;
    if (!column) {
      problems.push(
        `${option}: ${metadata.name} has no column property '${property}' (use column properties such as '${metadata.primaryColumns[0]?.propertyPath ?? 'id'}', not relations)`,
      );
    } else if (direction !== 'ASC' && direction !== 'DESC') {
      problems.push(
        `${option}.${property} must be 'ASC' or 'DESC' (got ${describeValue(rawDirection)})`,
      );
    } else {
      keys.push({ property, column, direction });
    }
  }
  if (problems.length === 0 && !isUniqueKey(metadata, keys)) {
    problems.push(
      `${option} (${keys.map((k) => k.property).join(', ')}) does not identify a row; ` +
        `end it with the primary key or a unique column, e.g. { ...${option}, ${metadata.primaryColumns.map((c) => `${c.propertyPath}: 'DESC'`).join(', ')} }, ` +
        'or rows with equal values would be skipped or repeated',
    );
  }
  if (problems.length > 0) throw new ToolkitOptionsError(fn, problems);
  return keys;
}

function isUniqueKey(metadata: EntityMetadata, keys: KeyColumn[]): boolean {
  const included = new Set(keys.map((k) => k.column));
  const covers = (columns: ColumnMetadata[]) =>
    columns.length > 0 && columns.every((c) => included.has(c));
  return (
    covers(metadata.primaryColumns) ||
    metadata.uniques.some((u) => covers(u.columns)) ||
    metadata.indices.some((i) => i.isUnique && !i.where && covers(i.columns))
  );
}

/** What a cursor is bound to: the entity and the ordering. @internal */
export function scopeOf(metadata: EntityMetadata, keys: KeyColumn[]): string {
  return `${metadata.name}:${keys.map((k) => `${k.property}:${k.direction}`).join(',')}`;
}

/**
 * Runs one keyset query: rows strictly after `after` in key order, at most `limit`, plus whether
 * more follow. `base` is cloned. The key values are read as extra raw columns (not from the
 * entities) so they compare in the database exactly as stored.
 * @internal
 */
export async function fetchKeysetPage<T extends ObjectLiteral>(
  fn: string,
  base: SelectQueryBuilder<T>,
  keys: KeyColumn[],
  after: readonly unknown[] | undefined,
  limit: number,
): Promise<RawKeysetPage<T>> {
  const qb = base.clone();
  const dialect = dialectOf(qb);
  const alias = qb.alias;
  const keyAliases = keys.map((_, i) => `np_key_${i}`);
  keys.forEach((key, i) =>
    qb.addSelect(captureSql(dialect, columnSql(qb, key.column)), keyAliases[i]),
  );
  if (after) {
    isolateWheres(qb);
    const { sql, parameters } = seekCondition(qb, dialect, keys, after);
    qb.andWhere(sql, parameters);
  }
  qb.orderBy();
  for (const key of keys) qb.addOrderBy(`${alias}.${key.property}`, key.direction);
  qb.limit(undefined)
    .offset(undefined)
    .skip(undefined)
    .take(limit + 1);

  let result: { entities: T[]; raw: Record<string, unknown>[] };
  try {
    result = await qb.getRawAndEntities();
  } catch (error) {
    // A cursor whose values the database cannot read as the key's type (e.g. a forged timestamp).
    if (after && isDataException(error)) {
      throw new InvalidCursorError('its key values do not fit the key columns', { cause: error });
    }
    throw error;
  }

  // Raw rows of one entity are adjacent (the key is unique and the rows are ordered by it), so
  // the distinct key tuples, in order, line up with the entities.
  const tuples: unknown[][] = [];
  let previous: string | undefined;
  for (const row of result.raw) {
    const tuple = keyAliases.map((name) => row[name]);
    const id = JSON.stringify(tuple, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
    if (id !== previous) tuples.push(tuple);
    previous = id;
  }
  if (tuples.length !== result.entities.length) {
    throw new Error(
      `${fn}: read ${tuples.length} keys for ${result.entities.length} rows; is the key unique?`,
    );
  }
  const hasMore = result.entities.length > limit;
  const items = hasMore ? result.entities.slice(0, limit) : result.entities;
  return { items, lastKey: items.length > 0 ? tuples[items.length - 1] : undefined, hasMore };
}

/** Key values as the cursor stores them; NULL keys cannot be paged past. @internal */
export function cursorValues(fn: string, keys: KeyColumn[], values: unknown[]): CursorValue[] {
  return values.map((value, i) => {
    if (value === null || value === undefined) {
      throw new ToolkitOptionsError(fn, [
        `key column ${keys[i].property} is NULL in a row; keyset keys must be NOT NULL (filter the NULLs out or order by other columns)`,
      ]);
    }
    return value as CursorValue;
  });
}

// Postgres and MySQL drivers turn timestamps into JS Dates (milliseconds); text keeps them exact
// and still compares as the column's type, because the parameter is typed by the column.
function captureSql(dialect: Dialect, column: string): string {
  if (dialect === 'postgres') return `CAST(${column} AS text)`;
  if (dialect === 'mysql') return `CAST(${column} AS CHAR)`;
  return column;
}

/** `(a, b) < (:x, :y)` or its expanded form, with parameters. @internal */
export function seekCondition(
  qb: SelectQueryBuilder<ObjectLiteral>,
  dialect: Dialect,
  keys: KeyColumn[],
  values: readonly unknown[],
): { sql: string; parameters: Record<string, unknown> } {
  const columns = keys.map((k) => columnSql(qb, k.column));
  const names = keys.map((_, i) => `np_after_${i}`);
  const parameters = Object.fromEntries(names.map((name, i) => [name, values[i]]));
  const op = (i: number) => (keys[i].direction === 'DESC' ? '<' : '>');
  const last = keys.length - 1;
  if (last === 0) return { sql: `${columns[0]} ${op(0)} :${names[0]}`, parameters };
  const sameDirection = keys.every((k) => k.direction === keys[0].direction);
  if (sameDirection && (dialect === 'postgres' || dialect === 'sqlite')) {
    const params = names.map((n) => `:${n}`).join(', ');
    return { sql: `(${columns.join(', ')}) ${op(0)} (${params})`, parameters };
  }
  let sql = `${columns[last]} ${op(last)} :${names[last]}`;
  for (let i = last - 1; i >= 0; i--) {
    sql = `${columns[i]} ${op(i)} :${names[i]} OR (${columns[i]} = :${names[i]} AND (${sql}))`;
  }
  // The leading bound lets every database use an index range on the first key column.
  return { sql: `${columns[0]} ${op(0)}= :${names[0]} AND (${sql})`, parameters };
}

function isDataException(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; sqlState?: unknown; driverError?: unknown };
  const codes = [e.code, e.sqlState];
  if (typeof e.driverError === 'object' && e.driverError !== null) {
    const d = e.driverError as { code?: unknown; sqlState?: unknown };
    codes.push(d.code, d.sqlState);
  }
  // SQLSTATE class 22: data exception (invalid text representation, datetime out of range...).
  return codes.some((c) => typeof c === 'string' && /^22[0-9A-Z]{3}$/.test(c));
}
