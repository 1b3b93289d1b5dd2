// Section 2: CPU the profiler adds per SQL statement, measured in isolation with mitata.
// A better-sqlite3 `:memory:` DataSource; each iteration is one "request" like the HTTP
// benchmark's endpoint: a fresh `@nest-perf/core` request context running 5 different
// TypeORM-shaped SELECTs one after the other. (a) no profiler, (b) `new QueryProfiler()
// .attach(ds)` with the request record opened and closed as its HTTP server hook does, (c) the bare
// wrapper (performance.now() around runner.query + a Map update). Two drivers: real SQLite
// statements, and a fake connection whose statements return at once (TypeORM's runner code still
// runs in full; only SQLite's own work, the same in every variant, is taken out). Variants
// alternate round by round; per statement = per request / 5.
import { measure } from 'mitata';
import {
  median,
  rotate,
  inRequest,
  loadProfiler,
  recordedCount,
  createRecorder,
  wrapRunners,
  sqliteDataSource,
  require,
} from './shared.mjs';
import { table, fmtNs, target } from './report.mjs';

const { currentRequestContext } = require('@nest-perf/core');

// What TypeORM generates for `users.findOneBy({ id })` (sample app, User entity), SQLite flavour.
export const USER_SQL =
  'SELECT "User"."id" AS "User_id", "User"."email" AS "User_email", "User"."name" AS "User_name", ' +
  '"User"."created_at" AS "User_created_at" FROM "users" "User" WHERE (("User"."id" = ?)) LIMIT 1';

/** One request's statements: [sql, params(userId)], five fingerprints (no N+1). */
export const REQUEST = [
  [USER_SQL, (u) => [u]],
  [
    'SELECT COUNT(DISTINCT("Task"."id")) AS "cnt" FROM "tasks" "Task" WHERE (("Task"."user_id" = ?))',
    (u) => [u],
  ],
  [
    'SELECT "Task"."id" AS "Task_id", "Task"."status" AS "Task_status", "Task"."topic" AS "Task_topic", ' +
      '"Task"."created_at" AS "Task_created_at" FROM "tasks" "Task" WHERE (("Task"."user_id" = ?)) ' +
      'ORDER BY "Task"."created_at" DESC LIMIT 5',
    (u) => [u],
  ],
  [
    'SELECT "task"."status" AS "status", COUNT(*) AS "count" FROM "tasks" "task" ' +
      'WHERE "task"."user_id" = ? GROUP BY "task"."status"',
    (u) => [u],
  ],
  [
    'SELECT "Task"."id" AS "Task_id" FROM "tasks" "Task" WHERE (("Task"."user_id" = ?) AND ("Task"."priority" = ?)) LIMIT 1',
    (u) => [u, 'high'],
  ],
];
export const PER_REQUEST = REQUEST.length;
const ROW = { User_id: 1, User_email: 'a@example.com', User_name: 'A', User_created_at: '2026' };

/** A DataSource with small `users` and `tasks` tables; `fake` swaps in a connection that never works. */
export async function userDataSource({ fake = false } = {}) {
  const ds = await sqliteDataSource();
  await ds.query(
    'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, name TEXT, created_at TEXT)',
  );
  await ds.query(
    'CREATE TABLE tasks (id INTEGER PRIMARY KEY, user_id INTEGER, status TEXT, priority TEXT, topic TEXT, created_at TEXT)',
  );
  await ds.query('CREATE INDEX tasks_user ON tasks (user_id, created_at)');
  for (const u of [1, 2]) {
    await ds.query('INSERT INTO users VALUES (?, ?, ?, ?)', [
      u,
      `u${u}@example.com`,
      `U${u}`,
      '2026-01-01',
    ]);
    for (let t = 0; t < 10; t++)
      await ds.query(
        'INSERT INTO tasks (user_id, status, priority, topic, created_at) VALUES (?, ?, ?, ?, ?)',
        [
          u,
          ['queued', 'done'][t % 2],
          ['low', 'high'][t % 2],
          `topic ${t}`,
          `2026-01-${String(t + 1).padStart(2, '0')}`,
        ],
      );
  }
  const real = ds.driver.databaseConnection;
  if (fake) {
    const rows = [ROW];
    const stmt = { reader: true, all: () => rows, get: () => rows[0], run: () => ({}) };
    ds.driver.databaseConnection = { prepare: () => stmt, close() {}, open: true };
  }
  return {
    ds,
    close: async () => {
      ds.driver.databaseConnection = real;
      await ds.destroy();
    },
  };
}

/** One request's worth of statements on `ds` (user 1 or 2, alternating). */
export function requestOn(ds, hooks = {}) {
  let i = 0;
  return () =>
    inRequest(async () => {
      const u = (i++ & 1) + 1;
      const record = hooks.open?.();
      for (const [sql, params] of REQUEST) await ds.query(sql, params(u));
      hooks.close?.(record);
    });
}

const VARIANTS = [
  {
    id: 'none',
    name: '(a) no profiler',
    async setup(fake) {
      const { ds, close } = await userDataSource({ fake });
      return { bench: requestOn(ds), close };
    },
  },
  {
    id: 'profiler',
    name: '(b) `QueryProfiler.attach(ds)`, request record opened/closed',
    async setup(fake) {
      const { QueryProfiler, error } = loadProfiler();
      if (error) throw new Error(error);
      const { ds, close } = await userDataSource({ fake });
      const profiler = new QueryProfiler();
      profiler.attach(ds);
      // What the profiler's middleware and its Server-Timing hook do per request (internal API;
      // skipped if it changes, then the statements count as background work).
      const hooks =
        typeof profiler.openRequest === 'function' && typeof profiler.closeRequest === 'function'
          ? {
              open: () => profiler.openRequest(currentRequestContext(), {}),
              close: (record) => profiler.closeRequest(record),
            }
          : {};
      return {
        bench: requestOn(ds, hooks),
        recorded: () => profiler.summary?.().statements ?? recordedCount(profiler.stats()),
        nPlusOne: () => profiler.nPlusOne?.().length ?? 0,
        withRecord: Boolean(hooks.open),
        close: async () => {
          profiler.detach(ds);
          profiler.close?.();
          await close();
        },
      };
    },
  },
  {
    id: 'bare',
    name: '(c) bare wrapper: `performance.now()` ×2 + `Map` update around runner.query',
    async setup(fake) {
      const { ds, close } = await userDataSource({ fake });
      const recorder = createRecorder();
      wrapRunners(ds, recorder);
      return { bench: requestOn(ds), recorded: recorder.count, close };
    },
  },
];

async function runMode(fake, rounds, opts, log, notes) {
  const live = [];
  for (const v of VARIANTS) {
    try {
      live.push({ ...v, h: await v.setup(fake), p50: [], avg: [] });
    } catch (err) {
      notes.add(`${v.name}: not measured: ${err?.message ?? err}`);
    }
  }
  const label = fake ? 'fake connection' : 'SQLite';
  try {
    for (const v of live) {
      for (let i = 0; i < 1_000; i++) await v.h.bench(); // warm-up, and a first check below
      v.before = v.h.recorded?.();
    }
    for (let r = 0; r < rounds; r++) {
      for (const v of rotate(live, r)) {
        const s = await measure(v.h.bench, opts);
        // Per statement: a measured iteration is one request of PER_REQUEST statements.
        v.p50.push(s.p50 / PER_REQUEST);
        v.avg.push(s.avg / PER_REQUEST);
        log(`  statement ${label} ${r + 1}/${rounds} ${v.id}: ${fmtNs(s.p50 / PER_REQUEST)} ns`);
      }
    }
    for (const v of live) {
      if (!v.h.recorded) continue;
      v.recordedDuring = v.h.recorded() - v.before;
      if (!(v.before > 0) || !(v.recordedDuring > 0))
        notes.add(
          `${v.name} (${label}): recorded ${v.before} statements in the warm-up and ${v.recordedDuring} while measured; expected > 0 (did the hook run?)`,
        );
      if (v.h.withRecord === false)
        notes.add(
          `${v.name}: no openRequest/closeRequest on QueryProfiler; statements ran as background work`,
        );
      const nPlusOne = v.h.nPlusOne?.();
      if (nPlusOne)
        notes.add(`${v.name} (${label}): reported ${nPlusOne} N+1 patterns; expected none`);
    }
  } finally {
    for (const v of live) await v.h.close();
  }
  return Object.fromEntries(live.map((v) => [v.id, v]));
}

export async function runStatementCost({ quick = false, log = console.error } = {}) {
  const rounds = quick ? 2 : 7;
  // Samples of 512 requests (mitata's default batch of 4,096 would make each measurement ≥ 0.4 s).
  const opts = { min_cpu_time: quick ? 100e6 : 300e6, batch_samples: 512 };
  const notes = new Set();
  const modes = {};
  for (const fake of [true, false])
    modes[fake ? 'fake' : 'sqlite'] = await runMode(fake, rounds, opts, log, notes);

  const rows = [];
  const costs = {};
  for (const [mode, by] of Object.entries(modes)) {
    const a = by.none;
    for (const v of Object.values(by)) {
      const paired = a && v !== a ? median(v.p50.map((x, r) => x - a.p50[r])) : undefined;
      const added = a && v !== a ? median(v.p50) - median(a.p50) : undefined;
      costs[`${mode}.${v.id}`] = { added, paired };
      rows.push([
        mode === 'fake' ? 'fake connection' : 'SQLite `:memory:`',
        v.name,
        fmtNs(median(v.p50)),
        `${fmtNs(Math.min(...v.p50))} – ${fmtNs(Math.max(...v.p50))}`,
        fmtNs(median(v.avg)),
        added === undefined ? '' : fmtNs(added),
        paired === undefined ? '' : fmtNs(paired),
        v.recordedDuring === undefined ? '' : v.recordedDuring.toLocaleString('en-US'),
      ]);
    }
  }
  const fake = costs['fake.profiler'];
  const real = costs['sqlite.profiler'];
  const ok = (c) => (c?.added === undefined || Number.isNaN(c.added) ? null : c.added <= 1000);
  const measured = (c, bare) =>
    c?.added !== undefined &&
    `${fmtNs(c.added)} ns; paired per round ${fmtNs(c.paired)} ns; bare wrapper ${fmtNs(bare?.added)} ns`;
  const targets = [
    target(
      ok(fake),
      'profiler ≤ 1 µs of added CPU per statement (fake connection: median(b) − median(a))',
      measured(fake, costs['fake.bare']),
    ),
    target(
      ok(real),
      'profiler ≤ 1 µs per statement on real SQLite `:memory:` statements',
      measured(real, costs['sqlite.bare']),
    ),
  ];
  const markdown = [
    '## 2. Added CPU per statement (mitata)',
    '',
    `One iteration = one request like the HTTP section's endpoint: a fresh \`runWithRequestContext(createRequestContext('GET', '/bench'), …)\` running ${PER_REQUEST} different TypeORM-shaped SELECTs (user by id, task count, latest tasks, count by status, one by priority; user 1 or 2 alternately) through \`dataSource.query()\`, awaited one after the other; per statement = per iteration / ${PER_REQUEST}. (b) opens and closes the profiler's request record as its HTTP server hook does, so its per-request work is included, spread over the ${PER_REQUEST} statements. better-sqlite3 \`:memory:\`, one DataSource per variant. "fake connection": the driver's connection is replaced by one whose prepared statements return a constant row at once, so everything TypeORM does still runs but SQLite's work (the same for every variant) is gone; this isolates the hook's cost best and is the figure the first target uses. mitata \`measure()\` (min ${opts.min_cpu_time / 1e6} ms per measurement), ${rounds} rounds with the order rotated each round; medians over rounds of mitata's per-iteration p50 (and avg). "added" = median(variant) − median(a); "paired" = median over rounds of (variant − a) within the round. "recorded" = statements the hook saw while measured (must be > 0).`,
    '',
    table(
      [
        'driver',
        'variant',
        'p50 ns/statement',
        'p50 min – max',
        'avg ns',
        'added ns',
        'paired added ns',
        'recorded',
      ],
      rows,
    ),
    ...(notes.size ? ['', ...[...notes].map((n) => `- note: ${n}`)] : []),
  ].join('\n');
  return { markdown, targets, costs };
}
