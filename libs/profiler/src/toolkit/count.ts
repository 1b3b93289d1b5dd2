import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { describeValue } from '@nest-perf/core';
import {
  checkInteger,
  dataSourceOf,
  dialectOf,
  isQueryBuilder,
  metadataOf,
  queryOf,
  queryRunnerOf,
} from './source';
import type { QuerySource, WhereOption } from './source';
import { ToolkitOptionsError } from './toolkit.errors';

/**
 * Options of {@link countRows}. Defaults: no where, estimate 'auto', exactBelow 100_000.
 *
 * @example { where: { status: 'pending' }, exactBelow: 10_000 }
 */
export interface CountOptions<T extends ObjectLiteral> {
  /** Filter, as `find({ where })` takes it; ANDed with a builder's own conditions. */
  where?: WhereOption<T>;
  /**
   * `'auto'` (default): on Postgres, ask the planner first and count exactly only below
   * `exactBelow`. `'never'`: always COUNT. Other databases always COUNT.
   */
  estimate?: 'auto' | 'never';
  /** Estimates below this are replaced by an exact COUNT. Default 100_000. */
  exactBelow?: number;
}

/**
 * A row count; `exact` is false when `count` is the planner's estimate (rounded).
 *
 * @example { count: 1000213, exact: false }
 */
export interface RowCount {
  count: number;
  exact: boolean;
}

/**
 * Counts rows without paying for an exact COUNT(*) over millions of them. On Postgres (with
 * `estimate: 'auto'`) it first reads the planner's estimate: `pg_class.reltuples` for a whole
 * table (one catalog lookup), or the top-level "Plan Rows" of `EXPLAIN (FORMAT JSON)` for a
 * filtered query (and for a table never analyzed, where reltuples is -1). Only when that estimate
 * is below `exactBelow` does it run the exact COUNT. Estimates count joined rows; exact counts
 * count distinct entities, as `getCount()` does. MySQL, SQLite and others always count exactly.
 *
 * Defaults: estimate 'auto', exactBelow 100_000.
 *
 * @throws ToolkitOptionsError for an unknown `estimate` or a negative `exactBelow`
 * @example
 * await countRows(tasksRepo) // { count: 1000213, exact: false }  (pg_class, one lookup)
 * await countRows(tasksRepo, { where: { userId: 1 } }) // { count: 104, exact: true }
 */
export async function countRows<T extends ObjectLiteral>(
  source: QuerySource<T>,
  options: CountOptions<T> = {},
): Promise<RowCount> {
  const fn = 'countRows';
  const problems: string[] = [];
  const estimate = options.estimate ?? 'auto';
  if (estimate !== 'auto' && estimate !== 'never') {
    problems.push(`estimate must be 'auto' or 'never' (got ${describeValue(estimate)})`);
  }
  checkInteger(problems, 'exactBelow', options.exactBelow, 0);
  if (problems.length > 0) throw new ToolkitOptionsError(fn, problems);
  const exactBelow = options.exactBelow ?? 100_000;

  const qb = queryOf(fn, source, options.where)
    .orderBy()
    .limit(undefined)
    .offset(undefined)
    .skip(undefined)
    .take(undefined);
  if (estimate === 'auto' && dialectOf(qb) === 'postgres') {
    const wholeTable =
      options.where === undefined &&
      (!isQueryBuilder(source) ||
        (qb.expressionMap.wheres.length === 0 && qb.expressionMap.joinAttributes.length === 0));
    const estimated = (wholeTable ? await tableEstimate(qb) : undefined) ?? (await planRows(qb));
    if (estimated !== undefined && estimated >= exactBelow) {
      return { count: Math.round(estimated), exact: false };
    }
  }
  return { count: await qb.getCount(), exact: true };
}

/** `pg_class.reltuples`, or undefined when the table was never analyzed (-1) or is no table. */
async function tableEstimate(qb: SelectQueryBuilder<ObjectLiteral>): Promise<number | undefined> {
  const metadata = metadataOf(qb);
  const driver = dataSourceOf(qb).driver;
  const name = metadata.schema
    ? `${driver.escape(metadata.schema)}.${driver.escape(metadata.tableName)}`
    : driver.escape(metadata.tableName);
  const rows = await dataSourceOf(qb).query<{ n: number | string; relkind: string }[]>(
    `SELECT reltuples::float8 AS n, relkind FROM pg_class WHERE oid = to_regclass($1)`,
    [name],
    queryRunnerOf(qb),
  );
  const row = rows[0];
  if (!row || !['r', 'm'].includes(row.relkind)) return undefined;
  const n = Number(row.n);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** The planner's row estimate for the query, from `EXPLAIN (FORMAT JSON)`. */
async function planRows(qb: SelectQueryBuilder<ObjectLiteral>): Promise<number | undefined> {
  const [sql, parameters] = qb.getQueryAndParameters();
  const rows = await dataSourceOf(qb).query<Record<string, unknown>[]>(
    `EXPLAIN (FORMAT JSON) ${sql}`,
    parameters,
    queryRunnerOf(qb),
  );
  let plan: unknown = rows[0]?.['QUERY PLAN'];
  if (typeof plan === 'string') plan = JSON.parse(plan);
  const top = Array.isArray(plan) ? (plan[0] as { Plan?: { 'Plan Rows'?: unknown } }) : undefined;
  const n = Number(top?.Plan?.['Plan Rows']);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}
