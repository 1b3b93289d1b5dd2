import { performance } from 'node:perf_hooks';

/** Connection counts of one pool at one instant. */
export interface PoolStats {
  /** Most connections the pool opens (0 = unlimited, mysql2's `connectionLimit: 0`). */
  max: number;
  /** Connections open now. */
  total: number;
  /** Open connections nobody holds. */
  idle: number;
  /** Connections checked out (total - idle). */
  active: number;
  /** Callers queued for a connection. */
  waiting: number;
  /** active / max, 0..1 (0 for an unlimited pool). */
  utilization: number;
}

/** A driver's pool, seen through what the health indicator needs of it. @internal */
export interface PoolAdapter {
  readonly pool: object;
  stats(): PoolStats;
  readonly kind: 'pg' | 'mysql2';
  /**
   * Acquires a connection, runs `SELECT 1`, releases it; rejects on failure. A connection that
   * arrives after `signal.timedOut` was set goes straight back to the pool.
   */
  probe(onAcquired: (ms: number) => void, signal: ProbeSignal): Promise<void>;
}

/** Set by the caller when it gave up waiting for the probe. @internal */
export interface ProbeSignal {
  timedOut: boolean;
}

interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options?: { max?: number };
  connect(): Promise<PgClient>;
}
interface PgClient {
  query(sql: string): Promise<unknown>;
  release(err?: unknown): void;
}

interface MysqlPool {
  config?: { connectionLimit?: number };
  _allConnections?: unknown;
  _freeConnections?: unknown;
  _connectionQueue?: unknown;
  getConnection(cb: (err: unknown, connection?: MysqlConnection) => void): void;
}
interface MysqlConnection {
  query(sql: string, cb: (err: unknown) => void): void;
  release(): void;
  destroy?(): void;
}

/** @internal */
export function isPgPool(pool: unknown): pool is PgPool {
  const p = pool as Partial<PgPool> | undefined;
  return (
    typeof p?.connect === 'function' &&
    typeof p.totalCount === 'number' &&
    typeof p.idleCount === 'number' &&
    typeof p.waitingCount === 'number'
  );
}

/** @internal */
export function isMysqlPool(pool: unknown): pool is MysqlPool {
  return typeof (pool as Partial<MysqlPool> | undefined)?.getConnection === 'function';
}

function stats(max: number, total: number, idle: number, waiting: number): PoolStats {
  const active = Math.max(0, total - idle);
  const utilization = max > 0 ? Math.round((active / max) * 1000) / 1000 : 0;
  return { max, total, idle, active, waiting, utilization };
}

/**
 * The probe runs against the pool directly (not through TypeORM) so that it measures the acquire
 * and so that a probe that timed out can hand its late connection back instead of leaking it.
 * @internal
 */
export function pgAdapter(pool: PgPool): PoolAdapter {
  return {
    kind: 'pg',
    pool,
    stats: () => stats(pool.options?.max ?? 10, pool.totalCount, pool.idleCount, pool.waitingCount),
    probe: async (onAcquired, signal) => {
      const started = performance.now();
      const client = await pool.connect();
      if (signal.timedOut) {
        client.release();
        return;
      }
      onAcquired(performance.now() - started);
      try {
        await client.query('SELECT 1');
      } catch (error) {
        client.release(error);
        throw error;
      }
      client.release();
    },
  };
}

function lengthOf(queue: unknown): number | undefined {
  const length = (queue as { length?: unknown } | undefined)?.length;
  return typeof length === 'number' ? length : undefined;
}

/** @internal */
export function mysqlAdapter(pool: MysqlPool): PoolAdapter {
  return {
    kind: 'mysql2',
    pool,
    stats: () =>
      stats(
        pool.config?.connectionLimit ?? 10,
        lengthOf(pool._allConnections) ?? 0,
        lengthOf(pool._freeConnections) ?? 0,
        lengthOf(pool._connectionQueue) ?? 0,
      ),
    probe: (onAcquired, signal) =>
      new Promise<void>((resolve, reject) => {
        const started = performance.now();
        pool.getConnection((err, connection) => {
          if (err || !connection) return reject(err ?? new Error('mysql2 gave no connection'));
          if (signal.timedOut) {
            connection.release();
            return resolve();
          }
          onAcquired(performance.now() - started);
          connection.query('SELECT 1', (queryError) => {
            connection.release();
            if (queryError) reject(queryError);
            else resolve();
          });
        });
      }),
  };
}

/** Whether this mysql2 version keeps its connections where {@link mysqlAdapter} looks. @internal */
export function mysqlStatsAvailable(pool: MysqlPool): boolean {
  return (
    lengthOf(pool._allConnections) !== undefined && lengthOf(pool._freeConnections) !== undefined
  );
}

/**
 * The pools behind a TypeORM DataSource: a `pg` primary and its replicas, or one mysql2 pool.
 * Empty for drivers without a pool this library can read (better-sqlite3, mysql PoolCluster).
 * @internal
 */
export function adaptersOf(driver: object): PoolAdapter[] {
  const internals = driver as { master?: unknown; slaves?: unknown[]; pool?: unknown };
  if (isPgPool(internals.master)) {
    const adapters = [pgAdapter(internals.master)];
    for (const slave of internals.slaves ?? [])
      if (isPgPool(slave)) adapters.push(pgAdapter(slave));
    return adapters;
  }
  if (isMysqlPool(internals.pool) && mysqlStatsAvailable(internals.pool)) {
    return [mysqlAdapter(internals.pool)];
  }
  return [];
}
