#!/usr/bin/env node
// The index advisor end to end: `npm run demo` (builds first), or
// `node bench/demo/run.mjs [--quick] [--database-url URL] [--out DIR] [--keep-tmp]`.
// Seeds the sample dataset into its own database, loads the sample app, lets the advisor read the
// workload the profiler recorded, applies its migration and loads again. Progress on stderr; the
// markdown (also written to <out>/results.md, with <out>/results.json) and one JSON summary line
// on stdout. Exit code 1 when a step fails or, in full mode, a target is missed.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PIN, killAllSync, startApp } from '../profiler/http.mjs';
import { ROOT } from '../profiler/shared.mjs';
import { writeResults } from '../write-results.mjs';
import * as db from './database.mjs';
import { PROBE_KEYS, getJson } from './load.mjs';
import { cachedLoads, uncachedLoads } from './phases.mjs';
import { demoMarkdown } from './report.mjs';
import { attribute, judge, parseAdvice } from './summary.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const SEED_CLI = join(ROOT, 'apps/sample/dist/seed/seed.cli.js');
const ADVISOR_CLI = join(ROOT, 'libs/index-advisor/dist/cli/advisor.cli.js');
const DATA_SOURCE = join(ROOT, 'apps/sample/dist/database/data-source.js');

const MODES = {
  full: { users: 10_000, tasks: 1_000_000, seconds: 10, maxRequests: 20_000, taskKeys: 25_000 },
  quick: { users: 1_000, tasks: 100_000, seconds: 1, maxRequests: 1_000, taskKeys: 2_000 },
};
const CONNECTIONS = 10;
const CACHED_KEYS = 20;
const MIN_RATIO = 20;
const SEQ_SCAN_MIN_ROWS = 10_000;

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'database-url': { type: 'string', default: db.DEFAULT_DATABASE_URL },
    out: { type: 'string', default: HERE },
    'keep-tmp': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (args.help) {
  console.log(
    'usage: node bench/demo/run.mjs [--quick] [--database-url postgres://…/nestperf_demo] [--out bench/demo] [--keep-tmp]\n' +
      'The database is DROPPED and recreated. See bench/demo/README.md.',
  );
  process.exit(0);
}
for (const file of [SEED_CLI, ADVISOR_CLI, DATA_SOURCE]) {
  if (!existsSync(file)) {
    console.error(
      `${relative(ROOT, file)} is missing: run npm run build first (npm run demo does)`,
    );
    process.exit(1);
  }
}

const mode = args.quick ? 'quick' : 'full';
const preset = MODES[mode];
const url = args['database-url'];
const tmp = mkdtempSync(join(tmpdir(), 'nest-perf-demo-'));
const t0 = performance.now();
const elapsed = () => (performance.now() - t0) / 1000;
const log = (msg) => console.error(`[${elapsed().toFixed(1).padStart(6)} s] ${msg}`);

// Children not started through startApp (seeder, advisor): killed on exit too.
const children = new Set();
const track = (child) => {
  children.add(child);
  child.on('exit', () => children.delete(child));
};
const apps = new Set();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  killAllSync();
  if (!args['keep-tmp']) rmSync(tmp, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    process.exit(130);
  });
}

const appEnv = (workloadFile) => ({
  DATABASE_URL: url,
  PROFILER: 'on',
  METRICS: 'on',
  NODE_ENV: 'development', // /performance answers 404 under production
  WORKLOAD_FILE: workloadFile,
});
const loadOpts = {
  connections: CONNECTIONS,
  seconds: preset.seconds,
  maxRequests: preset.maxRequests,
};

const summary = {
  ok: false,
  date: new Date().toISOString(),
  config: {
    mode,
    database: db.redact(url),
    pinned: PIN,
    load: loadOpts,
    cachedKeys: CACHED_KEYS,
    minRatio: MIN_RATIO,
    seqScanMinRows: SEQ_SCAN_MIN_ROWS,
    seedCommand: `DATABASE_URL=${db.redact(url)} node apps/sample/dist/seed/seed.cli.js --users ${preset.users} --tasks ${preset.tasks}`,
    appEnv: 'PROFILER=on METRICS=on WORKLOAD_FILE=<tmp>/workload.json',
    advisorCommand:
      'DATABASE_URL=… node libs/index-advisor/dist/cli/advisor.cli.js --data-source apps/sample/dist/database/data-source.js --workload <tmp>/workload.json --out <tmp>/migrations --report <tmp>/index-advice.md',
  },
  steps: [],
  endpoints: [],
  cached: [],
  indexes: [],
  statements: [],
  targets: [],
  notes: [],
};

async function step(name, title, fn) {
  const entry = { name, title, ok: false, seconds: 0 };
  summary.steps.push(entry);
  log(`== ${summary.steps.length}. ${title}`);
  const started = performance.now();
  try {
    const result = await fn();
    entry.ok = true;
    return result;
  } catch (error) {
    entry.error = error?.stack ?? String(error);
    throw error;
  } finally {
    entry.seconds = (performance.now() - started) / 1000;
    log(`   ${name}: ${entry.ok ? 'done' : 'FAILED'} in ${entry.seconds.toFixed(1)} s`);
  }
}

async function start(name, workloadFile) {
  const app = await startApp({ name, env: appEnv(workloadFile) });
  apps.add(app);
  log(`   ${name} on ${app.base}`);
  return app;
}

async function stop(app) {
  const how = await app.stop();
  apps.delete(app);
  // Nest's shutdown hooks re-raise the signal once the app is closed: SIGTERM is a clean exit.
  if (how !== 'exit code 0' && how !== 'SIGTERM') {
    throw new Error(`${app.name} did not exit cleanly on SIGTERM (${how}):\n${app.output()}`);
  }
}

const ctx = {
  summary,
  client: undefined,
  ids: undefined,
  loadOpts,
  warmSeconds: Math.max(1, preset.seconds / 5),
  cachedKeys: CACHED_KEYS,
  log,
};
try {
  ctx.ids = await step(
    'dataset',
    `database ${db.redact(url)}: drop, create, seed, ANALYZE`,
    async () => {
      await db.recreateDatabase(url);
      const seed = await db.runNode(
        SEED_CLI,
        ['--users', String(preset.users), '--tasks', String(preset.tasks)],
        {
          env: { DATABASE_URL: url },
          track,
        },
      );
      log(`   ${seed.stdout.trim().split('\n').pop()}`);
      await db.withClient(url, (c) => c.query('ANALYZE'));
      const tables = await db.tableSizes(url);
      const picked = await db.pickIds(url, { users: preset.users, taskCount: preset.taskKeys });
      summary.dataset = {
        users: preset.users,
        tasks: preset.tasks,
        tables,
        userKeys: picked.userIds.length - PROBE_KEYS,
        taskKeys: picked.taskIds.length - PROBE_KEYS,
        heavyUsersLeftOut: picked.heavyUsersLeftOut,
      };
      log(`   ${tables.map((t) => `${t.rows} ${t.table} (${t.size})`).join(', ')}`);
      return picked;
    },
  );
  ctx.client = await db.withClientOpen(url);
  summary.server = await db.serverInfo(ctx.client);

  const workloadFile = join(tmp, 'workload.json');
  const before = await step(
    'load-before',
    'load before the migration (cache out of the picture, then warm)',
    async () => {
      const app = await start('sample app (before)', workloadFile);
      await uncachedLoads(ctx, app, 'before');
      await cachedLoads(ctx, app, 'before');
      const stats = await getJson(app.base, '/performance/query/stats');
      await stop(app);
      return stats;
    },
  );

  const advice = await step('advisor', 'workload.json → advisor CLI', async () => {
    if (!existsSync(workloadFile)) throw new Error(`the app wrote no ${workloadFile} on SIGTERM`);
    const workload = JSON.parse(readFileSync(workloadFile, 'utf8'));
    summary.workload = { statements: workload.queries.length };
    const plans = await db.genericPlans(ctx.client, workload.queries);
    const migrations = join(tmp, 'migrations');
    const report = join(tmp, 'index-advice.md');
    const cli = await db.runNode(
      ADVISOR_CLI,
      [
        '--data-source',
        DATA_SOURCE,
        '--workload',
        workloadFile,
        '--out',
        migrations,
        '--report',
        report,
      ],
      { env: { DATABASE_URL: url }, track, timeoutMs: 300_000 },
    );
    log(`   ${cli.stdout.trim()}`);
    if (cli.stderr.trim())
      summary.notes.push(`the advisor CLI wrote to stderr: ${cli.stderr.trim()}`);
    const files = existsSync(migrations) ? readdirSync(migrations) : [];
    if (files.length !== 1)
      throw new Error(
        `expected one migration in ${migrations}, found ${files.length}: the advisor proposed no index?`,
      );
    const source = readFileSync(join(migrations, files[0]), 'utf8');
    const proposed = parseAdvice(source, readFileSync(report, 'utf8'));
    if (!proposed.length) throw new Error(`the advisor proposed no index (${files[0]})`);
    log(`   ${proposed.length} index(es) proposed (${files[0]}):`);
    for (const p of proposed) log(`     ${p.sql}\n       why: ${p.why ?? '?'}`);
    return {
      workload,
      plans,
      source,
      file: files[0],
      className: /export class (\w+)/.exec(source)?.[1],
      proposed,
    };
  });

  await step(
    'migration',
    'apply the migration (TypeORM, migrationsTransactionMode each)',
    async () => {
      const started = performance.now();
      const ran = await db.applyMigration(url, advice.source, tmp);
      summary.migration = {
        file: advice.file,
        className: advice.className,
        ran,
        seconds: (performance.now() - started) / 1000,
      };
      if (ran.length !== 1 || ran[0] !== advice.className)
        throw new Error(
          `runMigrations() ran ${JSON.stringify(ran)}, expected [${advice.className}]`,
        );
      const present = await db.describeIndexes(
        ctx.client,
        advice.proposed.map((p) => p.name),
      );
      for (const p of advice.proposed) {
        const found = present.find((x) => x.name === p.name);
        if (!found) throw new Error(`${p.name} is not in pg_indexes after the migration`);
        if (!found.valid) throw new Error(`${p.name} is INVALID after the migration`);
        Object.assign(p, { size: found.size });
      }
      summary.indexesPresent = present.map((x) => x.name);
      attribute(summary, {
        workload: advice.workload,
        queryStats: before,
        before: advice.plans,
        after: await db.genericPlans(ctx.client, advice.workload.queries),
        proposed: advice.proposed,
        seqScanMinRows: SEQ_SCAN_MIN_ROWS,
      });
      log(
        `   ran ${ran[0]} in ${summary.migration.seconds.toFixed(1)} s; ${present.length} index(es) in pg_indexes, all valid`,
      );
    },
  );

  await step('load-after', 'load after the migration (same load), then index usage', async () => {
    const app = await start('sample app (after)', join(tmp, 'workload-after.json'));
    await ctx.client.query('SELECT pg_stat_reset()');
    await uncachedLoads(ctx, app, 'after');
    await stop(app);
    if (!(await db.waitForNoSessions(ctx.client)))
      summary.notes.push('the app’s sessions outlived it: idx_scan may miss the last statements');
    const scans = await db.indexScans(
      ctx.client,
      advice.proposed.map((p) => p.name),
    );
    for (const i of summary.indexes) i.scans = scans[i.name] ?? 0;
    log(`   idx_scan: ${summary.indexes.map((i) => `${i.name} ${i.scans}`).join(', ')}`);
  });

  await step('cache-after', 'with the cache on, after the migration', async () => {
    const app = await start('sample app (after, cached)', join(tmp, 'workload-cached.json'));
    await cachedLoads(ctx, app, 'after');
    await stop(app);
  });
} catch (error) {
  log(`FAILED: ${error?.stack ?? error}`);
} finally {
  for (const app of apps) await app.stop().catch(() => undefined);
  await ctx.client?.end().catch(() => undefined);
}

judge(summary, { steps: 6, enforced: mode === 'full', minRatio: MIN_RATIO });
summary.elapsedSeconds = elapsed();
process.exitCode = summary.ok ? 0 : 1;

try {
  mkdirSync(args.out, { recursive: true });
  await writeResults(join(args.out, 'results.md'), demoMarkdown(summary));
  const prettier = await import('prettier');
  const jsonFile = join(args.out, 'results.json');
  const config = (await prettier.resolveConfig(jsonFile)) ?? {};
  writeFileSync(
    jsonFile,
    await prettier.format(JSON.stringify(summary), { ...config, parser: 'json' }),
  );
  console.error(`written to ${jsonFile}`);
} catch (error) {
  console.error(`cannot write the results: ${error?.stack ?? error}`);
  process.exitCode = 1;
}
// One line for scripts (test/demo.e2e-spec.ts reads results.json, which holds everything).
console.log(
  JSON.stringify({
    demo: {
      ok: summary.ok,
      mode,
      steps: Object.fromEntries(summary.steps.map((s) => [s.name, s.ok])),
      indexes: summary.indexes.map((i) => i.name),
      migration: summary.migration?.ran ?? [],
      p50: Object.fromEntries(summary.endpoints.map((e) => [e.id, [e.before?.p50, e.after?.p50]])),
      targets: Object.fromEntries(summary.targets.map((t) => [t.id, t.ok ?? null])),
      results: join(args.out, 'results.json'),
    },
  }),
);
