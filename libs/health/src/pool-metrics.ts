import { Injectable } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { LatencyHistogram } from '@nest-perf/core';
import type { LatencySummary } from '@nest-perf/core';

/** HikariCP-style timers and counters of one pool, as `PoolMetrics.snapshot()` reports them. */
export interface PoolMetricsSnapshot {
  /** Time callers waited for a connection (every acquire when the pool is instrumented). */
  acquire: LatencySummary;
  /** Time a connection was held, from acquire to release. */
  usage: LatencySummary;
  /** Acquires that timed out (the pool's own timeout, or the health probe's). */
  timeouts: number;
  /** Acquires that failed for another reason (connection refused, authentication, ...). */
  errors: number;
  /** Whether every acquire is timed (pg pools) or only the health probe's (other drivers). */
  instrumented: boolean;
}

/** @internal */
export class PoolCounters {
  readonly acquire = new LatencyHistogram();
  readonly usage = new LatencyHistogram();
  timeouts = 0;
  errors = 0;
  instrumented = false;

  snapshot(): PoolMetricsSnapshot {
    return {
      acquire: this.acquire.summary(),
      usage: this.usage.summary(),
      timeouts: this.timeouts,
      errors: this.errors,
      instrumented: this.instrumented,
    };
  }
}

/** The part of a `pg` Pool the metrics wrap. @internal */
export interface PgPoolLike {
  connect(...args: unknown[]): unknown;
}

interface PgClientLike {
  release: (err?: unknown) => void;
}

type PgConnectCallback = (
  err: unknown,
  client?: PgClientLike,
  done?: (err?: unknown) => void,
) => void;

const PG_TIMEOUT = /timeout/i;

/**
 * Acquire-time and usage-time histograms and timeout/error counters per connection pool, like
 * HikariCP's pool metrics. Memory is bounded: a fixed-size histogram per pool, forgotten with the
 * pool (kept in a WeakMap). `pg` pools are instrumented when `PoolHealthIndicator` first sees them,
 * so every acquire after that is timed; for other drivers only the health probe is recorded.
 *
 * @example
 * const { acquire, usage, timeouts } = poolMetrics.snapshot(dataSource.driver.master);
 */
@Injectable()
export class PoolMetrics {
  private readonly pools = new WeakMap<object, PoolCounters>();

  /** The counters of `pool`, created empty on first use. @internal */
  countersFor(pool: object): PoolCounters {
    let counters = this.pools.get(pool);
    if (!counters) this.pools.set(pool, (counters = new PoolCounters()));
    return counters;
  }

  /** Timers and counters of `pool` (all zero when nothing was recorded yet). */
  snapshot(pool: object): PoolMetricsSnapshot {
    return this.countersFor(pool).snapshot();
  }

  /**
   * Wraps `pool.connect` of a `pg` Pool so every acquire and every release is timed. Idempotent.
   * The wrapper only observes: arguments, results and errors pass through unchanged.
   * @internal
   */
  instrumentPg(pool: PgPoolLike): void {
    const counters = this.countersFor(pool);
    if (counters.instrumented) return;
    counters.instrumented = true;
    const original = pool.connect;
    const failed = (error: unknown) => {
      if (PG_TIMEOUT.test(error instanceof Error ? error.message : String(error)))
        counters.timeouts++;
      else counters.errors++;
    };
    const acquired = (started: number, client: PgClientLike) => {
      const at = performance.now();
      counters.acquire.record(at - started);
      const release = client.release;
      let released = false;
      // pg sets a fresh `release` on every checkout, so this wrapper lives for one checkout only.
      client.release = function timedRelease(this: unknown, err?: unknown) {
        if (!released) {
          released = true;
          counters.usage.record(performance.now() - at);
        }
        return release.call(this, err);
      };
      return client.release;
    };
    pool.connect = function timedConnect(this: unknown, ...args: unknown[]) {
      const started = performance.now();
      const cb = args[0];
      if (typeof cb === 'function') {
        return original.call(this, ((err, client, done) => {
          if (err || !client) {
            if (err) failed(err);
            return (cb as PgConnectCallback)(err, client, done);
          }
          return (cb as PgConnectCallback)(err, client, acquired(started, client));
        }) as PgConnectCallback);
      }
      return (original.apply(this, args) as Promise<PgClientLike>).then(
        (client) => {
          acquired(started, client);
          return client;
        },
        (error: unknown) => {
          failed(error);
          throw error;
        },
      );
    };
  }
}
