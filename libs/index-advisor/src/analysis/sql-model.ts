/**
 * The small, dialect-neutral statement model both parsers are translated into, so that one
 * analyzer ({@link collectAccesses}) serves Postgres (libpg-query) and SQLite/MySQL
 * (node-sql-parser). It keeps only what index advice needs: sources, predicates, sort, limit.
 * @internal
 */

/** Comparison operators kept by the model; anything else becomes a `call`. @internal */
export type CompareOp = '=' | '<>' | '<' | '<=' | '>' | '>=';

/** An expression. Opaque constructs (functions, casts on columns, CASE...) are `call`s. @internal */
export type SqlExpr =
  /** `path` is the qualified name as written, column last: `["Task", "user_id"]`. */
  | { kind: 'column'; path: string[] }
  /** `*` (empty path) or `t.*`. */
  | { kind: 'star'; path: string[] }
  | { kind: 'param' }
  | { kind: 'literal'; value: string | number | boolean }
  | { kind: 'null' }
  | { kind: 'and' | 'or'; args: SqlExpr[] }
  | { kind: 'not'; arg: SqlExpr }
  | { kind: 'compare'; op: CompareOp; left: SqlExpr; right: SqlExpr }
  /** `x IN (...)`, and `x = ANY(...)` with one value. */
  | { kind: 'in'; negated: boolean; left: SqlExpr; values: SqlExpr[] }
  | { kind: 'inQuery'; negated: boolean; left: SqlExpr; query: SqlStatement }
  | { kind: 'between'; negated: boolean; arg: SqlExpr; low: SqlExpr; high: SqlExpr }
  | { kind: 'like'; negated: boolean; arg: SqlExpr; pattern: SqlExpr }
  | { kind: 'isNull'; negated: boolean; arg: SqlExpr }
  /** `x IS TRUE` (`value: true`), `x IS NOT FALSE` (`value: false, negated: true`)... */
  | { kind: 'isBool'; value: boolean; negated: boolean; arg: SqlExpr }
  | { kind: 'row'; items: SqlExpr[] }
  /** EXISTS, scalar and ARRAY subqueries. */
  | { kind: 'subquery'; query: SqlStatement }
  /** Functions, casts, CASE, arithmetic...: `aggregate` for aggregates and window functions. */
  | { kind: 'call'; name: string; args: SqlExpr[]; aggregate: boolean };

/** One entry of a FROM list. @internal */
export type SqlFrom =
  | { kind: 'table'; schema?: string; name: string; alias?: string }
  | { kind: 'derived'; query: SqlStatement; alias?: string; columnAliases: string[] }
  | {
      kind: 'join';
      type: 'inner' | 'left' | 'right' | 'full';
      left: SqlFrom;
      right: SqlFrom;
      on?: SqlExpr;
      /** `JOIN ... USING (a, b)`: equal columns on both sides. */
      using: string[];
    }
  /** A function in FROM (`unnest($1) u`): its alias is known, its columns are not. */
  | { kind: 'opaque'; alias?: string; args: SqlExpr[] };

/** A common table expression. @internal */
export interface SqlCte {
  name: string;
  query: SqlStatement;
  columnAliases: string[];
  /** `MATERIALIZED` or `RECURSIVE`: never inlined into the query that reads it. */
  materialized: boolean;
}

/** A sort key. @internal */
export interface SqlSortItem {
  expr: SqlExpr;
  direction: 'ASC' | 'DESC';
}

/** An output column of a SELECT. @internal */
export interface SqlTarget {
  expr: SqlExpr;
  alias?: string;
}

/** A SELECT (or the read part of UPDATE/DELETE). @internal */
export interface SqlSelect {
  type: 'select';
  with: SqlCte[];
  targets: SqlTarget[];
  from: SqlFrom[];
  where?: SqlExpr;
  groupBy: SqlExpr[];
  having?: SqlExpr;
  orderBy: SqlSortItem[];
  limit: boolean;
  distinct: boolean;
  /** The other arms of UNION/INTERSECT/EXCEPT; this select is the first arm. */
  setArms: SqlStatement[];
}

/**
 * UPDATE or DELETE: `from` holds the target first, then the other sources (`FROM`/`USING`/
 * MySQL joins); `target` names the modified table as it is referenced in `from`.
 * @internal
 */
export interface SqlModify {
  type: 'update' | 'delete';
  with: SqlCte[];
  target: string;
  from: SqlFrom[];
  where?: SqlExpr;
  /** SET values and RETURNING expressions: read for their subqueries only. */
  extra: SqlExpr[];
  orderBy: SqlSortItem[];
  limit: boolean;
}

/** INSERT, with the SELECT that feeds it if any. @internal */
export interface SqlInsert {
  type: 'insert';
  with: SqlCte[];
  table: { schema?: string; name: string };
  source?: SqlStatement;
  extra: SqlExpr[];
}

/** A parsed statement. @internal */
export type SqlStatement = SqlSelect | SqlModify | SqlInsert | { type: 'other' };

/** An empty SELECT, filled in by the translators. @internal */
export function emptySelect(): SqlSelect {
  return {
    type: 'select',
    with: [],
    targets: [],
    from: [],
    groupBy: [],
    orderBy: [],
    limit: false,
    distinct: false,
    setArms: [],
  };
}

const AGGREGATES = new Set([
  'count',
  'sum',
  'avg',
  'min',
  'max',
  'array_agg',
  'string_agg',
  'json_agg',
  'jsonb_agg',
  'json_object_agg',
  'jsonb_object_agg',
  'bool_and',
  'bool_or',
  'every',
  'group_concat',
  'json_group_array',
  'json_group_object',
  'total',
  'stddev',
  'variance',
]);

/** Whether a function name is a (common) aggregate. @internal */
export function isAggregateName(name: string): boolean {
  return AGGREGATES.has(name.toLowerCase());
}
