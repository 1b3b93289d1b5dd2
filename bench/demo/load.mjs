// The demo's HTTP side: which endpoints it loads and with which keys, one bounded autocannon run
// with exact latency percentiles, probes, and the cache's hit counters.
import autocannon from 'autocannon';

/**
 * The endpoints the demo loads. `route` is the profiler's route template (how its statements are
 * attributed); `keys` says which ids vary; `namespace` is the sample's cache namespace for the
 * cached ones (the others are not cached).
 */
export const ENDPOINTS = [
  {
    id: 'tasks',
    label: 'GET /users/:userId/tasks?status=completed',
    route: 'GET /users/:userId/tasks',
    keys: 'userIds',
    path: (id) => `/users/${id}/tasks?status=completed`,
    namespace: 'tasks',
  },
  {
    id: 'conversations',
    label: 'GET /users/:userId/conversations',
    route: 'GET /users/:userId/conversations',
    keys: 'userIds',
    path: (id) => `/users/${id}/conversations`,
  },
  {
    id: 'stats',
    label: 'GET /users/:userId/tasks/stats',
    route: 'GET /users/:userId/tasks/stats',
    keys: 'userIds',
    path: (id) => `/users/${id}/tasks/stats`,
    namespace: 'task-stats',
  },
  {
    id: 'summary',
    label: 'GET /users/:userId/summary',
    route: 'GET /users/:userId/summary',
    keys: 'userIds',
    path: (id) => `/users/${id}/summary`,
  },
  {
    id: 'detail',
    label: 'GET /tasks/:id',
    route: 'GET /tasks/:id',
    keys: 'taskIds',
    path: (id) => `/tasks/${id}`,
    namespace: 'task-detail',
  },
  {
    id: 'storyboards',
    label: 'GET /tasks/:id/storyboards',
    route: 'GET /tasks/:id/storyboards',
    keys: 'taskIds',
    path: (id) => `/tasks/${id}/storyboards`,
  },
];

/** How many keys of each list the probes take (from the end; the loads take from the start). */
export const PROBE_KEYS = 2;

/**
 * The paths one uncached run of `endpoint` requests: each key once, so the sample's cache (keyed by
 * the path's parameters) can only miss. Cap the run at this list's length (`load` wraps around).
 */
export function uncachedPaths(endpoint, ids) {
  const keys = ids[endpoint.keys];
  return keys.slice(0, keys.length - PROBE_KEYS).map(endpoint.path);
}

/** The paths of a cached run: `distinct` keys, repeated. */
export function cachedPaths(endpoint, ids, distinct) {
  return ids[endpoint.keys].slice(0, distinct).map(endpoint.path);
}

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

/**
 * One bounded autocannon run against `base`: `connections` connections request `paths` in turn
 * (wrapping around) until `maxRequests` responses or `seconds` have passed. At the deadline no
 * connection starts another request, but the ones in flight complete and count: a slow endpoint
 * is not measured only by its fastest requests. A hard stop at `seconds + graceSeconds` bounds the
 * run whatever happens. Latencies are every response's own time (autocannon's per-response
 * `responseTime`, sub-millisecond), so p50 and p95 are exact; req/s is responses over the time
 * from the start to the last response. Throws when any response is not 2xx, or on errors/timeouts.
 */
export async function load(base, paths, opts) {
  const { connections, seconds, maxRequests, graceSeconds = 60, timeoutSeconds = 60 } = opts;
  const amount = maxRequests;
  let next = 0;
  const times = [];
  let started = 0;
  let last = 0;
  const instance = autocannon({
    url: base,
    connections: Math.min(connections, amount),
    duration: seconds + graceSeconds,
    maxOverallRequests: amount,
    timeout: timeoutSeconds,
    requests: [
      {
        setupRequest(req) {
          req.path = paths[next++ % paths.length];
          return req;
        },
      },
    ],
  });
  instance.on('start', () => (started = performance.now()));
  instance.on('response', (client, status, _bytes, ms) => {
    last = performance.now();
    if (status >= 200 && status < 300) times.push(ms);
    // Soft deadline: this connection stops after the response it just got.
    if (last - started >= seconds * 1000) client.responseMax = client.reqsMade;
  });
  const result = await instance;
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad) {
    throw new Error(
      `${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts out of ` +
        `${result.requests.total} (status codes ${JSON.stringify(result.statusCodeStats)})`,
    );
  }
  times.sort((a, b) => a - b);
  const elapsed = (last - started) / 1000;
  return {
    requests: times.length,
    seconds: elapsed,
    rps: times.length / elapsed,
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    p99: percentile(times, 99),
    max: times[times.length - 1],
    // autocannon's own figures (1 ms resolution), kept to cross-check ours.
    autocannon: { p50: result.latency.p50, p97_5: result.latency.p97_5 },
  };
}

/**
 * GETs each path once, in order: throws unless every answer is 2xx; resolves to the statement
 * counts the profiler's Server-Timing header reported.
 */
export async function probe(base, paths) {
  const queries = [];
  for (const path of paths) {
    const res = await fetch(base + path, { signal: AbortSignal.timeout(120_000) });
    const body = await res.text();
    if (res.status < 200 || res.status >= 300) {
      throw new Error(`GET ${path} answered ${res.status}: ${body.slice(0, 300)}`);
    }
    const desc = /desc="?(\d+) quer/i.exec(res.headers.get('server-timing') ?? '');
    queries.push(desc ? Number(desc[1]) : undefined);
  }
  return queries;
}

/** The app's JSON at `path` (one of the /performance routes). */
export async function getJson(base, path) {
  const res = await fetch(base + path, { signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

/** `{ hits, misses }` of one cache namespace now (from GET /performance/cache/stats). */
export async function cacheCounters(base, namespace) {
  const stats = await getJson(base, '/performance/cache/stats');
  const ns = stats.namespaces?.[namespace] ?? { hits: 0, misses: 0 };
  return { hits: ns.hits, misses: ns.misses };
}

/** The hit rate between two {@link cacheCounters} readings (NaN when nothing was read). */
export function hitRate(before, after) {
  const hits = after.hits - before.hits;
  const misses = after.misses - before.misses;
  return { hits, misses, rate: hits + misses ? hits / (hits + misses) : NaN };
}
