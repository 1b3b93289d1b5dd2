// The demo's load phases, shared by the runs before and after the migration. `ctx`: `{ summary,
// client (pg, on the demo database), ids, loadOpts, warmSeconds, cachedKeys, log }`.
import * as db from './database.mjs';
import * as http from './load.mjs';
import { endpointEntry } from './summary.mjs';

const fmt = (r) =>
  `${r.requests} req, p50 ${r.p50.toFixed(2)} ms, p95 ${r.p95.toFixed(2)} ms, ${r.rps.toFixed(1)} req/s`;

/**
 * Probes each endpoint (2xx, statements per request), warms the app up, then loads each endpoint
 * without the cache (every key once); stores each run as `phase` ('before' | 'after') of its entry.
 */
export async function uncachedLoads(ctx, app, phase) {
  const { summary, client, ids, loadOpts, log } = ctx;
  for (const ep of http.ENDPOINTS) {
    const queries = await http.probe(app.base, ids[ep.keys].slice(-http.PROBE_KEYS).map(ep.path));
    endpointEntry(summary, ep)[`${phase}Queries`] = queries[0];
  }
  const warm = ids.userIds.map((id) => `/users/${id}`);
  await http.load(app.base, warm, { ...loadOpts, seconds: ctx.warmSeconds });
  for (const ep of http.ENDPOINTS) {
    if (!(await db.waitForIdle(client))) {
      summary.notes.push(`${phase}: Postgres was still busy before ${ep.label}`);
    }
    const counters = ep.namespace && (await http.cacheCounters(app.base, ep.namespace));
    const paths = http.uncachedPaths(ep, ids);
    const maxRequests = Math.min(loadOpts.maxRequests, paths.length);
    const run = await http.load(app.base, paths, { ...loadOpts, maxRequests });
    if (ep.namespace) {
      run.cache = http.hitRate(counters, await http.cacheCounters(app.base, ep.namespace));
    }
    endpointEntry(summary, ep)[phase] = run;
    const hits = run.cache
      ? `, cache hits ${run.cache.hits}/${run.cache.hits + run.cache.misses}`
      : '';
    log(`   ${phase} ${ep.label}: ${fmt(run)}${hits}`);
  }
}

/** The cached endpoints with `ctx.cachedKeys` keys repeated, each key requested once first. */
export async function cachedLoads(ctx, app, phase) {
  const { summary, client, ids, loadOpts, log } = ctx;
  for (const ep of http.ENDPOINTS.filter((e) => e.namespace)) {
    const paths = http.cachedPaths(ep, ids, ctx.cachedKeys);
    await http.probe(app.base, paths);
    await db.waitForIdle(client);
    const counters = await http.cacheCounters(app.base, ep.namespace);
    const run = await http.load(app.base, paths, loadOpts);
    run.cache = http.hitRate(counters, await http.cacheCounters(app.base, ep.namespace));
    let entry = summary.cached.find((c) => c.id === ep.id);
    if (!entry) summary.cached.push((entry = { id: ep.id, label: ep.label, keys: paths.length }));
    entry[phase] = run;
    log(
      `   cached ${phase} ${ep.label}: ${fmt(run)}, hit rate ${(run.cache.rate * 100).toFixed(1)}%`,
    );
  }
}
