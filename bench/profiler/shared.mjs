// What the profiler benchmark's sections share: paths, the bench database, statistics helpers,
// the library loaders and the request-context wrapper.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(HERE, '..', '..');
export const require = createRequire(import.meta.url);

/** The benchmark's own database, so the tests' `test` database is never touched. */
export const BENCH_DB_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/nestperf_bench';
export const ADMIN_DB_URL = BENCH_DB_URL.replace(/\/[^/]+$/, '/postgres');
export const SEED_USERS = 10_000;
export const SEED_TASKS = 1_000_000;

export function median(xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Rotates `list` by `n` places: round r runs the candidates in a different order. */
export const rotate = (list, n) => list.map((_, i) => list[(i + n) % list.length]);

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let profilerLib;
/** `{ QueryProfiler }` if `@nest-perf/profiler` is built and exports it, `{ error }` if not. */
export function loadProfiler() {
  if (!profilerLib) {
    try {
      const mod = require('@nest-perf/profiler');
      profilerLib =
        typeof mod.QueryProfiler === 'function'
          ? { QueryProfiler: mod.QueryProfiler, mod }
          : { error: '@nest-perf/profiler is built but exports no QueryProfiler (not ready yet?)' };
    } catch (err) {
      profilerLib = { error: String(err?.message ?? err).split('\n')[0] };
    }
  }
  return profilerLib;
}

const core = require('@nest-perf/core');
/** Runs `fn` as a request would: inside a fresh `@nest-perf/core` request context. */
export const inRequest = (fn) =>
  core.runWithRequestContext(core.createRequestContext('GET', '/bench'), fn);

/**
 * How many statements a profiler recorded, read from `stats()` whatever its exact shape
 * (an array of per-fingerprint rows with `count`, or an object holding one). NaN if unknown.
 */
export function recordedCount(stats) {
  const rows = Array.isArray(stats)
    ? stats
    : Array.isArray(stats?.queries)
      ? stats.queries
      : Array.isArray(stats?.fingerprints)
        ? stats.fingerprints
        : undefined;
  if (rows) return rows.reduce((n, r) => n + (Number(r.count ?? r.calls) || 0), 0);
  for (const k of ['statements', 'totalQueries', 'queries', 'count']) {
    if (typeof stats?.[k] === 'number') return stats[k];
  }
  return NaN;
}

/** The minimal recorder the hooks are compared with: one clock read each side + a Map update. */
export function createRecorder() {
  const stats = new Map();
  return {
    stats,
    record(sql, ms) {
      const s = stats.get(sql);
      if (s) {
        s.count++;
        s.totalMs += ms;
        if (ms === 0) s.zeros++;
      } else stats.set(sql, { count: 1, totalMs: ms, zeros: ms === 0 ? 1 : 0 });
    },
    count: () => [...stats.values()].reduce((n, s) => n + s.count, 0),
    zeros: () => [...stats.values()].reduce((n, s) => n + s.zeros, 0),
  };
}

/**
 * Wraps `runner.query` of every QueryRunner `dataSource` hands out from now on (the driver may
 * reuse one runner, as better-sqlite3 does: it is wrapped once) with the minimal recorder.
 */
export function wrapRunners(dataSource, recorder) {
  const driver = dataSource.driver;
  const create = driver.createQueryRunner;
  const wrapped = new WeakSet();
  driver.createQueryRunner = function (mode) {
    const runner = create.call(this, mode);
    if (!wrapped.has(runner)) {
      wrapped.add(runner);
      const query = runner.query;
      runner.query = async function (sql, parameters, structured) {
        const t0 = performance.now();
        try {
          return await query.call(this, sql, parameters, structured);
        } finally {
          recorder.record(sql, performance.now() - t0);
        }
      };
    }
    return runner;
  };
}

/** A better-sqlite3 `:memory:` DataSource without entities. */
export async function sqliteDataSource(extra = {}) {
  const { DataSource } = require('typeorm');
  const ds = new DataSource({ type: 'better-sqlite3', database: ':memory:', ...extra });
  await ds.initialize();
  return ds;
}

/** A Postgres DataSource on the bench database, without entities unless given. */
export async function postgresDataSource(extra = {}) {
  const { DataSource } = require('typeorm');
  const ds = new DataSource({ type: 'postgres', url: BENCH_DB_URL, ...extra });
  await ds.initialize();
  return ds;
}

/** Creates the bench database if missing. */
export async function ensureBenchDatabase(log) {
  const pg = require('pg');
  const name = new URL(BENCH_DB_URL).pathname.slice(1);
  const admin = new pg.Client({ connectionString: ADMIN_DB_URL });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      log(`  creating database ${name}`);
      await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    }
  } finally {
    await admin.end();
  }
}

let indexNote;
async function indexOnce(log) {
  if (!indexNote) {
    const pg = require('pg');
    const client = new pg.Client({ connectionString: BENCH_DB_URL });
    await client.connect();
    try {
      indexNote = await ensureBenchIndexes(client);
    } finally {
      await client.end();
    }
    for (const note of indexNote) log(`  ${note}`);
  }
  return indexNote;
}

/**
 * Makes sure the bench database holds the seeded sample dataset (≥ 1M tasks; seeded with the
 * sample app's seeder, about a minute, when it does not) and {@link BENCH_INDEXES}. Returns
 * `{ tasks, seeded, seconds, indexes }` (indexes: one sentence per index, created or present).
 */
export async function ensureDataset(log = console.error) {
  await ensureBenchDatabase(log);
  const pg = require('pg');
  const client = new pg.Client({ connectionString: BENCH_DB_URL });
  await client.connect();
  let tasks = 0;
  try {
    const { rows } = await client.query("SELECT to_regclass('public.tasks') IS NOT NULL AS ok");
    if (rows[0].ok) {
      tasks = Number((await client.query('SELECT count(*)::int AS n FROM tasks')).rows[0].n);
    }
  } finally {
    await client.end();
  }
  if (tasks >= SEED_TASKS) return { tasks, seeded: false, indexes: await indexOnce(log) };
  const cli = join(ROOT, 'apps/sample/dist/seed/seed.cli.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
  log(`  bench database holds ${tasks} tasks: seeding ${SEED_USERS} users / ${SEED_TASKS} tasks…`);
  const started = performance.now();
  await new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [cli, '--users', String(SEED_USERS), '--tasks', String(SEED_TASKS)],
      { env: { ...process.env, DATABASE_URL: BENCH_DB_URL }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`seeding failed (${signal ?? `exit ${code}`}):\n${output}`));
    });
  });
  const seconds = (performance.now() - started) / 1000;
  log(`  seeded in ${seconds.toFixed(1)} s`);
  return { tasks: SEED_TASKS, seeded: true, seconds, indexes: await indexOnce(log) };
}

/**
 * Indexes the bench adds to its database (the sample schema has no secondary indexes on purpose:
 * finding them is the index advisor's job). The first serves the pagination section and the
 * summary endpoint's task queries; the other two the summary endpoint's conversation count and
 * resource count, which otherwise scan 0.5M and 1.9M rows per request and would make the HTTP
 * section measure Postgres alone.
 */
export const BENCH_INDEXES = [
  {
    table: 'tasks',
    name: 'bench_tasks_user_created_at_id',
    columns: '(user_id, created_at DESC, id DESC)',
  },
  { table: 'conversations', name: 'bench_conversations_user_id', columns: '(user_id)' },
  { table: 'resources', name: 'bench_resources_task_id', columns: '(task_id)' },
];

/**
 * Makes sure each of {@link BENCH_INDEXES} exists (as any index with those columns; created under
 * the bench name if not). Returns one sentence per index saying which.
 */
export async function ensureBenchIndexes(client) {
  const notes = [];
  for (const ix of BENCH_INDEXES) {
    const existing = (
      await client.query(
        `SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename = $1
           AND indexdef LIKE $2`,
        [ix.table, `%USING btree ${ix.columns}`],
      )
    ).rows[0]?.indexname;
    if (existing) {
      notes.push(`index \`${existing}\` on ${ix.table} ${ix.columns} already present`);
      continue;
    }
    const t0 = performance.now();
    await client.query(`CREATE INDEX ${ix.name} ON ${ix.table} ${ix.columns}`);
    await client.query(`ANALYZE ${ix.table}`);
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    notes.push(`created index \`${ix.name}\` on ${ix.table} ${ix.columns} (${secs} s; kept)`);
  }
  return notes;
}
