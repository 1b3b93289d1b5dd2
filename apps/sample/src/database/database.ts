import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { poolOptions } from '@nest-perf/health';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/app-config';
import { ENTITIES } from '../entities';
import { MIGRATIONS } from './migrations';

/**
 * TypeORM options for the sample app. The schema comes from migrations, never `synchronize`.
 * Pools use the `poolOptions` presets: production's 20 + 10 burst under NODE_ENV=production,
 * otherwise development's with 10 connections (the load tests in bench/ run 10 at a time).
 */
export function dataSourceOptions(
  db: DatabaseConfig,
  env: string | undefined = process.env.NODE_ENV,
): DataSourceOptions {
  const production = env === 'production';
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    // Failed queries reach the caller as exceptions and are logged there once.
    logging: ['warn', 'migration'] as ('warn' | 'migration')[],
  };
  switch (db.type) {
    case 'postgres':
      return {
        ...common,
        type: 'postgres',
        url: db.url,
        extra: production ? poolOptions('production') : poolOptions('development', { max: 10 }),
      };
    case 'mysql':
      // Times are stored as UTC wall-clock values, as on SQLite.
      return {
        ...common,
        type: 'mysql',
        url: db.url,
        timezone: 'Z',
        extra: production
          ? poolOptions('production', { driver: 'mysql' })
          : poolOptions('development', { driver: 'mysql', max: 10 }),
      };
    case 'better-sqlite3':
      return { ...common, type: 'better-sqlite3', database: db.path, enableWAL: true };
  }
}

/** Thrown when the database in DATABASE_URL cannot be reached or migrated. */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
}

/**
 * Connects to the configured database and brings its schema up to date. Errors name the
 * database (without its password) and say what failed, so startup logs stay one line.
 */
export async function openDatabase(db: DatabaseConfig): Promise<DataSource> {
  if (db.type === 'better-sqlite3') mkdirSync(dirname(db.path), { recursive: true });
  const dataSource = new DataSource(dataSourceOptions(db));
  try {
    await dataSource.initialize();
  } catch (error) {
    throw new DatabaseUnavailableError(
      `DATABASE_URL: cannot connect to ${db.display}: ${messageOf(error)}`,
      { cause: error },
    );
  }
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } catch (error) {
    await dataSource.destroy().catch(() => undefined);
    throw new DatabaseUnavailableError(
      `DATABASE_URL: migrating ${db.display} failed: ${messageOf(error)}`,
      { cause: error },
    );
  }
  return dataSource;
}

function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return [...new Set(error.errors.map(messageOf))].join('; ');
  }
  if (error instanceof Error) {
    const code = (error as { code?: string }).code;
    return error.message || code || error.name;
  }
  return String(error);
}
