import type { DataSource, QueryRunner } from 'typeorm';
import { createIndexSql } from '../output/index-sql';
import type { PlannedIndex } from '../output/index-sql';
import { ConnectionPlanner } from './connection-planner';
import type { Planner, PlanEstimate } from './planner';

interface PlanRow {
  id: number;
  parent: number;
  detail: string;
}

/** `?` placeholders outside string literals and quoted identifiers. */
function parameterCount(sql: string): number {
  let n = 0;
  for (const m of sql.matchAll(/'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|(\?)(\d*)/g)) {
    if (m[1]) n = m[2] ? Math.max(n, Number(m[2])) : n + 1;
  }
  return n;
}

/**
 * SQLite's planner has no costs, so plans are scored from their steps, with N the row count of
 * the largest table the statement reads: a full `SCAN` costs N; a `SEARCH` on an index with k
 * constrained columns N / 10^k (at least 1; a rowid or primary-key lookup 1); every
 * `USE TEMP B-TREE` (a sort for ORDER BY / GROUP BY / DISTINCT) another N / 2. Coarse, but it
 * orders what matters: scan > search, sort > no sort, more key columns > fewer.
 * @internal
 */
export function scoreSqlitePlan(rows: PlanRow[], largestTable: number): PlanEstimate {
  const n = Math.max(1, largestTable);
  let cost = 0;
  const indexes: string[] = [];
  const shape: string[] = [];
  for (const { detail } of rows) {
    shape.push(detail);
    const index = /USING (?:COVERING )?INDEX (\S+)/.exec(detail)?.[1];
    if (index) indexes.push(index);
    if (/^SCAN /.test(detail)) {
      cost += n;
    } else if (/^SEARCH /.test(detail)) {
      if (/USING (?:INTEGER )?PRIMARY KEY/.test(detail)) {
        cost += 1;
      } else {
        const terms = /\(([^)]*)\)\s*$/.exec(detail)?.[1].split(/ AND /).length ?? 1;
        cost += Math.max(1, n / 10 ** terms);
      }
    } else if (/^USE TEMP B-TREE/.test(detail)) {
      cost += n / 2;
    }
  }
  return { cost, rows: 0, shape: shape.slice(0, 6).join(' > '), indexes };
}

/**
 * The SQLite planner through `EXPLAIN QUERY PLAN`, with candidate indexes created inside a
 * transaction that is rolled back (SQLite builds them quickly on the data sizes it serves; the
 * database is locked for writes meanwhile).
 * @internal
 */
export class SqlitePlanner extends ConnectionPlanner implements Planner {
  readonly dialect = 'sqlite';
  readonly hypothetical = true;
  private readonly sizes = new Map<string, number>();

  private constructor(runner: QueryRunner) {
    super(runner);
  }

  static async open(dataSource: DataSource): Promise<SqlitePlanner> {
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    return new SqlitePlanner(runner);
  }

  /** Row counts of `tables`, for {@link scoreSqlitePlan}. */
  async rememberSizes(tables: Map<string, number>): Promise<void> {
    for (const [table, rows] of tables) this.sizes.set(table, rows);
  }

  async estimate(sql: string): Promise<PlanEstimate> {
    const params = Array.from({ length: parameterCount(sql) }, () => null);
    const rows: PlanRow[] = await this.runner.query(`EXPLAIN QUERY PLAN ${sql}`, params);
    const lower = sql.toLowerCase();
    let largest = 1;
    for (const [table, size] of this.sizes) {
      if (
        lower.includes(`"${table.toLowerCase()}"`) ||
        new RegExp(`\\b${table}\\b`, 'i').test(sql)
      ) {
        largest = Math.max(largest, size);
      }
    }
    return scoreSqlitePlan(rows, largest);
  }

  async withHypothetical<T>(
    indexes: PlannedIndex[],
    fn: (names: Map<string, string>) => Promise<T>,
  ): Promise<T> {
    return this.withRealIndexes(indexes, () => fn(new Map(indexes.map((i) => [i.name, i.name]))));
  }

  async withRealIndexes<T>(indexes: PlannedIndex[], fn: () => Promise<T>): Promise<T> {
    return this.rolledBack(
      indexes.map((index) => createIndexSql(index, 'sqlite')),
      fn,
    );
  }
}
