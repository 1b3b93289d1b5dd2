// The demo's markdown: machine and versions, dataset, commands, the before/after tables, the
// proposed indexes and the targets.
import os from 'node:os';
import { table, fmtInt, check } from '../cache/report.mjs';
import { version } from '../profiler/report.mjs';

const PACKAGES = [
  ['@nest-perf/index-advisor', 'libs/index-advisor/package.json'],
  ['@nest-perf/profiler', 'libs/profiler/package.json'],
  ['@nest-perf/cache', 'libs/cache/package.json'],
  ['typeorm'],
  ['@nestjs/core'],
  ['pg'],
  ['autocannon'],
];

export const verdict = (t) =>
  t.ok === true ? 'PASS' : t.ok === false ? (t.enforced ? 'FAIL' : 'FAIL (not enforced)') : '–';

const ms = (x) => (Number.isFinite(x) ? (x >= 100 ? fmtInt(x) : x.toFixed(x >= 10 ? 1 : 2)) : '–');
const rps = (x) => (Number.isFinite(x) ? (x >= 100 ? fmtInt(x) : x.toFixed(1)) : '–');
const ratio = (x) => (Number.isFinite(x) ? `${x >= 10 ? fmtInt(x) : x.toFixed(2)}×` : '–');
const pct = (h) =>
  h && Number.isFinite(h.rate)
    ? `${(h.rate * 100).toFixed(h.rate > 0 && h.rate < 0.01 ? 2 : 0)}% (${fmtInt(h.hits)} / ${fmtInt(h.hits + h.misses)})`
    : '–';
// Table cells: a `|` would end the cell, even inside a code span.
const cell = (s) => String(s).replace(/\|/g, '\\|');
const code = (s) => cell(`\`${String(s).replace(/`/g, "'")}\``);

/** The markdown of a demo run (`summary` is what run.mjs also writes as JSON). */
export function demoMarkdown(summary) {
  const { config, server, dataset, endpoints, cached, indexes, statements, targets } = summary;
  const cpus = os.cpus();
  const lines = [
    '# Index advisor: end-to-end demo',
    '',
    `The sample app on its own Postgres database, loaded before and after the migration the index advisor wrote from the app's own recorded workload. Mode: **${config.mode}**${config.mode === 'quick' ? ' (CI-sized: the ≥ 20× and index-use targets are reported, not enforced)' : ''}. Result: **${summary.ok ? 'PASS' : 'FAIL'}**.`,
    '',
    `- machine: ${cpus[0]?.model?.trim() ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.platform()} ${os.release()}${config.pinned ? '; the app pinned to CPU 0, autocannon to CPU 1 (Postgres unpinned)' : '; no CPU pinning'}`,
    `- runtime: Node ${process.version}; PostgreSQL ${server?.version ?? '?'} at ${config.database} (loopback; ${Object.entries(
      server?.settings ?? {},
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')})`,
    `- packages: ${PACKAGES.map(([n, p]) => `${n} ${version(n, p)}`).join(', ')}`,
    `- date: ${summary.date}; total time ${fmtInt(summary.elapsedSeconds)} s (${summary.steps.map((s) => `${s.name} ${s.seconds.toFixed(0)} s${s.ok ? '' : ' FAILED'}`).join(', ')})`,
    '',
    '## What ran',
    '',
    `1. \`${config.seedCommand}\` into a freshly created database, then \`ANALYZE\`${dataset ? `: ${dataset.tables.map((t) => `${fmtInt(t.rows)} ${t.table} (${t.size})`).join(', ')}` : ''}. Primary keys and the unique \`conversations.session_id\` only.`,
    `2. \`node apps/sample/dist/main.js\` with ${code(config.appEnv)} (no REDIS_URL: in-process cache only). METRICS=on so that the demo can read the cache's hit counters (\`GET /performance/cache/stats\`) and which route ran which statement (\`GET /performance/query/stats\`); the same in every run.`,
    `3. Per endpoint, one autocannon run on loopback: ${config.load.connections} connections, until ${fmtInt(config.load.maxRequests)} responses or ${config.load.seconds} s (connections in flight at the deadline finish their request and count; hard stop ${config.load.seconds + 60} s). **Without the cache**: each run requests every key once (${fmtInt(dataset?.userKeys)} user ids — every user but the ${fmtInt(dataset?.heavyUsersLeftOut)} heaviest task owners — or ${fmtInt(dataset?.taskKeys)} task ids), so the run's request cap is the number of keys when that is lower, and the measured hit rate must be 0%. Latencies: every 2xx response's own time (sub-ms), p50/p95 exact; req/s = responses / time to the last response. Every response must be 2xx (the demo fails otherwise). A warm-up of \`GET /users/:userId\` (uncached primary-key lookup) first.`,
    `4. SIGTERM → the profiler writes \`workload.json\` (${fmtInt(summary.workload?.statements)} statements) → \`${config.advisorCommand}\` → the migration compiled with TypeScript's \`transpileModule\` and run by a TypeORM DataSource (\`migrationsTableName: 'advisor_migrations'\`, \`migrationsTransactionMode: 'each'\`, \`runMigrations()\`)${summary.migration ? ` in ${summary.migration.seconds.toFixed(1)} s` : ''}.`,
    `5. The app restarted, \`SELECT pg_stat_reset()\`, the same load; then stopped, and \`pg_stat_user_indexes.idx_scan\` read for every created index.`,
    `6. The app restarted; the cached endpoints loaded with ${config.cachedKeys} distinct keys repeated, the cache warmed first (one request per key). The same was run before the migration.`,
    '',
    '## Without the cache: before and after the migration',
    '',
    `"seq scan before": the endpoint's statements (as the profiler attributed them to its route) whose generic plan before the migration had a Seq Scan on a table of more than ${fmtInt(config.seqScanMinRows)} rows. Target (full mode): p50 before / p50 after ≥ ${config.minRatio}× for each such endpoint.`,
    '',
    table(
      [
        'endpoint',
        'seq scan before',
        'p50 ms before',
        'p95 ms before',
        'req/s before',
        'p50 ms after',
        'p95 ms after',
        'req/s after',
        'p50 ratio',
        'requests before / after',
        'cache hits before / after',
      ],
      endpoints.map((e) => [
        code(e.label),
        e.seqScanTables.length ? `yes: ${e.seqScanTables.join(', ')}` : 'no',
        ms(e.before?.p50),
        ms(e.before?.p95),
        rps(e.before?.rps),
        ms(e.after?.p50),
        ms(e.after?.p95),
        rps(e.after?.rps),
        `${ratio(e.p50Ratio)}${e.seqScanTables.length ? ` ${check(e.p50Ratio >= config.minRatio)}` : ''}`,
        `${fmtInt(e.before?.requests)} / ${fmtInt(e.after?.requests)}`,
        e.namespace ? `${pct(e.before?.cache)} / ${pct(e.after?.cache)}` : 'not cached',
      ]),
    ),
    '',
    '## With the cache on (warm)',
    '',
    table(
      [
        'endpoint',
        'distinct keys',
        'p50 ms before',
        'p95 ms before',
        'req/s before',
        'p50 ms after',
        'p95 ms after',
        'req/s after',
        'hit rate before / after',
        'uncached p50 ms after (above)',
      ],
      cached.map((c) => [
        code(c.label),
        String(c.keys),
        ms(c.before?.p50),
        ms(c.before?.p95),
        rps(c.before?.rps),
        ms(c.after?.p50),
        ms(c.after?.p95),
        rps(c.after?.rps),
        `${pct(c.before?.cache)} / ${pct(c.after?.cache)}`,
        ms(endpoints.find((e) => e.id === c.id)?.after?.p50),
      ]),
    ),
    '',
    '## Proposed indexes (as the advisor wrote them)',
    '',
    indexes.length
      ? table(
          [
            'index',
            'statement',
            'why (advisor)',
            'size',
            'idx_scan after',
            'used by (plans after)',
          ],
          indexes.map((i) => [
            code(i.name),
            code(i.sql),
            cell(i.why ?? '–'),
            i.size ?? '–',
            i.scans === undefined ? '–' : `${fmtInt(i.scans)}${i.scans === 0 ? ' ✗' : ''}`,
            i.endpoints.length ? i.endpoints.map(code).join(', ') : 'no endpoint',
          ]),
        )
      : 'None.',
    '',
    '## Statements of the workload',
    '',
    'Generic plans (`PREPARE` + `EXPLAIN EXECUTE` under `plan_cache_mode = force_generic_plan`), before and after the migration.',
    '',
    table(
      ['fingerprint', 'statement', 'routes', 'calls', 'plan before', 'plan after'],
      statements.map((s) => [
        code(s.fingerprint),
        code(s.sql.length > 90 ? `${s.sql.slice(0, 89)}…` : s.sql),
        s.routes.join(', ') || '–',
        fmtInt(s.calls),
        cell(s.before ?? '–'),
        cell(s.after ?? '–'),
      ]),
    ),
    '',
    '## Targets',
    '',
    ...targets.map(
      (t) =>
        `- ${check(t.ok)} **${verdict(t)}** ${t.text}${t.measured ? ` — measured: ${t.measured}` : ''}`,
    ),
    ...(summary.notes.length ? ['', '## Notes', '', ...summary.notes.map((n) => `- ${n}`)] : []),
    ...(summary.steps.some((s) => !s.ok)
      ? [
          '',
          '## Failure',
          '',
          ...summary.steps
            .filter((s) => !s.ok)
            .map((s) => `- step ${s.name} failed: ${code(s.error.split('\n')[0])}`),
        ]
      : []),
  ];
  return lines;
}
