import type { DataSource } from 'typeorm';
import type { DatasetOptions, RowCounts } from './dataset';
import { seedMysql, seedPostgres, seedSqlite } from './writers';

export type { DatasetOptions, RowCounts } from './dataset';

/** The dataset `npm start` loads into an empty database. */
export const FIRST_RUN_DATASET: DatasetOptions = { users: 200, tasks: 20_000, seed: 42 };

/**
 * Replaces the sample tables' rows with the generated dataset. The schema must be migrated.
 * Deterministic: the same options give the same rows on every database.
 */
export async function seedDatabase(
  dataSource: DataSource,
  options: DatasetOptions,
  log?: (message: string) => void,
): Promise<RowCounts> {
  switch (dataSource.options.type) {
    case 'postgres':
      return seedPostgres(dataSource, options, log);
    case 'better-sqlite3':
      return seedSqlite(dataSource, options);
    case 'mysql':
      return seedMysql(dataSource, options);
    default:
      throw new Error(`seed: unsupported database type '${dataSource.options.type}'`);
  }
}

/** True when the database holds no users yet (a first run). */
export async function isEmpty(dataSource: DataSource): Promise<boolean> {
  const rows: unknown[] = await dataSource.query('SELECT 1 FROM users LIMIT 1');
  return rows.length === 0;
}
