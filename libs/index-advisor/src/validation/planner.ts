import type { PlannedIndex } from '../output/index-sql';

/** What the planner said about one statement. */
export interface PlanEstimate {
  /** The plan's total cost: Postgres planner units; on SQLite a score of the plan's steps. */
  cost: number;
  /** Estimated rows (Postgres; 0 on SQLite, whose planner does not say). */
  rows: number;
  /** Plan steps from the root down, e.g. `Limit > Index Scan (IDX_...)`. */
  shape: string;
  /** Names of the indexes the plan uses (hypothetical ones by the planner's name for them). */
  indexes: string[];
}

/**
 * A database's planner as the advisor uses it: estimate a statement, and estimate it again with
 * candidate indexes present — hypothetical (hypopg) where the database can, or built inside a
 * transaction that is rolled back.
 * @internal
 */
export interface Planner {
  readonly dialect: 'postgres' | 'sqlite';
  /** Whether btree candidates can be tried without building them for real (hypopg). */
  readonly hypothetical: boolean;
  estimate(sql: string): Promise<PlanEstimate>;
  /** `fn` runs with `indexes` present; it gets our index name → the planner's name for it. */
  withHypothetical<T>(
    indexes: PlannedIndex[],
    fn: (names: Map<string, string>) => Promise<T>,
  ): Promise<T>;
  /** `fn` runs with `indexes` built for real in a transaction rolled back afterwards. */
  withRealIndexes<T>(indexes: PlannedIndex[], fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
