// What one request costs the sample app beyond time, for A (PROFILER=off), B (PROFILER=on) and
// D (PROFILER=off + one AsyncLocalStorage.run per request): async resources created per request
// by type (promises above all: under AsyncLocalStorage each one runs Node's promise hooks), and
// bytes allocated per request (the sum of V8's `allocated=` figures from --trace-gc-nvp over the
// measured requests). Counts, not timings: the promise counts repeat exactly and the bytes within
// ~5% between runs, where req/s moves by more. Run by hand (about 4 minutes; needs the bench
// database, so run the HTTP section once first):
//   node bench/profiler/request-footprint.mjs [requests=20000]
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { APPS } from './http.mjs';
import { BENCH_DB_URL, HERE, ROOT, require, sleep } from './shared.mjs';

const autocannon = require('autocannon');
const measured = Number(process.argv[2] ?? 20_000);
const ids = Array.from({ length: 1_000 }, (_, i) => 101 + ((i * 7_919) % 9_900));
const VARIANTS = APPS.filter((app) => ['A', 'B', 'D'].includes(app.id));

async function start(variant, port, args) {
  let log = '';
  const child = spawn(
    process.execPath,
    [
      ...args,
      ...(variant.preload ? ['-r', variant.preload] : []),
      join(ROOT, 'apps/sample/dist/main.js'),
    ],
    {
      env: {
        ...process.env,
        DATABASE_URL: BENCH_DB_URL,
        PORT: String(port),
        METRICS: 'off',
        ...variant.env,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/`)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 120) throw new Error(`${variant.name} did not start:\n${log.slice(-4000)}`);
    await sleep(250);
  }
  return { child, log: () => log };
}

async function load(port, amount) {
  let i = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: 10,
    amount,
    requests: [
      { setupRequest: (req) => ({ ...req, path: `/users/${ids[i++ % ids.length]}/summary` }) },
    ],
  });
  if (result.non2xx || result.errors) throw new Error('non-2xx responses or errors');
}

const stop = async (child) => {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
};

const ask = (child) =>
  new Promise((resolve) => {
    child.once('message', resolve);
    child.send({ type: 'async-counts' });
  });

const allocated = (text) =>
  [...text.matchAll(/allocated=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);

const rows = [];
for (const [k, variant] of VARIANTS.entries()) {
  // Async resources: the counting hook preloaded, 2,000 warm-up requests, then `measured`.
  const counted = await start(variant, 4_181 + k, ['-r', join(HERE, 'count-async.cjs')]);
  await load(4_181 + k, 2_000);
  const before = await ask(counted.child);
  await load(4_181 + k, measured);
  const after = await ask(counted.child);
  await stop(counted.child);
  const n = after.requests - before.requests;
  const per = (type) => ((after.counts[type] ?? 0) - (before.counts[type] ?? 0)) / n;
  // Allocation: no hook, --trace-gc-nvp; the figures logged during the measured requests only.
  const traced = await start(variant, 4_191 + k, ['--trace-gc-nvp']);
  await load(4_191 + k, 2_000);
  const from = traced.log().length;
  await load(4_191 + k, measured);
  const bytes = allocated(traced.log().slice(from));
  await stop(traced.child);
  rows.push({
    variant,
    promises: per('PROMISE'),
    ticks: per('TickObject'),
    timers: per('Timeout'),
    bytes: bytes / measured,
  });
  console.error(`  footprint: ${variant.id} done`);
}
const A = rows[0];
console.log(
  '| variant | promises / request | process.nextTick / request | timers / request | KB allocated / request | × A allocated |',
);
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  console.log(
    `| ${r.variant.name} | ${r.promises.toFixed(2)} | ${r.ticks.toFixed(2)} | ${r.timers.toFixed(2)} | ${(r.bytes / 1024).toFixed(1)} | ${r === A ? '' : `${(r.bytes / A.bytes).toFixed(3)}×`} |`,
  );
}
console.log(
  `\n${measured.toLocaleString('en-US')} measured requests per variant (GET /users/:id/summary, autocannon 10 connections) after 2,000 warm-up requests.`,
);
