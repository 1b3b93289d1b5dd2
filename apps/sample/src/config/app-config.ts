import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Where the sample app keeps its data. */
export type DatabaseConfig =
  | { type: 'postgres'; url: string; display: string }
  | { type: 'mysql'; url: string; display: string }
  | { type: 'better-sqlite3'; path: string; display: string };

/** The sample app's configuration, read once from the environment. */
export interface AppConfig {
  database: DatabaseConfig;
  /** Redis for the cache's second tier; undefined means the in-process cache only. */
  redisUrl?: string;
  port: number;
  host: string;
  /** Whether the query profiler is wired in (`PROFILER=off` leaves it out, for A/B benchmarks). */
  profiler: boolean;
  /**
   * Whether `/performance` and `/metrics` are wired in (`METRICS=off` leaves them out; the
   * profiler benchmark does, so that it measures the profiler alone). Default on.
   */
  metrics?: boolean;
  /** Where the profiler writes `workload.json` (every minute and at shutdown); unset = nowhere. */
  workloadFile?: string;
}

export const DEFAULT_SQLITE_PATH = './data/sample.sqlite';

/** Thrown at startup when the environment holds bad values; the message names every one. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: string[]) {
    super(
      `Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
        'Fix the variables above and start again (see README.md, "Configuration").',
    );
  }
}

/**
 * Reads and checks `DATABASE_URL`, `REDIS_URL`, `PORT`, `HOST`, `PROFILER`, `METRICS` and `WORKLOAD_FILE`. Empty values count as unset.
 * Collects every problem before throwing so one run shows all of them.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];
  const database = parseDatabaseUrl(value(env.DATABASE_URL) ?? DEFAULT_SQLITE_PATH, problems);
  const redisUrl = parseRedisUrl(value(env.REDIS_URL), problems);
  const port = parsePort(value(env.PORT), problems);
  const host = value(env.HOST) ?? '127.0.0.1';
  const profiler = parseSwitch('PROFILER', value(env.PROFILER), true, problems);
  const metrics = parseSwitch('METRICS', value(env.METRICS), true, problems);
  const workloadFile = value(env.WORKLOAD_FILE);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    database: database!,
    redisUrl,
    port,
    host,
    profiler,
    metrics,
    ...(workloadFile ? { workloadFile } : {}),
  };
}

function value(raw: string | undefined): string | undefined {
  const trimmed = raw?.trim();
  return trimmed ? trimmed : undefined;
}

/** @internal exported for tests */
export function parseDatabaseUrl(raw: string, problems: string[]): DatabaseConfig | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw)?.[1]?.toLowerCase();
  if (scheme === undefined) return sqliteFile(raw, problems);

  const expected =
    'expected postgres://user@host:5432/db, mysql://user@host:3306/db or a SQLite file path';
  const type =
    scheme === 'postgres' || scheme === 'postgresql'
      ? 'postgres'
      : scheme === 'mysql' || scheme === 'mariadb'
        ? 'mysql'
        : undefined;
  if (!type) {
    problems.push(`DATABASE_URL: unsupported scheme '${scheme}://' (${expected})`);
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`DATABASE_URL: '${redact(raw)}' is not a valid URL (${expected})`);
    return undefined;
  }
  if (!url.hostname) {
    problems.push(`DATABASE_URL: '${redact(raw)}' has no host (${expected})`);
    return undefined;
  }
  const dbName = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!dbName || dbName.includes('/')) {
    problems.push(`DATABASE_URL: '${redact(raw)}' must name one database after the host`);
    return undefined;
  }
  // mariadb:// is an alias users type; the driver only knows mysql://.
  const normalized = type === 'mysql' ? raw.replace(/^[a-z]+:/i, 'mysql:') : raw;
  const display = `${type} ${url.hostname}:${url.port || (type === 'postgres' ? 5432 : 3306)}/${dbName}`;
  return { type, url: normalized, display } as DatabaseConfig;
}

function sqliteFile(raw: string, problems: string[]): DatabaseConfig | undefined {
  const path = resolve(raw.replace(/^(sqlite|file):/i, ''));
  if (existsSync(path) && statSync(path).isDirectory()) {
    problems.push(`DATABASE_URL: '${raw}' is a directory; give a SQLite file path or a URL`);
    return undefined;
  }
  const parent = nearestExisting(dirname(path));
  if (!statSync(parent).isDirectory()) {
    problems.push(`DATABASE_URL: cannot create '${raw}': '${parent}' is not a directory`);
    return undefined;
  }
  return { type: 'better-sqlite3', path, display: `SQLite ${raw}` };
}

function nearestExisting(dir: string): string {
  let current = dir;
  while (!existsSync(current)) current = dirname(current);
  return current;
}

function parseRedisUrl(raw: string | undefined, problems: string[]): string | undefined {
  if (raw === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || !url.hostname) {
    problems.push(
      `REDIS_URL: '${redact(raw)}' is not a Redis URL (expected redis://host:6379 or rediss://...; leave it unset for the in-process cache only)`,
    );
    return undefined;
  }
  return raw;
}

function parsePort(raw: string | undefined, problems: string[]): number {
  if (raw === undefined) return 3000;
  const port = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!isPort(port)) {
    problems.push(`PORT: '${raw}' is not a TCP port (expected an integer from 1 to 65535)`);
  }
  return port;
}

function parseSwitch(
  name: string,
  raw: string | undefined,
  fallback: boolean,
  problems: string[],
): boolean {
  if (raw === undefined) return fallback;
  const normalized = raw.toLowerCase();
  if (['on', 'true', '1'].includes(normalized)) return true;
  if (['off', 'false', '0'].includes(normalized)) return false;
  problems.push(`${name}: '${raw}' is not a switch (expected on or off)`);
  return fallback;
}

function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}

/** Hides the password of a URL so it never lands in logs. */
export function redact(raw: string): string {
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}
