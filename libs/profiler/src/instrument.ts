import type { DataSource, QueryRunner } from 'typeorm';
import { FingerprintCache } from './fingerprint';
import type { SqlDialect } from './fingerprint';

/** @internal What the recorder needs to know about an instrumented DataSource. */
export interface InstrumentedSource {
  readonly dataSource: DataSource;
  readonly dialect: SqlDialect;
  readonly fingerprints: FingerprintCache;
  /** A QueryRunner whose statements are not recorded (for the profiler's own EXPLAINs). */
  createUnrecordedRunner(): QueryRunner;
}

/** The part of TypeORM's BeforeQuery/AfterQuery events the recorder reads. */
export interface QueryEventLike {
  readonly queryRunner: QueryRunner;
  readonly query: string;
  readonly parameters?: unknown[];
  /** AfterQuery only. */
  readonly success?: boolean;
  readonly error?: unknown;
}

/** @internal The recorder's entry points: a statement is sent, a statement has finished. */
export interface StatementHooks {
  before(source: InstrumentedSource, event: QueryEventLike): void;
  after(source: InstrumentedSource, event: QueryEventLike): void;
}

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

const UNRECORDED = Symbol('nest-perf.profiler.unrecorded');
type Unrecorded = { [UNRECORDED]?: true };

/** @internal Whether a runner was made by `createUnrecordedRunner`. */
export function isUnrecorded(runner: QueryRunner): boolean {
  return (runner as QueryRunner & Unrecorded)[UNRECORDED] === true;
}

/**
 * Instruments a DataSource: a TypeORM query subscriber (`beforeQuery` / `afterQuery`) sees every
 * statement of its QueryRunners (repositories, query builders, `dataSource.query`, transactions,
 * replicas; failures included). Chosen by measurement (bench/profiler/hooks.mjs and the HTTP
 * section): TypeORM calls both events synchronously inside `QueryRunner.query`, so the recorder
 * adds no promise to the statement. Under AsyncLocalStorage every promise runs Node's promise
 * hooks, and the earlier wrapper, which awaited each statement, cost 4 promises per statement
 * (208.5 promises per request against 188.5 without the profiler; 188 with the subscriber).
 * `beforeQuery` fires once the runner holds its connection, so pool waits are not statement time;
 * the clock is the profiler's own (`afterQuery`'s `executionTime` has 1 ms resolution).
 *
 * `initialize()` replaces TypeORM's subscriber list, so a DataSource attached before it, or
 * destroyed and initialized again, gets the subscriber back then. Returns the function that
 * undoes it.
 * @internal
 */
export function instrumentDataSource(
  dataSource: DataSource,
  dialect: SqlDialect,
  hooks: StatementHooks,
): { source: InstrumentedSource; detach: () => void } {
  const source: InstrumentedSource = {
    dataSource,
    dialect,
    fingerprints: new FingerprintCache(dialect),
    createUnrecordedRunner: () => {
      const runner = dataSource.createQueryRunner('master') as QueryRunner & Unrecorded;
      runner[UNRECORDED] = true;
      return runner;
    },
  };
  const subscriber = {
    beforeQuery: (event: QueryEventLike): void => hooks.before(source, event),
    afterQuery: (event: QueryEventLike): void => hooks.after(source, event),
  };
  const subscribers = (): unknown[] => dataSource.subscribers as unknown[];
  if (dataSource.isInitialized) subscribers().push(subscriber);
  // initialize() replaces the subscriber list (also after destroy() and initialize() again).
  const target = dataSource as { initialize: () => Promise<DataSource> };
  const own = Object.prototype.hasOwnProperty.call(target, 'initialize');
  const initialize = target.initialize;
  let attached = true;
  const wrapper = async function (this: DataSource) {
    const result = await initialize.call(this);
    if (attached && !subscribers().includes(subscriber)) subscribers().push(subscriber);
    return result;
  };
  target.initialize = wrapper;
  return {
    source,
    detach: () => {
      attached = false;
      // Put initialize back unless someone wrapped it after us (then ours stays, inert).
      if (target.initialize === wrapper) {
        if (own) target.initialize = initialize;
        else delete (target as Partial<typeof target>).initialize;
      }
      const list = subscribers();
      const at = list.indexOf(subscriber);
      if (at >= 0) list.splice(at, 1);
    },
  };
}
