// Section 4: heap held by 100,000 cached ~130-byte objects: nest-perf L1 vs a plain Map.
// Parent: runMemory() spawns `node --expose-gc memory.mjs <candidate>` 3× per candidate, alternated.
// Child: fills one candidate, prints `RESULT {json}` with the heapUsed delta after global.gc().
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RUN_ID, makeValue, median, createNestApp, loadNestPerf } from './shared.mjs';
import { table, fmtMB, fmtInt, fmtRatio, targetLine } from './report.mjs';

const N = 100_000;
const SELF = fileURLToPath(import.meta.url);

async function settledHeap() {
  for (let i = 0; i < 4; i++) {
    global.gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

async function child(candidate) {
  if (typeof global.gc !== 'function') throw new Error('run with node --expose-gc');
  let close = async () => {};
  let fill;
  let verify;
  if (candidate === 'map') {
    const map = new Map();
    fill = async (k) => void map.set(k, makeValue(k));
    verify = async () => N - map.size; // also keeps the map alive past the measurement
  } else if (candidate === 'nest') {
    let calls = 0;
    const loader = async (id) => (calls++, makeValue(id));
    const { app, svc } = await createNestApp({
      l1: { maxEntries: 2 * N },
      namespace: `mem-${RUN_ID}`,
      ttl: '1h',
      loader,
    });
    await svc.get('warm-up'); // one entry, so the code path exists before the baseline
    close = () => app.close();
    fill = (k) => svc.get(k);
    verify = async () => {
      const before = calls;
      for (let i = 0; i < N; i++) await svc.get(`k${i}`);
      return calls - before; // 0 if every entry is still held
    };
  } else throw new Error(`unknown candidate ${candidate}`);

  const before = await settledHeap();
  for (let i = 0; i < N; i++) await fill(`k${i}`);
  const after = await settledHeap();
  const misses = await verify();
  process.stdout.write(`RESULT ${JSON.stringify({ candidate, delta: after - before, misses })}\n`);
  await close();
}

function spawnChild(candidate) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--expose-gc', SELF, candidate], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code === 0 && line) resolve(JSON.parse(line.slice(7)));
      else
        reject(
          new Error(
            `child ${candidate} exited ${code}: ${(err || out).trim().split('\n').slice(-3).join(' / ')}`,
          ),
        );
    });
  });
}

export async function runMemory({ quick = false, log = console.error } = {}) {
  const reps = quick ? 1 : 3;
  const nestError = (await loadNestPerf()).error;
  const candidates = nestError ? ['map'] : ['map', 'nest'];
  const results = { map: [], nest: [] };
  const notes = nestError ? [`nest-perf not measured: ${nestError}`] : [];
  for (let r = 0; r < reps; r++) {
    for (const c of r % 2 ? [...candidates].reverse() : candidates) {
      try {
        const res = await spawnChild(c);
        log(`  memory ${r + 1}/${reps}: ${c}: ${fmtMB(res.delta)}`);
        if (res.misses)
          notes.push(`${c}: ${res.misses} of ${N} entries were no longer cached after the fill`);
        results[c].push(res.delta);
      } catch (err) {
        notes.push(err.message);
      }
    }
  }
  const map = results.map.length ? median(results.map) : undefined;
  const nest = results.nest.length ? median(results.nest) : undefined;
  const row = (name, d) => [
    name,
    fmtMB(d),
    d === undefined ? 'n/a' : fmtInt(d / N),
    d === undefined ? 'n/a' : fmtRatio(d / map),
  ];
  return [
    '## 4. Memory',
    '',
    `${fmtInt(N)} entries, a distinct ~130-byte object per key (\`makeValue\`), keys \`k0…k${N - 1}\`; nest-perf filled through the \`@Cached\` method (L1 only, maxEntries ${fmtInt(2 * N)}), the Map with \`map.set\`. heapUsed after \`global.gc()\` minus before the fill, one child process per measurement, median of ${reps}.`,
    '',
    table(
      ['candidate', 'heap delta', 'bytes / entry', '× Map'],
      [row('plain `Map`', map), row('nest-perf L1', nest)],
    ),
    '',
    targetLine(
      nest === undefined ? null : nest / map <= 2,
      'nest-perf L1 ≤ 2× a plain Map',
      nest && fmtRatio(nest / map),
    ),
    ...notes.map((n) => `- note: ${n}`),
  ].join('\n');
}

if (process.argv[1] === SELF) {
  child(process.argv[2]).catch((err) => {
    console.error(err?.stack ?? err);
    process.exitCode = 1;
  });
}
