import type { QueryRunner } from 'typeorm';

/**
 * What both planners do on their one dedicated connection: catalog queries, and running work with
 * statements applied inside a transaction that is rolled back afterwards, whatever the work does.
 * @internal
 */
export abstract class ConnectionPlanner {
  protected constructor(protected readonly runner: QueryRunner) {}

  /** Runs a catalog query on the planner's connection. */
  query<T>(sql: string, params?: unknown[]): Promise<T[]> {
    return this.runner.query(sql, params);
  }

  async close(): Promise<void> {
    await this.runner.release();
  }

  protected async rolledBack<T>(statements: string[], fn: () => Promise<T>): Promise<T> {
    await this.runner.startTransaction();
    try {
      for (const sql of statements) await this.runner.query(sql);
      return await fn();
    } finally {
      await this.runner.rollbackTransaction();
    }
  }
}
