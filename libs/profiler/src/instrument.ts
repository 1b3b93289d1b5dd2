import type { DataSource, QueryRunner } from 'typeorm';
import { FingerprintCache } from './fingerprint';
import type { SqlDialect } from './fingerprint';

const BINDING = Symbol('nest-perf.profiler');

interface Binding {
  readonly source: InstrumentedSource;
  readonly handle: StatementHandler;
  active: boolean;
}

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
  /**
   * Whether runners acquire pooled connections: then a runner without a connection acquires it
   * before its statement is timed, so that the wait is not statement time. (Skipping that step
   * when the pool shows an idle client is wrong: concurrent statements all see the same idle
   * client, and all but one then wait inside the timed call.)
   */
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
 * Instruments a DataSource: every statement of its QueryRunners (repositories, query builders,
 * `dataSource.query`, transactions, replicas) goes through `handle`. Wrapping `QueryRunner.query`
 * was chosen by measurement over a TypeORM subscriber (1 ms resolution, no pool-wait split) and
 * driver-level hooks (one per driver): bench/profiler/hooks.mjs.
 *
 * The wrapper sits on the runner class's prototype, once per class, and finds the DataSource's
 * binding through `runner.driver`: no per-runner closure or own property (runners are created per
 * repository call, and extra own properties made TypeORM's runner code slower), runners created
 * before `attach` are covered, and other DataSources of the same driver class pass straight
 * through. Returns the function that undoes it.
 * @internal
 */
export function instrumentDataSource(
  dataSource: DataSource,
  dialect: SqlDialect,
  handle: StatementHandler,
): { source: InstrumentedSource; detach: () => void } {
  const driver = dataSource.driver as unknown as Bound & {
    createQueryRunner: (mode: 'master' | 'slave') => QueryRunner;
  };
  const source: InstrumentedSource = {
    dataSource,
    dialect,
    fingerprints: new FingerprintCache(dialect),
    pooled: dialect !== 'sqlite',
    createUnrecordedRunner: () => {
      const runner = driver.createQueryRunner('master') as QueryRunner & Unrecorded;
      runner[UNRECORDED] = true;
      return runner;
    },
  };
  // Creating a runner does not connect; SQLite drivers return their one shared runner.
  patchPrototype(driver.createQueryRunner('master'));
  const binding: Binding = { source, handle, active: true };
  driver[BINDING] = binding;
  return {
    source,
    detach: () => {
      binding.active = false;
      if (driver[BINDING] === binding) driver[BINDING] = undefined;
    },
  };
}

const ORIGINAL = Symbol('nest-perf.profiler.original');
const UNRECORDED = Symbol('nest-perf.profiler.unrecorded');

type Bound = { [BINDING]?: Binding };
type Unrecorded = { [UNRECORDED]?: true };
type Patched = QueryFn & { [ORIGINAL]?: QueryFn };

function patchPrototype(runner: QueryRunner): void {
  let owner: object | null = Object.getPrototypeOf(runner);
  while (owner && !Object.prototype.hasOwnProperty.call(owner, 'query')) {
    owner = Object.getPrototypeOf(owner);
  }
  if (!owner) throw new Error('QueryProfiler: this TypeORM QueryRunner has no query method');
  const target = owner as { query: Patched };
  if (target.query[ORIGINAL]) return;
  const original = target.query;
  const profiledQuery: Patched = function (
    this: QueryRunner & { driver: Bound } & Unrecorded,
    sql: string,
    parameters?: unknown[],
    useStructuredResult?: boolean,
  ) {
    const bound = this.driver?.[BINDING];
    return bound !== undefined && bound.active && this[UNRECORDED] === undefined
      ? bound.handle(bound.source, this, original, sql, parameters, useStructuredResult)
      : original.call(this, sql, parameters, useStructuredResult);
  };
  profiledQuery[ORIGINAL] = original;
  target.query = profiledQuery;
}
