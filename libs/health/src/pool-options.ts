import { describeValue, parseDuration } from '@nest-perf/core';
import type { Duration } from '@nest-perf/core';
import { PoolOptionsError } from './health.errors';

/** The environments {@link poolOptions} has presets for. */
export type PoolEnvironment = 'production' | 'development' | 'test';

/** Adjustments to a {@link poolOptions} preset; every field is optional. */
export interface PoolPresetOverrides {
  /** Which driver's option names to produce. Default `'postgres'` (`pg`); `'mysql'` is mysql2. */
  driver?: 'postgres' | 'mysql';
  /** Most connections open at once, burst included. */
  max?: number;
  /** Connections kept open when idle; the ones above it close after `idleTimeout`. */
  min?: number;
  /** How long a connection above `min` may sit idle before it is closed. */
  idleTimeout?: Duration;
  /** How long a caller waits for a connection (pg) / for a new connection to open (mysql2). */
  acquireTimeout?: Duration;
}

/** TypeORM `extra` for a `pg` pool. */
export interface PgPoolExtra {
  max: number;
  min: number;
  idleTimeoutMillis: number;
  connectionTimeoutMillis: number;
}

/** TypeORM `extra` for a mysql2 pool. */
export interface MysqlPoolExtra {
  connectionLimit: number;
  maxIdle: number;
  idleTimeout: number;
  connectTimeout: number;
  /** 0 = unbounded queue of callers waiting for a connection (mysql2's default). */
  queueLimit: number;
}

interface Preset {
  core: number;
  burst: number;
  idleTimeoutMs: number;
  acquireTimeoutMs: number;
}

// core = connections kept open, burst = extra ones opened under load and closed when idle.
const PRESETS: Record<PoolEnvironment, Preset> = {
  production: { core: 20, burst: 10, idleTimeoutMs: 10_000, acquireTimeoutMs: 5_000 },
  development: { core: 5, burst: 2, idleTimeoutMs: 10_000, acquireTimeoutMs: 5_000 },
  test: { core: 1, burst: 0, idleTimeoutMs: 1_000, acquireTimeoutMs: 5_000 },
};

const OVERRIDE_KEYS = ['driver', 'max', 'min', 'idleTimeout', 'acquireTimeout'];

/**
 * Connection-pool settings for TypeORM's `extra`, per environment: production keeps 20
 * connections and opens up to 10 more under load (`max: 30, min: 20`: pg and mysql2 have no
 * "burst" setting, so the burst is the connections between `min` and `max`, closed again after
 * `idleTimeout`, 10 s); development 5 + 2; test 1. Callers wait up to `acquireTimeout` (5 s) for
 * a connection, so an exhausted pool fails requests instead of hanging them.
 *
 * @throws PoolOptionsError for an unknown environment or invalid overrides (all problems at once).
 * @example
 * TypeOrmModule.forRoot({ type: 'postgres', url, extra: poolOptions('production') })
 * TypeOrmModule.forRoot({ type: 'mysql', url, extra: poolOptions('development', { driver: 'mysql', max: 10 }) })
 */
export function poolOptions(
  env: PoolEnvironment,
  overrides: PoolPresetOverrides & { driver: 'mysql' },
): MysqlPoolExtra;
export function poolOptions(
  env: PoolEnvironment,
  overrides?: PoolPresetOverrides & { driver?: 'postgres' },
): PgPoolExtra;
export function poolOptions(
  env: PoolEnvironment,
  overrides: PoolPresetOverrides = {},
): PgPoolExtra | MysqlPoolExtra {
  const problems: string[] = [];
  const preset = Object.prototype.hasOwnProperty.call(PRESETS, env)
    ? PRESETS[env]
    : (problems.push(
        `env must be one of ${Object.keys(PRESETS)
          .map((e) => `'${e}'`)
          .join(', ')} (got ${describeValue(env)})`,
      ),
      PRESETS.test);
  if (overrides === null || typeof overrides !== 'object') {
    throw new PoolOptionsError([
      ...problems,
      `overrides must be an object (got ${describeValue(overrides)})`,
    ]);
  }
  for (const key of Object.keys(overrides)) {
    if (!OVERRIDE_KEYS.includes(key)) {
      problems.push(`unknown override '${key}' (known: ${OVERRIDE_KEYS.join(', ')})`);
    }
  }
  const driver = overrides.driver ?? 'postgres';
  if (driver !== 'postgres' && driver !== 'mysql') {
    problems.push(`driver must be 'postgres' or 'mysql' (got ${describeValue(driver)})`);
  }
  const max = overrides.max ?? preset.core + preset.burst;
  if (!Number.isInteger(max) || max < 1) {
    problems.push(`max must be an integer >= 1 (got ${describeValue(overrides.max)})`);
  }
  // A smaller max also lowers the kept connections, so { max: 5 } alone is valid.
  const min = overrides.min ?? Math.min(preset.core, max);
  if (!Number.isInteger(min) || min < 0) {
    problems.push(`min must be an integer >= 0 (got ${describeValue(overrides.min)})`);
  } else if (Number.isInteger(max) && min > max) {
    problems.push(`min must be <= max (got min ${min}, max ${max})`);
  }
  const duration = (value: Duration | undefined, fallback: number, name: string): number => {
    if (value === undefined) return fallback;
    try {
      return parseDuration(value, name);
    } catch {
      problems.push(
        `${name} must be a duration such as 500, '500ms' or '5s' (got ${describeValue(value)})`,
      );
      return fallback;
    }
  };
  const idleTimeoutMs = duration(overrides.idleTimeout, preset.idleTimeoutMs, 'idleTimeout');
  const acquireTimeoutMs = duration(
    overrides.acquireTimeout,
    preset.acquireTimeoutMs,
    'acquireTimeout',
  );
  if (problems.length > 0) throw new PoolOptionsError(problems);

  if (driver === 'mysql') {
    return {
      connectionLimit: max,
      maxIdle: min,
      idleTimeout: idleTimeoutMs,
      connectTimeout: acquireTimeoutMs,
      queueLimit: 0,
    };
  }
  return {
    max,
    min,
    idleTimeoutMillis: idleTimeoutMs,
    connectionTimeoutMillis: acquireTimeoutMs,
  };
}
