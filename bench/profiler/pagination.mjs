// Section 4: deep pagination on 1M tasks (Postgres bench database). One user's tasks, newest
// first (created_at DESC, id DESC), 20 per page: page 1,000 by OFFSET 19,980 vs by keyset
// (WHERE (created_at, id) < cursor LIMIT 20, the cursor being the last row of page 999). The SQL
// is what TypeORM generates for each (captured from a TypeORM DataSource on the sample
// entities), replayed with plain `pg`, alternated, medians. Primary: with the composite index
// (user_id, created_at DESC, id DESC), created here when missing; then without it (index scans
// disabled for the session, so the planner behaves as if the index did not exist).
import { join } from 'node:path';
import { median, require, ROOT, BENCH_DB_URL, ensureDataset, loadProfiler } from './shared.mjs';
import { table, fmtRatio, target } from './report.mjs';

const PAGE_SIZE = 20;
const PAGE = 1_000;
const OFFSET = (PAGE - 1) * PAGE_SIZE; // 19,980
const MIN_TASKS = 20_000;

/** `paginateKeyset` from @nest-perf/profiler's public exports (or its built toolkit folder). */
function loadToolkit() {
  const { mod } = loadProfiler();
  if (typeof mod?.paginateKeyset === 'function')
    return { paginateKeyset: mod.paginateKeyset, from: '`@nest-perf/profiler`' };
  try {
    const tk = require('@nest-perf/profiler/dist/toolkit');
    if (typeof tk.paginateKeyset === 'function')
      return {
        paginateKeyset: tk.paginateKeyset,
        from: '`@nest-perf/profiler/dist/toolkit` — not exported from the package root yet',
      };
  } catch {
    // not built
  }
  return { error: '@nest-perf/profiler exports no paginateKeyset (toolkit not built yet?)' };
}

const ms = (x) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(2)) : 'n/a');

/** A TypeORM DataSource on the bench database with the sample entities, logging every query. */
async function typeormWithCapture() {
  const { DataSource } = require('typeorm');
  const { ENTITIES } = require(join(ROOT, 'apps/sample/dist/entities'));
  const captured = [];
  const logger = {
    logQuery: (query, parameters) => captured.push({ sql: query, params: parameters ?? [] }),
    logQueryError() {},
    logQuerySlow() {},
    logSchemaBuild() {},
    logMigration() {},
    log() {},
  };
  const ds = new DataSource({
    type: 'postgres',
    url: BENCH_DB_URL,
    entities: ENTITIES,
    synchronize: false,
    logging: true,
    logger,
  });
  await ds.initialize();
  const Task = ENTITIES.find((e) => e.name === 'Task');
  return { ds, repo: ds.getRepository(Task), captured, Task };
}

/** The SQL TypeORM sent while running `fn` (the last statement), with its parameters. */
async function capture(captured, fn) {
  captured.length = 0;
  const result = await fn();
  const q = captured.filter((c) => /^\s*SELECT/i.test(c.sql)).at(-1);
  if (!q) throw new Error('TypeORM sent no SELECT');
  return { ...q, result };
}

async function timeQuery(client, q) {
  const t0 = performance.now();
  const { rows } = await client.query(q.sql, q.params);
  return { ms: performance.now() - t0, rows };
}

async function explain(client, q) {
  const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${q.sql}`, q.params);
  const plan = rows[0]['QUERY PLAN'][0];
  const nodes = [];
  const walk = (n) => {
    nodes.push(n['Index Name'] ? `${n['Node Type']} (${n['Index Name']})` : n['Node Type']);
    for (const c of n.Plans ?? []) walk(c);
  };
  walk(plan.Plan);
  return {
    nodes: nodes.join(' → '),
    buffers: (plan.Plan['Shared Hit Blocks'] ?? 0) + (plan.Plan['Shared Read Blocks'] ?? 0),
    execMs: plan['Execution Time'],
  };
}

async function alternate(client, queries, rounds, log, label) {
  const times = Object.fromEntries(Object.keys(queries).map((k) => [k, []]));
  const keys = Object.keys(queries);
  for (let r = 0; r < rounds; r++) {
    for (const k of r % 2 ? [...keys].reverse() : keys) {
      times[k].push((await timeQuery(client, queries[k])).ms);
    }
  }
  log(
    `  pagination ${label}: ${keys.map((k) => `${k} ${ms(median(times[k]))} ms`).join(', ')} (${rounds} rounds)`,
  );
  return times;
}

export async function runPagination({ quick = false, log = console.error } = {}) {
  const rounds = quick ? 6 : 30;
  const roundsNoIndex = quick ? 2 : 5;
  const notes = [];
  const dataset = await ensureDataset(log);
  if (dataset.seeded)
    notes.push(
      `the bench database was seeded first (${dataset.seconds.toFixed(1)} s, not part of the figures)`,
    );
  const pg = require('pg');
  const client = new pg.Client({ connectionString: BENCH_DB_URL });
  await client.connect();
  let typeorm;
  try {
    // The user: user 1 (the seeder's ownership skew gives it the most tasks) if it has enough.
    let { rows } = await client.query(
      'SELECT 1 AS user_id, count(*)::int AS n FROM tasks WHERE user_id = 1',
    );
    if (rows[0].n < MIN_TASKS)
      ({ rows } = await client.query(
        'SELECT user_id, count(*)::int AS n FROM tasks GROUP BY user_id ORDER BY n DESC LIMIT 1',
      ));
    const { user_id: userId, n: userTasks } = rows[0];
    if (userTasks < MIN_TASKS)
      throw new Error(`no user owns ≥ ${MIN_TASKS} tasks (most: user ${userId}, ${userTasks})`);

    const indexNote = dataset.indexes[0];
    log(`  pagination: user ${userId} (${userTasks} tasks)`);

    // The SQL TypeORM generates for each way of reading page 1,000.
    typeorm = await typeormWithCapture();
    const { repo, captured } = typeorm;
    const order = { createdAt: 'DESC', id: 'DESC' };
    const offsetQ = await capture(captured, () =>
      repo.find({ where: { userId }, order, skip: OFFSET, take: PAGE_SIZE }),
    );
    const [cursor] = await repo.find({ where: { userId }, order, skip: OFFSET - 1, take: 1 });
    const keysetQ = await capture(captured, () =>
      repo
        .createQueryBuilder('task')
        .where('task.userId = :userId', { userId })
        .andWhere('(task.createdAt, task.id) < (:createdAt, :id)', {
          createdAt: cursor.createdAt,
          id: cursor.id,
        })
        .orderBy('task.createdAt', 'DESC')
        .addOrderBy('task.id', 'DESC')
        .take(PAGE_SIZE)
        .getMany(),
    );
    const queries = { offset: offsetQ, keyset: keysetQ };

    // Same rows both ways?
    const idsOf = (rowsOrEntities) =>
      rowsOrEntities.map((r) => r.id ?? r.Task_id ?? r.task_id).join(',');
    const offsetIds = idsOf((await timeQuery(client, offsetQ)).rows);
    const keysetIds = idsOf((await timeQuery(client, keysetQ)).rows);
    const same = offsetIds === keysetIds && offsetQ.result.length === PAGE_SIZE;
    if (!same) notes.push('the offset page and the keyset page differ (see ids); figures invalid');

    // With the index (primary), then without.
    for (let i = 0; i < 3; i++) for (const q of Object.values(queries)) await timeQuery(client, q);
    const withIdx = await alternate(client, queries, rounds, log, 'with index');
    const plans = {
      offset: await explain(client, offsetQ),
      keyset: await explain(client, keysetQ),
    };
    await client.query(
      'SET enable_indexscan = off; SET enable_bitmapscan = off; SET enable_indexonlyscan = off',
    );
    const noIdx = await alternate(client, queries, roundsNoIndex, log, 'without index');
    const plansNoIdx = {
      offset: await explain(client, offsetQ),
      keyset: await explain(client, keysetQ),
    };
    await client.query('RESET ALL');

    // Through TypeORM: the offset page by `repo.find`, and the toolkit's `paginateKeyset` when
    // @nest-perf/profiler has it (the cursor of page 999 got by walking the 999 pages before).
    const toolkit = loadToolkit();
    let orm;
    if (toolkit.error) notes.push(`\`paginateKeyset\` not run: ${toolkit.error}`);
    else {
      const t0 = performance.now();
      const options = { where: { userId }, orderBy: order, limit: PAGE_SIZE };
      let after = null;
      for (let p = 1; p < PAGE; p++) {
        after = (await toolkit.paginateKeyset(repo, { ...options, after })).nextCursor;
        if (!after) throw new Error(`paginateKeyset: no next cursor after page ${p}`);
      }
      const walkS = (performance.now() - t0) / 1000;
      const runs = {
        offset: () => repo.find({ where: { userId }, order, skip: OFFSET, take: PAGE_SIZE }),
        keyset: () => toolkit.paginateKeyset(repo, { ...options, after }),
      };
      const toolkitQ = await capture(captured, runs.keyset);
      const toolkitIds = idsOf(toolkitQ.result.items);
      const toolkitSame = toolkitIds === offsetIds;
      if (!toolkitSame) notes.push('`paginateKeyset` page 1,000 differs from the OFFSET page');
      const t = { offset: [], keyset: [] };
      for (let i = 0; i < 3; i++) for (const f of Object.values(runs)) await f();
      for (let r = 0; r < rounds; r++)
        for (const k of r % 2 ? ['keyset', 'offset'] : ['offset', 'keyset']) {
          const t1 = performance.now();
          await runs[k]();
          t[k].push(performance.now() - t1);
        }
      log(
        `  pagination through TypeORM: offset ${ms(median(t.offset))} ms, paginateKeyset ${ms(median(t.keyset))} ms`,
      );
      orm = { t, toolkitQ, toolkitSame, walkS, from: toolkit.from };
    }

    const paired = (t) => median(t.offset.map((x, r) => x / t.keyset[r]));
    const ratio = median(withIdx.offset) / median(withIdx.keyset);
    const rows2 = [];
    for (const [label, t, p, n] of [
      ['with index', withIdx, plans, rounds],
      ['without index', noIdx, plansNoIdx, roundsNoIndex],
    ])
      for (const k of ['offset', 'keyset'])
        rows2.push([
          label,
          k === 'offset' ? `OFFSET ${OFFSET.toLocaleString('en-US')} LIMIT 20` : 'keyset LIMIT 20',
          `${ms(median(t[k]))}`,
          `${ms(Math.min(...t[k]))} – ${ms(Math.max(...t[k]))}`,
          String(n),
          p[k].nodes,
          p[k].buffers.toLocaleString('en-US'),
          k === 'offset'
            ? `${fmtRatio(median(t.offset) / median(t.keyset))} (paired ${fmtRatio(paired(t))})`
            : '',
        ]);

    if (orm)
      for (const k of ['offset', 'keyset'])
        rows2.push([
          'with index, through TypeORM',
          k === 'offset'
            ? `\`repo.find({ skip: ${OFFSET}, take: 20 })\``
            : '`paginateKeyset(repo, { after, limit: 20 })`',
          ms(median(orm.t[k])),
          `${ms(Math.min(...orm.t[k]))} – ${ms(Math.max(...orm.t[k]))}`,
          String(rounds),
          '',
          '',
          k === 'offset'
            ? `${fmtRatio(median(orm.t.offset) / median(orm.t.keyset))} (paired ${fmtRatio(paired(orm.t))})`
            : '',
        ]);

    const markdown = [
      '## 4. Deep pagination: OFFSET vs keyset (1M tasks)',
      '',
      `User ${userId} (${userTasks.toLocaleString('en-US')} of ${dataset.tasks.toLocaleString('en-US')} tasks), newest first, page ${PAGE.toLocaleString('en-US')} at ${PAGE_SIZE} rows per page. ${indexNote}. The SQL is what TypeORM 1.1.1 generates for \`repo.find({ where: { userId }, order: { createdAt: 'DESC', id: 'DESC' }, skip: ${OFFSET}, take: 20 })\` (the sample's \`GET /users/:id/tasks?page=1000\` without its count query) and for a query builder with \`.andWhere('(task.createdAt, task.id) < (:createdAt, :id)')\` + the same order + \`.take(20)\`, the cursor being the row at position ${OFFSET.toLocaleString('en-US')} (last of page 999). Replayed with plain \`pg\` (client wall time per query, loopback), the two alternated; medians. "Without index": the same SQL with index scans disabled for the session (the planner then does what it would without the index). Both pages return the same 20 ids: ${same ? 'yes' : '**no**'}.`,
      '',
      '```sql',
      `-- offset (params ${JSON.stringify(offsetQ.params)})`,
      offsetQ.sql,
      `-- keyset (params ${JSON.stringify(keysetQ.params)})`,
      keysetQ.sql,
      ...(orm
        ? [
            `-- @nest-perf/profiler paginateKeyset (params ${JSON.stringify(orm.toolkitQ.params)})`,
            orm.toolkitQ.sql,
          ]
        : []),
      '```',
      '',
      ...(orm
        ? [
            `The toolkit row runs \`paginateKeyset(tasksRepo, { where: { userId }, orderBy: { createdAt: 'DESC', id: 'DESC' }, limit: 20, after })\` (${orm.from}), \`after\` being the \`nextCursor\` of page 999 reached by walking pages 1–999 with it (${orm.walkS.toFixed(1)} s); the OFFSET row is \`repo.find\` as above; both timed in the benchmark process (TypeORM + pg + entity mapping), alternated. Same 20 rows as the OFFSET page: ${orm.toolkitSame ? 'yes' : '**no**'}.`,
            '',
          ]
        : []),
      table(
        [
          'index',
          'query',
          'median ms',
          'min – max ms',
          'runs',
          'plan (EXPLAIN ANALYZE)',
          'buffers',
          'offset / keyset',
        ],
        rows2,
      ),
      ...(notes.length ? ['', ...notes.map((x) => `- note: ${x}`)] : []),
    ].join('\n');
    return {
      markdown,
      targets: [
        target(same, `keyset page ${PAGE} returns the same rows as OFFSET ${OFFSET}`, null),
        ...(orm
          ? [
              target(
                orm.toolkitSame,
                `\`paginateKeyset\` page ${PAGE} returns the same rows as OFFSET ${OFFSET}`,
                `${fmtRatio(median(orm.t.offset) / median(orm.t.keyset))} faster through TypeORM`,
              ),
            ]
          : []),
        target(
          Number.isFinite(ratio) ? ratio > 1 : null,
          'keyset faster than OFFSET at page 1,000 with the composite index (info: offset/keyset)',
          `${fmtRatio(ratio)}, paired ${fmtRatio(paired(withIdx))}`,
        ),
      ],
      ratio,
    };
  } finally {
    await typeorm?.ds.destroy().catch(() => undefined);
    await client.end();
  }
}
