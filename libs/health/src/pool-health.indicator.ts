import { Injectable, Logger, Optional } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import { describeValue, parseDuration } from '@nest-perf/core';
import type { Duration } from '@nest-perf/core';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { adaptersOf, type PoolAdapter, type PoolStats, type ProbeSignal } from './pool-drivers';
import { PoolMetrics } from './pool-metrics';

/** Options of {@link PoolHealthIndicator.isHealthy}. */
export interface PoolHealthCheckOptions {
  /** The DataSource to check. Default: the app's default TypeORM DataSource. */
  dataSource?: DataSource;
  /**
   * Callers allowed to wait for a connection before the pool counts as saturated. Default 0: a
   * request waiting for a connection means the pool is too small for the load.
   */
  maxWaiting?: number;
  /** Share of the pool (0..1) in use above which the pool counts as saturated. Default 0.9. */
  maxUtilization?: number;
  /** How long the probe may take to acquire a connection and run `SELECT 1`. Default 1000 ms. */
  timeout?: Duration;
}

/** What the indicator reports for one pool (the primary, or each entry of `replicas`). */
export interface PoolHealthDetails extends PoolStats {
  /** How long the probe waited for a connection, ms (absent when the probe failed). */
  acquireMs?: number;
  /** Why the probe failed. */
  error?: string;
}

/** The defaults of {@link PoolHealthCheckOptions}. */
export const POOL_HEALTH_DEFAULTS = { maxWaiting: 0, maxUtilization: 0.9, timeoutMs: 1000 };

interface ResolvedOptions {
  maxWaiting: number;
  maxUtilization: number;
  timeoutMs: number;
}

/** @internal */
export function resolvePoolHealthOptions(
  options: PoolHealthCheckOptions,
): ResolvedOptions | string[] {
  const problems: string[] = [];
  const { maxWaiting, maxUtilization, timeout, dataSource } = options;
  if (maxWaiting !== undefined && !(Number.isInteger(maxWaiting) && maxWaiting >= 0)) {
    problems.push(`maxWaiting must be an integer >= 0 (got ${describeValue(maxWaiting)})`);
  }
  if (
    maxUtilization !== undefined &&
    !(typeof maxUtilization === 'number' && maxUtilization >= 0 && maxUtilization <= 1)
  ) {
    problems.push(
      `maxUtilization must be a number from 0 to 1 (got ${describeValue(maxUtilization)})`,
    );
  }
  let timeoutMs = POOL_HEALTH_DEFAULTS.timeoutMs;
  if (timeout !== undefined) {
    try {
      timeoutMs = parseDuration(timeout, 'timeout');
      if (timeoutMs <= 0) problems.push(`timeout must be > 0 (got ${describeValue(timeout)})`);
    } catch {
      problems.push(
        `timeout must be a duration such as 1000 or '1s' (got ${describeValue(timeout)})`,
      );
    }
  }
  if (dataSource !== undefined && !(dataSource instanceof DataSource)) {
    problems.push(`dataSource must be a TypeORM DataSource (got ${describeValue(dataSource)})`);
  }
  if (problems.length > 0) return problems;
  return {
    maxWaiting: maxWaiting ?? POOL_HEALTH_DEFAULTS.maxWaiting,
    maxUtilization: maxUtilization ?? POOL_HEALTH_DEFAULTS.maxUtilization,
    timeoutMs,
  };
}

class ProbeTimeoutError extends Error {
  constructor(ms: number) {
    super(`timeout of ${ms}ms exceeded`);
  }
}

/** Runs `run`, giving up after `ms`; a late rejection is swallowed. @internal */
async function withTimeout(ms: number, run: (signal: ProbeSignal) => Promise<void>): Promise<void> {
  const signal: ProbeSignal = { timedOut: false };
  let timer: NodeJS.Timeout | undefined;
  const work = run(signal);
  work.catch(() => undefined);
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      signal.timedOut = true;
      reject(new ProbeTimeoutError(ms));
    }, ms);
  });
  try {
    await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

interface DriverInternals {
  master?: unknown;
  slaves?: unknown[];
  pool?: unknown;
  poolCluster?: unknown;
}

type Details = Record<string, unknown>;
type DegradableSession<Key extends string> = {
  degraded?: (data: Details) => HealthIndicatorResult<Key>;
};

/**
 * Terminus health indicator for a TypeORM connection pool: `pg` (and each replica pool when
 * replication is configured), mysql2, and better-sqlite3 (not pooled; up when `SELECT 1` works).
 * Reports `driver, max, total, idle, active, waiting, utilization, acquireMs` plus HikariCP-style
 * `metrics` (acquire/usage percentiles, timeouts, errors).
 *
 * Down when the probe cannot acquire a connection and run `SELECT 1` within `timeout`
 * (`message: 'timeout of 1000ms exceeded'`), or when the pool is saturated (`waiting > maxWaiting`
 * or `utilization > maxUtilization`). On Terminus 12 a saturated pool whose probe still succeeds is
 * `degraded` instead of down. Never throws.
 *
 * @example
 * \@Get('health') \@HealthCheck()
 * check() {
 *   return this.health.check([() => this.pool.isHealthy('database', { maxUtilization: 0.8 })]);
 * }
 */
@Injectable()
export class PoolHealthIndicator {
  private readonly logger = new Logger(PoolHealthIndicator.name);

  constructor(
    private readonly health: HealthIndicatorService,
    private readonly metrics: PoolMetrics,
    @Optional() private readonly moduleRef?: ModuleRef,
  ) {}

  /** Checks the pool of `options.dataSource` (default: the app's DataSource) under `key`. */
  async isHealthy<const Key extends string>(
    key: Key,
    options: PoolHealthCheckOptions = {},
  ): Promise<HealthIndicatorResult<Key>> {
    const session = this.health.check(key);
    try {
      const resolved = resolvePoolHealthOptions(options ?? {});
      if (Array.isArray(resolved)) {
        return session.down({ message: `invalid options: ${resolved.join('; ')}` });
      }
      const dataSource = options.dataSource ?? this.defaultDataSource();
      if (!dataSource) {
        return session.down({
          message: 'no TypeORM DataSource: pass { dataSource } or import TypeOrmModule.forRoot()',
        });
      }
      const driver = String(dataSource.options.type);
      if (!dataSource.isInitialized) {
        return session.down({ driver, message: 'DataSource is not initialized' });
      }
      const outcome = await this.inspect(dataSource, resolved);
      const details: Details = { driver, ...outcome.details };
      if (outcome.failure) return session.down({ ...details, message: outcome.failure });
      if (outcome.saturation) {
        const degraded = (session as DegradableSession<Key>).degraded;
        const saturated = { ...details, message: outcome.saturation };
        return typeof degraded === 'function'
          ? degraded.call(session, saturated)
          : session.down(saturated);
      }
      return session.up(details);
    } catch (error) {
      // A bug here must show as a failed check, not as a crashed health endpoint.
      this.logger.error(`pool health check '${key}' failed: ${messageOf(error)}`);
      return session.down({ message: messageOf(error) });
    }
  }

  private defaultDataSource(): DataSource | undefined {
    try {
      return this.moduleRef?.get(DataSource, { strict: false });
    } catch {
      return undefined;
    }
  }

  private async inspect(
    dataSource: DataSource,
    options: ResolvedOptions,
  ): Promise<{ details: Details; failure?: string; saturation?: string }> {
    const internals = dataSource.driver as unknown as DriverInternals;
    const adapters = adaptersOf(dataSource.driver);
    if (adapters.length === 0) return this.probeUnpooled(dataSource, options, internals);

    const reports = await Promise.all(adapters.map((adapter) => this.checkPool(adapter, options)));
    const [primary, ...replicas] = reports;
    const details: Details = {
      ...primary.details,
      metrics: this.metrics.snapshot(adapters[0].pool),
    };
    if (replicas.length > 0) details.replicas = replicas.map((r) => r.details);
    const label = (i: number) => (i === 0 ? '' : `replica ${i - 1}: `);
    const failures = reports.flatMap((r, i) => (r.failure ? [label(i) + r.failure] : []));
    const saturations = reports.flatMap((r, i) => (r.saturation ? [label(i) + r.saturation] : []));
    return {
      details,
      failure: failures.length > 0 ? failures.join('; ') : undefined,
      saturation: saturations.length > 0 ? saturations.join('; ') : undefined,
    };
  }

  private async checkPool(
    adapter: PoolAdapter,
    options: ResolvedOptions,
  ): Promise<{ details: PoolHealthDetails; failure?: string; saturation?: string }> {
    const counters = this.metrics.countersFor(adapter.pool);
    if (adapter.kind === 'pg') this.metrics.instrumentPg(adapter.pool as never);
    // Counted before the probe, so the probe's own wait does not show as load.
    const stats = adapter.stats();
    let acquireMs: number | undefined;
    let failure: string | undefined;
    try {
      await withTimeout(options.timeoutMs, (signal) =>
        adapter.probe((ms) => {
          acquireMs = round(ms);
          if (!counters.instrumented) counters.acquire.record(ms);
        }, signal),
      );
    } catch (error) {
      failure = messageOf(error);
      if (error instanceof ProbeTimeoutError) counters.timeouts++;
      else if (!counters.instrumented) counters.errors++;
    }
    const problems: string[] = [];
    if (stats.waiting > options.maxWaiting) {
      problems.push(`${stats.waiting} waiting for a connection (maxWaiting ${options.maxWaiting})`);
    }
    if (stats.utilization > options.maxUtilization) {
      problems.push(`utilization ${stats.utilization} (maxUtilization ${options.maxUtilization})`);
    }
    return {
      details: {
        ...stats,
        ...(acquireMs !== undefined ? { acquireMs } : {}),
        ...(failure ? { error: failure } : {}),
      },
      failure,
      saturation: problems.length > 0 ? `pool saturated: ${problems.join(', ')}` : undefined,
    };
  }

  private async probeUnpooled(
    dataSource: DataSource,
    options: ResolvedOptions,
    internals: DriverInternals,
  ): Promise<{ details: Details; failure?: string }> {
    // mysql replication (a PoolCluster) or an unknown driver: no pool counts, only the probe.
    const pooled = internals.poolCluster !== undefined || internals.pool !== undefined;
    const started = performance.now();
    try {
      await withTimeout(options.timeoutMs, async () => {
        await dataSource.query('SELECT 1');
      });
      return { details: { pooled, queryMs: round(performance.now() - started) } };
    } catch (error) {
      return { details: { pooled }, failure: messageOf(error) };
    }
  }
}
