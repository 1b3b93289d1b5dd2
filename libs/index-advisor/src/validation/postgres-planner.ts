import type { DataSource, QueryRunner } from 'typeorm';
import { createIndexSql } from '../output/index-sql';
import type { PlannedIndex } from '../output/index-sql';
import { ConnectionPlanner } from './connection-planner';
import type { Planner, PlanEstimate } from './planner';

interface PlanNode {
  'Node Type': string;
  'Total Cost': number;
  'Plan Rows': number;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function walk(node: PlanNode, visit: (n: PlanNode) => void): void {
  visit(node);
  for (const child of node.Plans ?? []) walk(child, visit);
}

function describePlan(root: PlanNode): PlanEstimate {
  const indexes: string[] = [];
  const shape: string[] = [];
  walk(root, (n) => {
    if (n['Index Name']) indexes.push(n['Index Name']);
    if (shape.length < 6)
      shape.push(n['Index Name'] ? `${n['Node Type']} (${n['Index Name']})` : n['Node Type']);
  });
  return { cost: root['Total Cost'], rows: root['Plan Rows'], shape: shape.join(' > '), indexes };
}

/** Highest `$n` in a statement: how many parameters EXECUTE must pass. */
function parameterCount(sql: string): number {
  let max = 0;
  for (const m of sql.matchAll(/\$(\d+)/g)) max = Math.max(max, Number(m[1]));
  return max;
}

/**
 * The Postgres planner on one dedicated connection: generic-plan costs of parameterized
 * statements (`PREPARE` + `EXPLAIN EXECUTE` under `plan_cache_mode = force_generic_plan`, so the
 * plan holds for any parameter values, as it will for the app), and hypothetical indexes through
 * hypopg (planner-only: nothing is built, nothing is locked).
 * @internal
 */
export class PostgresPlanner extends ConnectionPlanner implements Planner {
  readonly dialect = 'postgres';
  private statement = 0;

  private constructor(
    runner: QueryRunner,
    readonly hypopg: boolean,
  ) {
    super(runner);
  }

  get hypothetical(): boolean {
    return this.hypopg;
  }

  /**
   * Opens the planner. `CREATE EXTENSION IF NOT EXISTS hypopg` is tried (the package
   * `postgresql-<version>-hypopg` must be installed on the server); `hypopg` says whether it worked.
   */
  static async open(dataSource: DataSource): Promise<PostgresPlanner> {
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    await runner.query(`SET plan_cache_mode = force_generic_plan`);
    let hypopg = true;
    try {
      await runner.query('CREATE EXTENSION IF NOT EXISTS hypopg');
    } catch {
      hypopg = false;
    }
    return new PostgresPlanner(runner, hypopg);
  }

  /** The generic plan of `sql`; throws when Postgres cannot prepare it (the message says why). */
  async estimate(sql: string): Promise<PlanEstimate> {
    const name = `np_advisor_${++this.statement}`;
    await this.prepare(name, sql);
    try {
      const args = Array.from({ length: parameterCount(sql) }, () => 'NULL').join(', ');
      const rows: { 'QUERY PLAN': { Plan: PlanNode }[] }[] = await this.runner.query(
        `EXPLAIN (FORMAT JSON) EXECUTE ${name}${args ? `(${args})` : ''}`,
      );
      return describePlan(rows[0]['QUERY PLAN'][0].Plan);
    } finally {
      await this.runner.query(`DEALLOCATE ${name}`);
    }
  }

  // A normalized literal can leave a parameter Postgres cannot type (`COUNT($1)` was `COUNT(1)`):
  // such parameters are declared as text, the others left for Postgres to infer.
  private async prepare(name: string, sql: string): Promise<void> {
    const count = parameterCount(sql);
    const types = Array.from({ length: count }, () => 'unknown');
    for (let attempt = 0; attempt <= count; attempt++) {
      const declared = types.some((t) => t !== 'unknown') ? `(${types.join(', ')})` : '';
      try {
        await this.runner.query(`PREPARE ${name}${declared} AS ${sql}`);
        return;
      } catch (error) {
        const untyped = /could not determine data type of parameter \$(\d+)/.exec(
          (error as Error).message,
        );
        if (!untyped || types[Number(untyped[1]) - 1] === 'text') throw error;
        types[Number(untyped[1]) - 1] = 'text';
      }
    }
  }

  /**
   * Runs `fn` with `indexes` present as hypopg hypothetical indexes; `fn` gets a map from our
   * index name to hypopg's. They are gone again afterwards, whatever `fn` does.
   */
  async withHypothetical<T>(
    indexes: PlannedIndex[],
    fn: (names: Map<string, string>) => Promise<T>,
  ): Promise<T> {
    if (!this.hypopg) throw new Error('hypopg is not available on this server');
    const names = new Map<string, string>();
    try {
      for (const index of indexes) {
        const ddl = createIndexSql(index, 'postgres', { concurrently: false, anonymous: true });
        const [row]: { indexname: string }[] = await this.runner.query(
          'SELECT indexname FROM hypopg_create_index($1)',
          [ddl],
        );
        names.set(index.name, row.indexname);
      }
      return await fn(names);
    } finally {
      await this.runner.query('SELECT hypopg_reset()');
    }
  }

  /**
   * Runs `fn` with `indexes` really built inside a transaction that is then rolled back: for what
   * hypopg cannot simulate (GIN). It locks writes on the tables while it runs.
   */
  async withRealIndexes<T>(indexes: PlannedIndex[], fn: () => Promise<T>): Promise<T> {
    const statements = indexes.flatMap((index) => [
      ...(index.opclass === 'gin_trgm_ops' ? ['CREATE EXTENSION IF NOT EXISTS pg_trgm'] : []),
      createIndexSql(index, 'postgres', { concurrently: false }),
    ]);
    return this.rolledBack(statements, fn);
  }
}
