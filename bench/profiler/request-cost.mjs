// Where the profiler's per-request cost goes: the sample app with PROFILER=off, with PROFILER=off
// plus one AsyncLocalStorage context per request (als-only.cjs), and with PROFILER=on, under the
// same autocannon load, each with `node --cpu-prof`; self time per request, grouped into Node's
// AsyncLocalStorage machinery (promise hooks), the profiler's own code, GC and the rest. Run by hand (it profiles, so its absolute figures are inflated):
//   node bench/profiler/request-cost.mjs [seconds=10]
// Needs the bench database (run the HTTP section once first).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_DB_URL, ROOT, require, sleep } from './shared.mjs';

const autocannon = require('autocannon');
const seconds = Number(process.argv[2] ?? 10);
const ids = Array.from({ length: 1_000 }, (_, i) => 101 + ((i * 7_919) % 9_900));

// Node's AsyncLocalStorage machinery (promise hooks that propagate the store to every promise).
const ALS_FUNCTIONS = new Set([
  'promiseInitHook',
  'promiseBeforeHook',
  'promiseAfterHook',
  'lookupPublicResource',
  '_propagate',
  'emitInitScript',
  'trackPromise',
]);

function groupOf(frame) {
  const { url, functionName } = frame;
  if (ALS_FUNCTIONS.has(functionName) || url.includes('async_hooks'))
    return 'AsyncLocalStorage hooks';
  if (url.includes('/libs/profiler/') || url.includes('/libs/core/')) return 'nest-perf profiler';
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(idle)' || functionName === '(program)') return null;
  return 'everything else';
}

async function profile({ profiler, preload }, port, dir) {
  const child = spawn(
    process.execPath,
    [
      ...(preload ? ['-r', preload] : []),
      '--cpu-prof',
      `--cpu-prof-dir=${dir}`,
      join(ROOT, 'apps/sample/dist/main.js'),
    ],
    {
      env: {
        ...process.env,
        DATABASE_URL: BENCH_DB_URL,
        PORT: String(port),
        PROFILER: profiler,
        METRICS: 'off',
      },
      stdio: 'ignore',
    },
  );
  await sleep(6_000);
  let i = 0;
  const load = (duration) =>
    autocannon({
      url: `http://127.0.0.1:${port}`,
      connections: 10,
      duration,
      requests: [
        { setupRequest: (req) => ({ ...req, path: `/users/${ids[i++ % ids.length]}/summary` }) },
      ],
    });
  await load(3);
  const result = await load(seconds);
  if (result.non2xx || result.errors) throw new Error(`PROFILER=${profiler}: non-2xx responses`);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  await exited;
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  const cpu = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const nodes = new Map(cpu.nodes.map((n) => [n.id, n]));
  const groups = new Map();
  // Only the measured load counts: samples of the last `seconds` before the profile ended (the
  // process is stopped right after the load), not startup or warm-up.
  const requests = result.requests.total;
  const from = cpu.endTime - seconds * 1e6;
  let at = cpu.startTime;
  cpu.samples.forEach((id, k) => {
    at += cpu.timeDeltas[k] ?? 0;
    if (at < from) return;
    const group = groupOf(nodes.get(id).callFrame);
    if (group) groups.set(group, (groups.get(group) ?? 0) + (cpu.timeDeltas[k] ?? 0));
  });
  return { requests, rps: result.requests.average, groups, total: sum(groups) };
}

const sum = (m) => [...m.values()].reduce((a, b) => a + b, 0);

const VARIANTS = [
  { name: 'PROFILER=off', profiler: 'off' },
  {
    name: 'off + AsyncLocalStorage per request',
    profiler: 'off',
    preload: join(ROOT, 'bench/profiler/als-only.cjs'),
  },
  { name: 'PROFILER=on', profiler: 'on' },
];

const dir = mkdtempSync(join(tmpdir(), 'np-request-cost-'));
try {
  const runs = [];
  for (const [i, variant] of VARIANTS.entries()) {
    runs.push(await profile(variant, 3961 + i, join(dir, String(i))));
  }
  const perRequest = (run, group) => (run.groups.get(group) ?? 0) / run.requests;
  const groups = ['AsyncLocalStorage hooks', 'nest-perf profiler', 'GC', 'everything else'];
  console.log(
    `| CPU µs per request (self time, --cpu-prof) | ${VARIANTS.map((v) => v.name).join(' | ')} |`,
  );
  console.log(`| --- | ${VARIANTS.map(() => '---').join(' | ')} |`);
  for (const group of groups) {
    console.log(`| ${group} | ${runs.map((r) => perRequest(r, group).toFixed(1)).join(' | ')} |`);
  }
  const totals = runs.map((r) => r.total / r.requests);
  console.log(
    `| total | ${totals.map((t, i) => `${t.toFixed(1)}${i ? ` (${((t / totals[0] - 1) * 100).toFixed(1)}%)` : ''}`).join(' | ')} |`,
  );
  console.log(
    `\n${seconds} s of load each; req/s while profiled: ${runs.map((r, i) => `${VARIANTS[i].name} ${r.rps}`).join(', ')}.`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
