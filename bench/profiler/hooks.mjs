// Section 3: where to hook statement timing into TypeORM, measured. The same workload (one
// `dataSource.query()` per iteration in a request context, SQL shaped like TypeORM's) with the
// same minimal recorder (performance.now() around the call + a Map update) at each place:
// (i) QueryRunner.query wrapped, (ii) a TypeORM subscriber (afterQuery's `executionTime` alone,
// or beforeQuery/afterQuery with its own clock), (iii) the driver: better-sqlite3 statements
// (all/run/get of each prepared statement) and `pg` Client#query. Overhead = median(hook) −
// median(no hook), rounds alternated. Resolution = how many statements the hook timed as 0 ms.
// "Sees pool wait" is measured on Postgres: two concurrent `pg_sleep(0.05)` on a 1-connection pool.
import { measure } from 'mitata';
import {
  median,
  rotate,
  inRequest,
  createRecorder,
  wrapRunners,
  postgresDataSource,
} from './shared.mjs';
import { userDataSource, USER_SQL } from './statement-cost.mjs';
import { table, fmtNs } from './report.mjs';

const PG_SQL = 'SELECT $1::int AS n';

/** (ii) beforeQuery/afterQuery with own clock (paired by QueryRunner), or afterQuery only. */
function addSubscriber(ds, recorder, { ownClock }) {
  const starts = new Map();
  const subscriber = ownClock
    ? {
        beforeQuery(e) {
          starts.set(e.queryRunner, performance.now());
        },
        afterQuery(e) {
          recorder.record(e.query, performance.now() - starts.get(e.queryRunner));
          starts.delete(e.queryRunner);
        },
      }
    : {
        afterQuery(e) {
          recorder.record(e.query, e.executionTime);
        },
      };
  ds.subscribers.push(subscriber);
}

/** (iii) better-sqlite3: every statement this connection prepares from now on is timed. */
function wrapSqliteStatements(ds, recorder) {
  const db = ds.driver.databaseConnection;
  const prepare = db.prepare;
  db.prepare = function (sql) {
    const stmt = prepare.call(this, sql);
    for (const method of ['all', 'get', 'run']) {
      const original = stmt[method];
      stmt[method] = function (...args) {
        const t0 = performance.now();
        try {
          return original.apply(this, args);
        } finally {
          recorder.record(sql, performance.now() - t0);
        }
      };
    }
    return stmt;
  };
}

/** (iii) pg: Client#query of every client of this DataSource's pool (existing and future). */
function wrapPgClients(ds, recorder) {
  const pool = ds.driver.master;
  const wrap = (client) => {
    const query = client.query;
    client.query = function (config, ...rest) {
      const t0 = performance.now();
      const sql = typeof config === 'string' ? config : config?.text;
      const result = query.call(this, config, ...rest);
      if (!result || typeof result.then !== 'function') return result;
      return result.then(
        (value) => (recorder.record(sql, performance.now() - t0), value),
        (error) => {
          recorder.record(sql, performance.now() - t0);
          throw error;
        },
      );
    };
  };
  for (const client of pool._clients ?? []) wrap(client);
  pool.on('connect', wrap);
}

const HOOKS = [
  { id: 'none', name: 'none (baseline)' },
  {
    id: 'runner',
    name: '(i) wrap `QueryRunner.query`',
    install: (ds, rec) => wrapRunners(ds, rec),
    resolution: 'performance.now()',
    poolWait: 'yes',
    covers:
      'yes: every repository / query builder / `dataSource.query` / transaction statement (START, COMMIT included) runs through `runner.query`; not `runner.stream()`',
    perDriver: 'no',
  },
  {
    id: 'sub-exec',
    name: '(ii) subscriber, `afterQuery` `executionTime`',
    install: (ds, rec) => addSubscriber(ds, rec, { ownClock: false }),
    resolution: '1 ms (`Date.now()` difference)',
    poolWait: 'no',
    covers: 'yes: every `runner.query` broadcasts BeforeQuery/AfterQuery, on every driver',
    perDriver: 'no',
  },
  {
    id: 'sub-own',
    name: '(ii′) subscriber, `beforeQuery`/`afterQuery` + own clock',
    install: (ds, rec) => addSubscriber(ds, rec, { ownClock: true }),
    resolution: 'performance.now()',
    poolWait: 'no',
    covers:
      'yes, as (ii); before/after must be paired by QueryRunner, which concurrent statements on one runner (Promise.all inside a transaction) break',
    perDriver: 'no',
  },
  {
    id: 'driver',
    name: '(iii) driver: better-sqlite3 statements / `pg` Client#query',
    install: (ds, rec, db) =>
      db === 'sqlite' ? wrapSqliteStatements(ds, rec) : wrapPgClients(ds, rec),
    resolution: 'performance.now()',
    poolWait: 'no',
    covers:
      'yes, and also SQL sent outside TypeORM on the same client; but the statement text is all it sees (no TypeORM runner), and prepared statements must be wrapped where they are prepared (TypeORM caches them)',
    perDriver: 'yes (pg, mysql2, better-sqlite3, … each its own)',
  },
];

async function setupHook(hook, db) {
  const recorder = createRecorder();
  let ds;
  let close;
  let bench;
  if (db === 'sqlite') {
    ({ ds, close } = await userDataSource());
    hook.install?.(ds, recorder, db);
    let i = 0;
    bench = () => inRequest(() => ds.query(USER_SQL, [(i++ & 1) + 1]));
  } else {
    ds = await postgresDataSource({ extra: { max: 2 } });
    close = () => ds.destroy();
    hook.install?.(ds, recorder, db);
    let i = 0;
    bench = () => inRequest(() => ds.query(PG_SQL, [i++ & 1023]));
  }
  return { bench, recorder, close };
}

/** CPU time (user + system, all threads) and wall time per awaited call over `n` calls. */
async function cpuPerCall(fn, n) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await fn();
  const c = process.cpuUsage(c0);
  return { cpuNs: ((c.user + c.system) * 1000) / n, wallNs: ((performance.now() - t0) * 1e6) / n };
}

/** Two concurrent 50 ms statements on a 1-connection pool: does the hook time the wait? */
async function probePoolWait(hook) {
  const ds = await postgresDataSource({ extra: { max: 1 } });
  try {
    const recorder = createRecorder();
    hook.install(ds, recorder, 'postgres');
    const sql = 'SELECT pg_sleep(0.05)';
    await Promise.all([inRequest(() => ds.query(sql)), inRequest(() => ds.query(sql))]);
    const s = recorder.stats.get(sql);
    return { count: s?.count ?? 0, totalMs: s?.totalMs ?? 0 };
  } finally {
    await ds.destroy();
  }
}

async function runDb(db, rounds, opts, log) {
  const live = [];
  for (const hook of HOOKS) live.push({ hook, h: await setupHook(hook, db), p50: [] });
  try {
    for (const v of live) for (let i = 0; i < 3_000; i++) await v.h.bench();
    for (let r = 0; r < rounds; r++) {
      for (const v of rotate(live, r)) {
        // SQLite: mitata's per-iteration p50 (wall = CPU, one thread). Postgres: the process's
        // CPU time per statement over a fixed batch, since the round trip's wall-time noise
        // (tens of µs) would bury a sub-µs difference.
        const ns =
          db === 'sqlite'
            ? (await measure(v.h.bench, opts)).p50
            : (await cpuPerCall(v.h.bench, opts.pgStatements)).cpuNs;
        v.p50.push(ns);
        log(`  hooks ${db} ${r + 1}/${rounds} ${v.hook.id}: ${fmtNs(ns)} ns`);
      }
    }
  } finally {
    for (const v of live) await v.h.close();
  }
  const base = live.find((v) => v.hook.id === 'none');
  return Object.fromEntries(
    live.map((v) => [
      v.hook.id,
      {
        p50: median(v.p50),
        added: v === base ? undefined : median(v.p50) - median(base.p50),
        paired: v === base ? undefined : median(v.p50.map((x, r) => x - base.p50[r])),
        min: Math.min(...v.p50),
        max: Math.max(...v.p50),
        count: v.h.recorder.count(),
        zeros: v.h.recorder.zeros(),
      },
    ]),
  );
}

export async function runHooks({ quick = false, log = console.error } = {}) {
  const rounds = quick ? 2 : 7;
  const pgRounds = quick ? 2 : 21;
  const opts = {
    min_cpu_time: quick ? 100e6 : 300e6,
    batch_samples: 512,
    pgStatements: quick ? 1_000 : 2_000,
  };
  const notes = [];
  const sqlite = await runDb('sqlite', rounds, opts, log);
  let pg = {};
  try {
    pg = await runDb('postgres', pgRounds, opts, log);
  } catch (err) {
    notes.push(`Postgres part failed: ${err?.message ?? err}`);
  }
  const waits = {};
  for (const hook of HOOKS.filter((h) => h.install)) {
    try {
      waits[hook.id] = await probePoolWait(hook);
    } catch (err) {
      notes.push(`pool-wait probe for ${hook.name} failed: ${err?.message ?? err}`);
    }
  }
  for (const [db, by] of [
    ['SQLite', sqlite],
    ['Postgres', pg],
  ])
    for (const hook of HOOKS.filter((h) => h.install))
      if (by[hook.id] && !(by[hook.id].count > 0))
        notes.push(`${hook.name} on ${db} recorded no statements: the hook did not run`);

  const pct = (r) => (r?.count ? `${((100 * r.zeros) / r.count).toFixed(1)}%` : 'n/a');
  const rows = HOOKS.filter((h) => h.install).map((h) => {
    const w = waits[h.id];
    // Two 50 ms statements, the second waits ~50 ms for the connection: ~150 ms in total if
    // the wait is timed, ~100 ms if not. A hook that sees it can also split it off (the
    // profiler connects first and times the statement alone).
    const measured = w ? (w.totalMs > 125 ? 'yes' : 'no') : 'n/a';
    return [
      h.name,
      `${fmtNs(sqlite[h.id]?.added)} (paired ${fmtNs(sqlite[h.id]?.paired)})`,
      `${fmtNs(pg[h.id]?.paired)} (medians: ${fmtNs(pg[h.id]?.added)})`,
      `${h.resolution}; ${pct(sqlite[h.id])} of SQLite and ${pct(pg[h.id])} of Postgres statements timed as 0`,
      `${measured} (${w ? `${w.totalMs.toFixed(0)} ms for 2 × 50 ms` : 'not probed'})`,
      h.covers,
      h.perDriver,
    ];
  });
  const markdown = [
    '## 3. Where to hook: QueryRunner vs subscriber vs driver',
    '',
    `The same minimal recorder (\`performance.now()\` before/after + a \`Map\` update keyed by SQL text) at each hook. SQLite: better-sqlite3 \`:memory:\`, the \`users.findOneBy\`-shaped SELECT of section 2; overhead = median(hook) − median(no hook) of mitata's per-iteration p50 over ${rounds} rounds rotated, and the median of the per-round differences ("paired"). Postgres: \`SELECT $1::int\` on the bench database over loopback, measured as the Node process's CPU time (user + system) per statement over ${opts.pgStatements.toLocaleString('en-US')} sequential statements, ${pgRounds} rounds rotated, paired differences; a round trip costs ~20–40 µs of CPU here and that baseline alone moves by ${fmtNs(pg.none?.min)} – ${fmtNs(pg.none?.max)} ns between rounds, so the Postgres column is indicative only; the SQLite column is the precise comparison (each hook's own code is the same JS whatever the database). "Sees pool wait" is measured, not assumed: two concurrent \`SELECT pg_sleep(0.05)\` on a pool of 1 connection; a hook that times the wait for the connection records ~150 ms in total, one that does not ~100 ms. Baselines: SQLite p50 ${fmtNs(sqlite.none?.p50)} ns, Postgres ${fmtNs(pg.none?.p50)} ns of CPU per statement.`,
    '',
    table(
      [
        'hook',
        'SQLite ns/statement overhead',
        'Postgres CPU ns/statement overhead (paired)',
        'resolution',
        'sees pool wait?',
        'covers transactions / raw queries',
        'needs per-driver code',
      ],
      rows,
    ),
    ...(notes.length ? ['', ...notes.map((n) => `- note: ${n}`)] : []),
  ].join('\n');
  return { markdown, targets: [], sqlite, pg, waits };
}
