// The demo's Postgres side: its own database (dropped and recreated), the seeder, the ids the load
// uses, the planner's view of the workload's statements, index usage, and applying the advisor's
// migration the way an app would (TypeORM, migrationsTransactionMode 'each').
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, require, sleep } from '../profiler/shared.mjs';

const pg = require('pg');

/** The demo's database: DEMO_DATABASE_URL, or `nestperf_demo` on the local Postgres. */
export const DEFAULT_DATABASE_URL =
  process.env.DEMO_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/nestperf_demo';

const databaseName = (url) => decodeURIComponent(new URL(url).pathname.slice(1));
const quoteIdent = (name) => `"${name.replace(/"/g, '""')}"`;

/** Shows a URL without its password. */
export const redact = (url) => url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');

/** Runs `fn(client)` on a fresh connection to `url`. */
export async function withClient(url, fn) {
  const client = await withClientOpen(url);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** An open connection to `url` (the caller ends it). */
export async function withClientOpen(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  return client;
}

function adminUrl(url) {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  return admin.toString();
}

/** Drops the database of `url` (disconnecting its sessions) and creates it empty. */
export async function recreateDatabase(url) {
  const name = quoteIdent(databaseName(url));
  await withClient(adminUrl(url), async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
  });
}

/** Drops the database of `url` if it exists. */
export async function dropDatabase(url) {
  const name = quoteIdent(databaseName(url));
  await withClient(adminUrl(url), (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

/**
 * Runs `node <script> ...args` with `env` added and resolves to its output; rejects with the
 * output when it exits non-zero or outlives `timeoutMs`. `track` receives the child (for cleanup).
 */
export function runNode(script, args, { env = {}, timeoutMs = 600_000, track } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    track?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else {
        const how = signal ?? `exit code ${code}`;
        reject(new Error(`node ${script} ${args.join(' ')} failed (${how}):\n${stdout}${stderr}`));
      }
    });
  });
}

/** The seeded row counts and table sizes, largest first. */
export async function tableSizes(url) {
  return withClient(url, async (c) => {
    const { rows } = await c.query(
      `SELECT relname AS table, n_live_tup::bigint AS rows,
              pg_size_pretty(pg_total_relation_size(relid)) AS size
         FROM pg_stat_user_tables
        WHERE relname NOT IN ('migrations', 'advisor_migrations')
        ORDER BY pg_total_relation_size(relid) DESC`,
    );
    return rows.map((r) => ({ ...r, rows: Number(r.rows) }));
  });
}

/**
 * The ids the load spreads over, in a scattered but fixed order: every user but the heaviest 1%
 * of task owners (the seeder skews ownership; those few users would dominate the latencies), and
 * `taskCount` tasks.
 */
export async function pickIds(url, { users, taskCount }) {
  return withClient(url, async (c) => {
    const heavy = Math.max(1, Math.ceil(users / 100));
    const owners = await c.query(
      `SELECT user_id FROM tasks GROUP BY user_id ORDER BY count(*) DESC, user_id OFFSET $1`,
      [heavy],
    );
    const userIds = owners.rows
      .map((r) => Number(r.user_id))
      .sort((a, b) => scatter(a) - scatter(b) || a - b);
    const tasks = await c.query(`SELECT id FROM tasks ORDER BY md5(id::text) LIMIT $1`, [
      taskCount,
    ]);
    return { userIds, taskIds: tasks.rows.map((r) => r.id), heavyUsersLeftOut: heavy };
  });
}

const scatter = (n) => (n * 2_654_435_761) % 4_294_967_296;

/** Waits until no other session runs a statement on the database (at most `timeoutMs`). */
export async function waitForIdle(client, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await client.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'`,
    );
    if (rows[0].n === 0) return true;
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
}

/** Waits until no other session is connected to the database (their statistics are flushed). */
export async function waitForNoSessions(client, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await client.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    if (rows[0].n === 0) return true;
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
}

function planNodes(node, out = []) {
  out.push(node);
  for (const child of node.Plans ?? []) planNodes(child, out);
  return out;
}

/**
 * PREPAREs `sql` as `name`; a parameter Postgres cannot type (TypeORM's `COUNT($1)`) is declared
 * `text`. Resolves to the number of parameters.
 */
async function prepare(client, name, sql) {
  const count = Math.max(0, ...[...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
  const types = Array(count).fill('unknown');
  for (;;) {
    const declared = types.some((t) => t !== 'unknown') ? `(${types.join(', ')})` : '';
    try {
      await client.query(`PREPARE ${name}${declared} AS ${sql}`);
      return count;
    } catch (error) {
      const untyped = /could not determine data type of parameter \$(\d+)/.exec(error.message);
      if (!untyped || types[untyped[1] - 1] === 'text') throw error;
      types[untyped[1] - 1] = 'text';
    }
  }
}

/**
 * The generic plan (valid for any parameter values, as `PREPARE` + `EXPLAIN EXECUTE` with
 * `plan_cache_mode = force_generic_plan` gives it) of each statement: `{ shape, seqScans:
 * [{ table, rows }], indexes }` per fingerprint, or `{ error }`. `seqScans.rows` is the table's
 * row estimate (pg_class.reltuples), so a scan of a 300-row table can be told from one of 1M.
 */
export async function genericPlans(client, queries) {
  const reltuples = new Map(
    (
      await client.query(
        `SELECT relname, reltuples::bigint AS n FROM pg_class
          WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace`,
      )
    ).rows.map((r) => [r.relname, Number(r.n)]),
  );
  await client.query('SET plan_cache_mode = force_generic_plan');
  const plans = {};
  try {
    for (const [i, q] of queries.entries()) {
      const name = `demo_plan_${i}`;
      try {
        const n = await prepare(client, name, q.sql);
        try {
          const args = n ? `(${Array(n).fill('NULL').join(', ')})` : '';
          const { rows } = await client.query(`EXPLAIN (FORMAT JSON) EXECUTE ${name}${args}`);
          const nodes = planNodes(rows[0]['QUERY PLAN'][0].Plan);
          plans[q.fingerprint] = {
            shape: nodes
              .slice(0, 6)
              .map((n) => n['Node Type'] + (n['Index Name'] ? ` (${n['Index Name']})` : ''))
              .join(' > '),
            seqScans: nodes
              .filter((n) => n['Node Type'] === 'Seq Scan')
              .map((n) => ({
                table: n['Relation Name'],
                rows: reltuples.get(n['Relation Name']) ?? 0,
              })),
            indexes: [...new Set(nodes.map((n) => n['Index Name']).filter(Boolean))],
          };
        } finally {
          await client.query(`DEALLOCATE ${name}`);
        }
      } catch (error) {
        plans[q.fingerprint] = { error: error.message };
      }
    }
  } finally {
    await client.query('RESET plan_cache_mode');
  }
  return plans;
}

/**
 * Compiles the advisor's migration (TypeScript) to CommonJS in `dir` and runs it through a TypeORM
 * DataSource as an app's migration run would: its own migrations table, transaction mode 'each'
 * (the migration has `transaction = false` for CREATE INDEX CONCURRENTLY). Resolves to the names
 * of the migrations run.
 */
export async function applyMigration(url, source, dir) {
  const ts = require('typescript');
  const { DataSource } = require('typeorm');
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const file = join(dir, 'advisor-migration.js');
  writeFileSync(file, js);
  const exported = require(file);
  const classes = Object.values(exported).filter((v) => typeof v === 'function');
  if (classes.length !== 1) {
    throw new Error(`the migration should export one class; it exports ${classes.length}`);
  }
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    migrations: classes,
    migrationsTableName: 'advisor_migrations',
    migrationsTransactionMode: 'each',
  });
  await dataSource.initialize();
  try {
    const ran = await dataSource.runMigrations();
    return ran.map((m) => m.name);
  } finally {
    await dataSource.destroy();
  }
}

/** `{ name, table, valid, size }` of each named index (missing ones absent). */
export async function describeIndexes(client, names) {
  const { rows } = await client.query(
    `SELECT c.relname AS name, t.relname AS table, i.indisvalid AS valid,
            pg_size_pretty(pg_relation_size(c.oid)) AS size
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_class t ON t.oid = i.indrelid
       JOIN pg_indexes x ON x.indexname = c.relname AND x.schemaname = 'public'
      WHERE c.relname = ANY($1)`,
    [names],
  );
  return rows;
}

/** idx_scan per named index since the last `pg_stat_reset()`. */
export async function indexScans(client, names) {
  const { rows } = await client.query(
    `SELECT indexrelname AS name, idx_scan::bigint AS scans
       FROM pg_stat_user_indexes WHERE indexrelname = ANY($1)`,
    [names],
  );
  return Object.fromEntries(rows.map((r) => [r.name, Number(r.scans)]));
}

/** The server's version and the settings that shape these numbers. */
export async function serverInfo(client) {
  const setting = async (name) => (await client.query(`SHOW ${name}`)).rows[0][name];
  const settings = {};
  for (const name of ['shared_buffers', 'work_mem', 'max_parallel_workers_per_gather', 'jit']) {
    settings[name] = await setting(name);
  }
  return { version: await setting('server_version'), settings };
}
