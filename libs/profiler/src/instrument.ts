import type { DataSource, QueryRunner } from 'typeorm';
import { FingerprintCache } from './fingerprint';
import type { SqlDialect } from './fingerprint';

const BINDING = Symbol('nest-perf.profiler');

interface Binding {
  readonly source: InstrumentedSource;
  readonly handle: StatementHandler;
  active: boolean;
}

type BoundRunner = QueryRunner & { [BINDING]?: Binding };

/** The `query` method of a TypeORM QueryRunner. */
type QueryFn = (
  sql: string,
  parameters?: unknown[],
  useStructuredResult?: boolean,
) => Promise<unknown>;

/** @internal What the recorder needs to know about an instrumented DataSource. */
export interface InstrumentedSource {
  readonly dataSource: DataSource;
  readonly dialect: SqlDialect;
  readonly fingerprints: FingerprintCache;
  /** Whether runners acquire pooled connections (so the wait is excluded from statement time). */
  readonly pooled: boolean;
  /** A QueryRunner whose statements are not recorded (for the profiler's own EXPLAINs). */
  createUnrecordedRunner(): QueryRunner;
}

/** @internal The recorder's per-statement entry point. */
export type StatementHandler = (
  source: InstrumentedSource,
  runner: QueryRunner & { databaseConnection?: unknown },
  original: QueryFn,
  sql: string,
  parameters: unknown[] | undefined,
  useStructuredResult: boolean | undefined,
) => Promise<unknown>;

/** @internal Maps a TypeORM DataSource type to the fingerprint dialect; undefined if unsupported. */
export function dialectOf(type: string): SqlDialect | undefined {
  if (type === 'postgres' || type === 'aurora-postgres' || type === 'cockroachdb')
    return 'postgres';
  if (type === 'mysql' || type === 'mariadb' || type === 'aurora-mysql') return 'mysql';
  if (type === 'better-sqlite3' || type === 'sqlite' || type === 'sqljs' || type === 'capacitor') {
    return 'sqlite';
  }
  return undefined;
}

/**
 * Instruments a DataSource: every QueryRunner its driver creates from now on (repositories,
 * query builders, `dataSource.query`, transactions, replicas) gets a `query` that goes through
 * `handle`. Wrapping `QueryRunner.query` was chosen by measurement over a TypeORM subscriber
 * (1 ms resolution, no pool-wait split) and driver-level hooks (one per driver):
 * bench/profiler/hooks.mjs. Returns the function that undoes it.
 * @internal
 */
export function instrumentDataSource(
  dataSource: DataSource,
  dialect: SqlDialect,
  handle: StatementHandler,
): { source: InstrumentedSource; detach: () => void } {
  const driver = dataSource.driver as unknown as Record<string, unknown> & {
    createQueryRunner: (mode: 'master' | 'slave') => QueryRunner;
  };
  const hadOwn = Object.prototype.hasOwnProperty.call(driver, 'createQueryRunner');
  const create = driver.createQueryRunner;
  const source: InstrumentedSource = {
    dataSource,
    dialect,
    fingerprints: new FingerprintCache(dialect),
    pooled: dialect !== 'sqlite',
    createUnrecordedRunner: () => create.call(driver, 'master'),
  };
  // Runners may outlive an attach (SQLite drivers hand out one shared runner for the life of the
  // DataSource), so a runner's wrapper reads its binding on every call: detaching switches the
  // binding off, attaching again rebinds the same wrapper instead of stacking a second one.
  const binding: Binding = { source, handle, active: true };
  const patched = function (this: unknown, mode: 'master' | 'slave'): QueryRunner {
    const runner = create.call(this, mode) as BoundRunner;
    if (runner[BINDING] === undefined) {
      const original = runner.query as QueryFn;
      runner.query = function profiledQuery(
        this: BoundRunner,
        sql: string,
        parameters?: unknown[],
        useStructuredResult?: boolean,
      ) {
        const bound = this[BINDING];
        return bound?.active
          ? bound.handle(bound.source, this, original, sql, parameters, useStructuredResult)
          : original.call(this, sql, parameters, useStructuredResult);
      } as QueryRunner['query'];
    }
    runner[BINDING] = binding;
    return runner;
  };
  driver.createQueryRunner = patched;
  return {
    source,
    detach: () => {
      binding.active = false;
      if (driver.createQueryRunner !== patched) return;
      if (hadOwn) driver.createQueryRunner = create;
      else delete (driver as Record<string, unknown>).createQueryRunner;
    },
  };
}
