// What the demo concludes from its measurements: the advisor's proposals as written, which
// statements each endpoint runs and how they were planned, and the targets.
import { ENDPOINTS } from './load.mjs';

/** The demo's entry for `endpoint` in `summary.endpoints` (created on first use). */
export function endpointEntry(summary, endpoint) {
  let entry = summary.endpoints.find((e) => e.id === endpoint.id);
  if (!entry) {
    const { id, label, route, namespace } = endpoint;
    entry = { id, label, route, namespace, fingerprints: [], seqScanTables: [], indexesAfter: [] };
    summary.endpoints.push(entry);
  }
  return entry;
}

/** Index names, tables and statements from the migration's up(); the reasons from the report. */
export function parseAdvice(source, report) {
  const up = source.slice(source.indexOf('async up('), source.indexOf('async down('));
  const re = /`(CREATE INDEX CONCURRENTLY IF NOT EXISTS "([^"]+)" ON "([^"]+)"\."([^"]+)"[^`]*)`/g;
  return [...up.matchAll(re)].map(([, sql, name, , table]) => ({
    name,
    table,
    sql,
    why: new RegExp(`### \`${name}\`[\\s\\S]*?\\n- why: (.*)`).exec(report)?.[1],
  }));
}

/**
 * Fills `summary.statements` (each workload statement with the routes the profiler attributed it
 * to and its generic plans before and after), each endpoint's statements, the tables they
 * seq-scanned before (tables above `seqScanMinRows` rows) and the indexes their plans use after,
 * and `summary.indexes` (the proposals with the endpoints that use them).
 */
export function attribute(
  summary,
  { workload, queryStats, before, after, proposed, seqScanMinRows },
) {
  for (const q of workload.queries) {
    const b = before[q.fingerprint];
    const a = after[q.fingerprint];
    summary.statements.push({
      fingerprint: q.fingerprint,
      sql: q.sql,
      calls: q.calls,
      routes: queryStats.queries.find((s) => s.fingerprint === q.fingerprint)?.routes ?? [],
      before: b?.shape ?? b?.error,
      after: a?.shape ?? a?.error,
      seqScansBefore: b?.seqScans ?? [],
      indexesAfter: a?.indexes ?? [],
    });
  }
  for (const endpoint of ENDPOINTS) {
    const entry = endpointEntry(summary, endpoint);
    const mine = summary.statements.filter((s) => s.routes.includes(endpoint.route));
    const big = (s) => s.seqScansBefore.filter((x) => x.rows > seqScanMinRows).map((x) => x.table);
    entry.fingerprints = mine.map((s) => s.fingerprint);
    entry.seqScanTables = [...new Set(mine.flatMap(big))];
    entry.indexesAfter = [...new Set(mine.flatMap((s) => s.indexesAfter))];
  }
  for (const p of proposed) {
    const users = summary.endpoints.filter((e) => e.indexesAfter.includes(p.name));
    summary.indexes.push({ ...p, endpoints: users.map((e) => e.label) });
  }
}

/**
 * The targets, and `summary.ok`: every step ran and no enforced target failed. `enforced`: whether
 * the timing and index-use targets fail the run (full mode) or are only reported (--quick).
 */
export function judge(summary, { steps, enforced, minRatio }) {
  for (const e of summary.endpoints) {
    e.p50Ratio = e.before && e.after ? e.before.p50 / e.after.p50 : undefined;
  }
  const allRan = summary.steps.length === steps && summary.steps.every((s) => s.ok);
  const seqEndpoints = summary.endpoints.filter((e) => e.seqScanTables.length);
  const unused = summary.indexes.filter((i) => i.scans === 0);
  const leaks = summary.endpoints.filter(
    (e) => e.namespace && [e.before, e.after].some((r) => r?.cache?.hits > 0),
  );
  summary.targets = [
    {
      id: 'steps',
      enforced: true,
      ok: allRan,
      text: 'every step ran (dataset, load before, advisor, migration, load after, cache)',
      measured: summary.steps.map((s) => `${s.name} ${s.ok ? 'ok' : 'FAILED'}`).join(', '),
    },
    {
      id: 'ratio',
      enforced,
      ok:
        allRan && seqEndpoints.length
          ? seqEndpoints.every((e) => e.p50Ratio >= minRatio)
          : undefined,
      text: `every endpoint whose statements seq-scanned before gets ≥ ${minRatio}× lower p50 without the cache`,
      measured:
        seqEndpoints.map((e) => `${e.label} ${e.p50Ratio?.toFixed(1)}×`).join(', ') ||
        'no seq-scanning endpoint',
    },
    {
      id: 'used',
      enforced,
      ok: allRan ? unused.length === 0 : undefined,
      text: 'the advisor proposes no index that the planner then does not use (idx_scan > 0 in the load after)',
      measured: !allRan
        ? 'not measured'
        : unused.length
          ? `unused: ${unused.map((i) => i.name).join(', ')}`
          : `all ${summary.indexes.length} used`,
    },
    {
      id: 'misses',
      enforced: true,
      ok: allRan ? leaks.length === 0 : undefined,
      text: 'without the cache every request of a cached endpoint missed (measured hit rate 0%)',
      measured: leaks.length ? `hits in ${leaks.map((e) => e.label).join(', ')}` : undefined,
    },
  ];
  summary.ok = allRan && summary.targets.every((t) => t.ok !== false || !t.enforced);
}
