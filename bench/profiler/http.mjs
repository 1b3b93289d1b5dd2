// Section 1: what the profiler costs a real app. Four sample-app processes on the same Postgres
// bench database, loaded in turn (order rotated each round) by autocannon on loopback:
//   A  PROFILER=off
//   B  PROFILER=on (nest-perf's QueryProfilerModule)
//   C  PROFILER=off + OpenTelemetry's TypeORM instrumentation, spans kept in memory
//      (bench/profiler/otel-register.cjs preloaded with `node -r`)
//   D  PROFILER=off + one AsyncLocalStorage.run per request (bench/profiler/als-only.cjs): the floor
// against an endpoint that runs 5 SQL statements, userIds varied. Per round: req/s, p50, p99.
// Reported: medians, and the medians of the per-round ratios B/A, C/A, D/A and B/D.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { median, rotate, sleep, ROOT, HERE, BENCH_DB_URL, ensureDataset } from './shared.mjs';
import { table, fmtInt, fmtRatio, target } from './report.mjs';

export const DEFAULT_PATH = '/users/:id/summary';
const MAIN = join(ROOT, 'apps/sample/dist/main.js');
const OTEL_REGISTER = join(HERE, 'otel-register.cjs');
const ALS_ONLY = join(HERE, 'als-only.cjs');

/**
 * Pin the apps to CPU 0 and this process (autocannon) to CPU 1, when taskset and 2+ CPUs exist.
 * Evaluated on import: importing this module pins the importing process (bench/demo does).
 */
export const PIN =
  process.env.BENCH_PIN !== '0' &&
  availableParallelism() >= 2 &&
  spawnSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' }).status === 0;

/** The HTTP section's variants (request-footprint.mjs measures A, B and D of the same list). */
export const APPS = [
  { id: 'A', name: 'A: PROFILER=off', env: { PROFILER: 'off' } },
  { id: 'B', name: 'B: PROFILER=on (nest-perf profiler)', env: { PROFILER: 'on' } },
  {
    id: 'C',
    name: 'C: PROFILER=off + OpenTelemetry TypeORM instrumentation (in-memory exporter)',
    env: { PROFILER: 'off' },
    otel: true,
    preload: OTEL_REGISTER,
  },
  {
    // The floor of any design that keeps a per-request AsyncLocalStorage context (as the
    // profiler must, to attribute statements): D/A is what Node's AsyncLocalStorage alone costs.
    id: 'D',
    name: 'D: PROFILER=off + one AsyncLocalStorage.run per request (als-only.cjs)',
    env: { PROFILER: 'off' },
    preload: ALS_ONLY,
  },
];

/**
 * Users the load spreads over: 1,000 ids from 101 to 10,000 in a scattered order. The 100
 * heaviest owners (the seeder skews ownership: user 1 has ~46,000 tasks) are left out so every
 * request does about the same work.
 */
const USER_IDS = Array.from({ length: 1_000 }, (_, i) => 101 + ((i * 7_919) % 9_900));

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Every child this module started, so an error or Ctrl-C still kills them. */
const children = new Set();
export function killAllSync() {
  for (const c of children) c.kill('SIGKILL');
}
process.on('exit', killAllSync);

/**
 * Starts `apps/sample/dist/main.js` on a free loopback port (pinned to CPU 0 when {@link PIN}) and
 * resolves once `GET /` answers 200. `app`: `{ name, env?, preload?, otel? }`; `app.env` is laid
 * over the defaults (the bench database, METRICS=off, no REDIS_URL). Returns the app with `base`,
 * `output()` (the last 16 kB of its stdout/stderr) and `stop()` (SIGTERM, SIGKILL after 10 s).
 */
export async function startApp(app) {
  const port = await freePort();
  const env = {
    ...process.env,
    DATABASE_URL: BENCH_DB_URL,
    // The profiler alone is measured: /performance's HTTP statistics would weigh on every variant.
    METRICS: 'off',
    ...app.env,
    PORT: String(port),
    HOST: '127.0.0.1',
  };
  delete env.REDIS_URL; // in-process cache only
  const args = [...(app.preload ? ['-r', app.preload] : []), MAIN];
  // Pinned to CPU 0 (the load generator runs on CPU 1): the app under test never shares its
  // core with autocannon, which otherwise moved per-round req/s by up to a third.
  const [command, argv] = PIN
    ? ['taskset', ['-c', '0', process.execPath, ...args]]
    : [process.execPath, args];
  const child = spawn(command, argv, {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  children.add(child);
  let output = '';
  const keep = (d) => (output = (output + d).slice(-16_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  const exit = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      exited = signal ?? `exit code ${code}`;
      children.delete(child);
      resolve(exited);
    }),
  );
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`${app.name} exited during startup (${exited}):\n${output}`);
    try {
      const res = await fetch(`${base}/`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${app.name} did not answer on ${base} within 60 s:\n${output}`);
    }
    await sleep(250);
  }
  return {
    ...app,
    base,
    port,
    child,
    output: () => output,
    async spans() {
      if (!app.otel || exited) return undefined;
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(undefined), 2_000);
        const onMessage = (m) => {
          if (m?.type !== 'otel-spans') return;
          clearTimeout(timer);
          child.off('message', onMessage);
          resolve(m.spans);
        };
        child.on('message', onMessage);
        child.send({ type: 'otel-spans' });
      });
    },
    async stop() {
      if (exited) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const how = await exit;
      clearTimeout(timer);
      return how;
    },
  };
}

/**
 * CPU time the process has run so far, in ns (Linux `/proc/<pid>/schedstat`: user + system, ns
 * resolution), or undefined where that file does not exist. With `taskset` the app's pid is
 * taskset's (it execs the command).
 */
function cpuNs(pid) {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return undefined;
  }
}

/** One bounded autocannon run; throws on any non-2xx, error or timeout. */
async function load(app, pathOf, { seconds, connections, maxRequests }) {
  let next = 0;
  const cpuBefore = cpuNs(app.child.pid);
  const result = await autocannon({
    url: app.base,
    connections,
    duration: seconds,
    maxOverallRequests: maxRequests,
    timeout: 10,
    requests: [
      {
        setupRequest(req) {
          req.path = pathOf(USER_IDS[next++ % USER_IDS.length]);
          return req;
        },
      },
    ],
  });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad) {
    throw new Error(
      `${app.name}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts ` +
        `out of ${result.requests.total} (status codes ${JSON.stringify(result.statusCodeStats)})`,
    );
  }
  const cpuAfter = cpuNs(app.child.pid);
  return {
    // The app's own CPU per request (µs): what the profiler adds to it, without the share of the
    // machine that Postgres and the load generator take (they set req/s too).
    cpuUs:
      cpuBefore === undefined || cpuAfter === undefined
        ? undefined
        : (cpuAfter - cpuBefore) / 1_000 / result.requests.total,
    rps: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    mean: result.latency.mean,
    total: result.requests.total,
  };
}

/** A few requests by hand: all 200, and what the Server-Timing header says. */
async function probe(app, pathOf) {
  const timings = [];
  for (const id of USER_IDS.slice(0, 5)) {
    const res = await fetch(app.base + pathOf(id), { signal: AbortSignal.timeout(10_000) });
    const body = await res.text();
    if (res.status !== 200)
      throw new Error(
        `${app.name}: GET ${pathOf(id)} answered ${res.status}: ${body.slice(0, 300)}`,
      );
    timings.push(res.headers.get('server-timing'));
  }
  const desc = timings.map((t) => /desc="?(\d+) quer/i.exec(t ?? '')?.[1]);
  return { serverTiming: timings[0], queries: desc.map((d) => (d ? Number(d) : undefined)) };
}

export async function runHttp({ quick = false, log = console.error, path = DEFAULT_PATH } = {}) {
  const rounds = quick ? 3 : 11;
  const opts = {
    seconds: quick ? 2 : 4,
    connections: 10,
    maxRequests: 200_000,
  };
  const warmup = { ...opts, seconds: quick ? 1 : 3 };
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
  if (!path.includes(':id')) throw new Error(`--http-path must contain :id (got ${path})`);
  const pathOf = (id) => path.replace(':id', String(id));
  const notes = [];
  const dataset = await ensureDataset(log);

  const live = [];
  const onSignal = () => {
    killAllSync();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for (const app of APPS) {
      log(`  http: starting ${app.name}`);
      live.push({ ...(await startApp(app)), runs: [] });
    }
    for (const app of live) {
      app.probe = await probe(app, pathOf);
      log(`  http: ${app.id} ${path} → 200, Server-Timing: ${app.probe.serverTiming ?? '(none)'}`);
    }
    for (const app of live) await load(app, pathOf, warmup);
    const spansBefore = await live.find((a) => a.otel)?.spans();
    for (let r = 0; r < rounds; r++) {
      for (const app of rotate(live, r)) {
        const run = await load(app, pathOf, opts);
        app.runs.push(run);
        log(
          `  http ${r + 1}/${rounds} ${app.id}: ${fmtInt(run.rps)} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms`,
        );
      }
    }
    const c = live.find((a) => a.otel);
    const spansAfter = await c?.spans();
    c.spanCount = spansAfter - (spansBefore ?? 0);
    c.requests = c.runs.reduce((n, x) => n + x.total, 0);
    if (!(c.spanCount > 0))
      throw new Error(
        `the OpenTelemetry variant produced no spans (${spansAfter}): the instrumentation did not ` +
          'patch TypeORM, so comparing with it would be meaningless',
      );
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    for (const app of live) {
      const how = await app.stop();
      if (app.otel) app.spansAtExit = Number(/otel-spans (\d+)/.exec(app.output())?.[1]);
      log(
        `  http: stopped ${app.id} (${how})${app.otel ? `; it reported ${app.spansAtExit} spans in total` : ''}`,
      );
    }
    killAllSync();
  }

  const by = Object.fromEntries(live.map((a) => [a.id, a]));
  const med = (a, f) => median(a.runs.map((x) => x[f]));
  const pairedRatio = (x, y, f) => median(x.runs.map((run, r) => run[f] / y.runs[r][f]));
  const { A, B, C, D } = by;
  const bA = pairedRatio(B, A, 'rps');
  const dA = pairedRatio(D, A, 'rps');
  const bD = pairedRatio(B, D, 'rps');
  const cA = pairedRatio(C, A, 'rps');
  const bC = pairedRatio(B, C, 'rps');
  const hasCpu = live.every((a) => a.runs.every((x) => x.cpuUs !== undefined));
  const cpuCells = (a) =>
    hasCpu
      ? [med(a, 'cpuUs').toFixed(1), a === A ? '' : `${pairedRatio(a, A, 'cpuUs').toFixed(3)}×`]
      : [];
  const rows = live.map((a) => [
    a.name,
    fmtInt(med(a, 'rps')),
    `${fmtInt(Math.min(...a.runs.map((x) => x.rps)))} – ${fmtInt(Math.max(...a.runs.map((x) => x.rps)))}`,
    med(a, 'mean').toFixed(2),
    String(med(a, 'p50')),
    String(med(a, 'p99')),
    a === A ? '' : fmtRatio(pairedRatio(a, A, 'rps')),
    a === A ? '' : fmtRatio(pairedRatio(a, A, 'p99')),
    ...cpuCells(a),
    fmtInt(a.runs.reduce((n, x) => n + x.total, 0)),
  ]);
  const cpuNote = hasCpu
    ? `; app CPU per request B/A ${pairedRatio(B, A, 'cpuUs').toFixed(3)}×, D/A ${pairedRatio(D, A, 'cpuUs').toFixed(3)}×, B/D ${pairedRatio(B, D, 'cpuUs').toFixed(3)}×`
    : '';
  const bQueries = B.probe.queries.filter((q) => q !== undefined);
  if (!B.probe.serverTiming)
    notes.push(
      'B sent no `Server-Timing` header: the profiler is not active in the app (not wired in yet?); B measured the app without it',
    );
  if (A.probe.serverTiming)
    notes.push(
      `A (PROFILER=off) sent \`Server-Timing: ${A.probe.serverTiming}\`: the switch is not honoured`,
    );
  if (bQueries.length && bQueries.some((q) => q !== 5))
    notes.push(`B's Server-Timing counted ${bQueries.join(', ')} queries per request, not 5`);

  const profilerActive = Boolean(B.probe.serverTiming);
  const targets = [
    target(
      profilerActive ? bA >= 0.97 : null,
      'B/A ≥ 0.97 req/s (profiler on vs off, median of per-round ratios)',
      `${fmtRatio(bA)} (${bA.toFixed(3)})${profilerActive ? '' : ' — profiler not active in B, not judged'}; D/A ${fmtRatio(dA)} (AsyncLocalStorage alone), B/D ${fmtRatio(bD)} (the profiler on top of it)${cpuNote}`,
    ),
    target(
      profilerActive ? bC > 1 : null,
      "the profiler's overhead is lower than OpenTelemetry's TypeORM instrumentation (B/C > 1, paired per round)",
      `B/C ${bC.toFixed(3)}; B/A ${fmtRatio(bA)}, C/A ${fmtRatio(cA)}`,
    ),
    target(
      bQueries.length ? bQueries.every((q) => q === 5) : null,
      'the endpoint runs 5 statements (B’s Server-Timing)',
      bQueries.length ? bQueries.join(', ') : 'no header',
    ),
  ];
  const markdown = [
    '## 1. HTTP: profiler on vs off vs OpenTelemetry vs AsyncLocalStorage alone',
    '',
    `Four \`node apps/sample/dist/main.js\` processes on the Postgres bench database (${dataset.tasks.toLocaleString('en-US')} tasks; in-process cache, no Redis; indexes: ${dataset.indexes.join('; ')} — without the last two, two of the endpoint's statements scan 0.5M and 1.9M rows, ~100 ms or more per request, and the comparison would measure Postgres alone), started once and loaded one at a time: \`GET ${path}\` (uncached; ${bQueries.length ? `${bQueries[0]} SQL statement(s) per request by B's Server-Timing` : 'statements per request unknown: B sent no Server-Timing'}) for 1,000 userIds from 101 to 10,000 in turn (the 100 heaviest task owners left out). autocannon ${opts.connections} connections, ${opts.seconds} s per run (capped at ${fmtInt(opts.maxRequests)} requests), a ${warmup.seconds} s warm-up per process first; ${rounds} rounds, order rotated each round. Every response checked: 2xx only (the run fails otherwise). Latencies are autocannon's (1 ms resolution for p50/p99; mean with decimals). C: \`node -r bench/profiler/otel-register.cjs\` — NodeTracerProvider + SimpleSpanProcessor(InMemorySpanExporter), \`TypeormInstrumentation\` via \`registerInstrumentations\`, exporter emptied every 250 ms; it produced ${fmtInt(C.spanCount)} spans for ${fmtInt(C.requests)} measured requests (${(C.spanCount / C.requests).toFixed(2)} per request; ${fmtInt(C.spansAtExit)} in total, warm-up and probes included, as it reported on SIGTERM). D: \`node -r bench/profiler/als-only.cjs\` — one \`AsyncLocalStorage.run\` around each request's listeners and nothing else, the floor of any per-request context. Ratios: median over rounds of the per-round ratio (each round runs A, B, C and D back to back).${hasCpu ? " App CPU µs/request: the app process's CPU time (user + system, `/proc/<pid>/schedstat`) during the run divided by its requests; req/s also depends on the CPU that Postgres (not pinned) and autocannon take on this 2-core machine, the app's CPU per request does not." : ''} Server-Timing seen on B: \`${B.probe.serverTiming ?? '(none)'}\`.`,
    '',
    table(
      [
        'process',
        'median req/s',
        'min – max req/s',
        'mean ms',
        'p50 ms',
        'p99 ms',
        '× A req/s (paired)',
        '× A p99 (paired)',
        ...(hasCpu ? ['app CPU µs/request', '× A CPU/request (paired)'] : []),
        'requests',
      ],
      rows,
    ),
    ...(notes.length ? ['', ...notes.map((n) => `- note: ${n}`)] : []),
  ].join('\n');
  return { markdown, targets, bA, cA, bC, dA, bD };
}
