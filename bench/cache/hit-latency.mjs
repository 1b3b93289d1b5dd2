// Section 1: ns per cache hit, 1,000 keys prefilled, the next key round-robin on every iteration.
// mitata `measure()` per candidate per round (order rotated each round); median of the p50s.
import { measure, do_not_optimize } from 'mitata';
import { createCache } from 'cache-manager';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { Cacheable } from 'cacheable';
import {
  KEYS,
  N_KEYS,
  RUN_ID,
  makeValue,
  median,
  rotate,
  createNestApp,
  loadNestPerf,
} from './shared.mjs';
import { table, fmtNs, fmtRatio, fmtInt, targetLine } from './report.mjs';

const TTL_MS = 600_000;

// Each candidate writes its own `get` and bench closures (own call-site feedback: no candidate
// makes another's call sites polymorphic). `get` is used to prefill and to check hits; `calls` counts
// loader runs, which must not move while mitata measures (otherwise it was not a hit).
const CANDIDATES = [
  {
    name: 'Map.get (sync)',
    issue: 25,
    async setup() {
      const map = new Map(KEYS.map((k) => [k, makeValue(k)]));
      let i = 0;
      return { bench: () => do_not_optimize(map.get(KEYS[(i = (i + 1) % N_KEYS)])) };
    },
  },
  {
    name: 'async floor: `await (async k => map.get(k))(k)`',
    id: 'floor',
    issue: 206,
    async setup() {
      const map = new Map(KEYS.map((k) => [k, makeValue(k)]));
      const get = async (k) => map.get(k);
      let i = 0;
      return { bench: () => get(KEYS[(i = (i + 1) % N_KEYS)]) };
    },
  },
  {
    name: 'nest-perf `@Cached` L1 hit',
    id: 'nest',
    async setup() {
      let calls = 0;
      const loader = async (id) => (calls++, makeValue(id));
      const { app, svc } = await createNestApp({
        l1: { maxEntries: 10_000 },
        namespace: `hit-${RUN_ID}`,
        loader,
      });
      const get = (k) => svc.get(k);
      let i = 0;
      const bench = () => get(KEYS[(i = (i + 1) % N_KEYS)]);
      return { get, bench, calls: () => calls, close: () => app.close() };
    },
  },
  {
    name: 'cache-manager 7 `wrap` hit (default `createCache()`)',
    id: 'cm',
    issue: 3022,
    async setup() {
      let calls = 0;
      const loader = async (id) => (calls++, makeValue(id));
      const cache = createCache();
      const get = (k) => cache.wrap(k, () => loader(k), TTL_MS);
      let i = 0;
      const bench = () => get(KEYS[(i = (i + 1) % N_KEYS)]);
      return { get, bench, calls: () => calls, close: () => cache.disconnect() };
    },
  },
  {
    name: 'bentocache `getOrSet` hit (memory driver only, defaults: `serialize: true`)',
    id: 'bento',
    issue: 14174,
    async setup() {
      let calls = 0;
      const loader = async (id) => (calls++, makeValue(id));
      const bento = new BentoCache({
        default: 'memory',
        stores: { memory: bentostore().useL1Layer(memoryDriver({ maxItems: 10_000 })) },
      });
      const get = (k) => bento.getOrSet({ key: k, factory: () => loader(k), ttl: '10m' });
      let i = 0;
      const bench = () => get(KEYS[(i = (i + 1) % N_KEYS)]);
      return { get, bench, calls: () => calls, close: () => bento.disconnectAll() };
    },
  },
  {
    name: 'bentocache `getOrSet` hit, memory driver `serialize: false` (info)',
    id: 'bento-raw',
    async setup() {
      let calls = 0;
      const loader = async (id) => (calls++, makeValue(id));
      const bento = new BentoCache({
        default: 'memory',
        stores: {
          memory: bentostore().useL1Layer(memoryDriver({ maxItems: 10_000, serialize: false })),
        },
      });
      const get = (k) => bento.getOrSet({ key: k, factory: () => loader(k), ttl: '10m' });
      let i = 0;
      const bench = () => get(KEYS[(i = (i + 1) % N_KEYS)]);
      return { get, bench, calls: () => calls, close: () => bento.disconnectAll() };
    },
  },
  {
    name: 'cacheable `wrap` hit (`new Cacheable()`)',
    id: 'cacheable',
    issue: 20298,
    async setup() {
      let calls = 0;
      const cache = new Cacheable();
      const wrapped = cache.wrap(async (id) => (calls++, makeValue(id)), {
        ttl: '10m',
        keyPrefix: 'hit',
      });
      let i = 0;
      return {
        get: wrapped,
        bench: () => wrapped(KEYS[(i = (i + 1) % N_KEYS)]),
        calls: () => calls,
        close: () => cache.disconnect(),
      };
    },
  },
];

export async function runHitLatency({ quick = false, log = console.error } = {}) {
  const rounds = quick ? 1 : 5;
  const opts = quick ? { min_cpu_time: 200e6 } : {}; // mitata default: 642 ms of samples per measurement
  const nestError = (await loadNestPerf()).error;
  const live = [];
  const notes = [];
  for (const c of CANDIDATES) {
    if (c.id === 'nest' && nestError) {
      notes.push(`nest-perf not measured: ${nestError}`);
      continue;
    }
    try {
      const h = await c.setup();
      if (h.get) {
        for (const k of KEYS) await h.get(k); // miss: fill
        const filled = h.calls();
        for (const k of KEYS) await h.get(k); // must all hit
        if (h.calls() !== filled)
          notes.push(
            `${c.name}: ${h.calls() - filled} loader calls on the second pass (not all hits)`,
          );
        h.before = h.calls();
      }
      live.push({ ...c, h, p50: [], avg: [] });
    } catch (err) {
      notes.push(`${c.name}: setup failed: ${err?.message ?? err}`);
    }
  }

  for (let r = 0; r < rounds; r++) {
    for (const c of rotate(live, r)) {
      const s = await measure(c.h.bench, { ...opts });
      log(`  hit round ${r + 1}/${rounds}: ${c.name}: p50 ${fmtNs(s.p50)} ns`);
      c.p50.push(s.p50);
      c.avg.push(s.avg);
    }
  }
  for (const c of live) await c.h.close?.();

  const by = Object.fromEntries(
    live.map((c) => [
      c.id ?? c.name,
      { ...c, p50s: c.p50, p50: median(c.p50), avg: median(c.avg) },
    ]),
  );
  const floor = by.floor?.p50;
  const nest = by.nest?.p50;
  const rows = Object.values(by).map((c) => [
    c.name,
    fmtNs(c.p50),
    `${fmtNs(Math.min(...c.p50s))} – ${fmtNs(Math.max(...c.p50s))}`,
    fmtNs(c.avg),
    fmtRatio(c.p50 / floor),
    c.id === 'nest' || !c.h.calls || !nest ? '' : fmtRatio(c.p50 / nest),
    c.issue ? fmtInt(c.issue) : '',
    c.h.calls ? String(c.h.calls() - c.h.before) : '',
  ]);
  const ratio = (id) => (by[id] && nest ? by[id].p50 / nest : undefined);
  const targets = [
    targetLine(
      nest ? nest / floor <= 2.5 : null,
      'nest-perf ≤ 2.5× the async floor',
      nest && fmtRatio(nest / floor),
    ),
    targetLine(
      ratio('cm') ? ratio('cm') >= 6 : null,
      'nest-perf ≥ 6× faster than cache-manager `wrap` hit',
      ratio('cm') && fmtRatio(ratio('cm')),
    ),
    targetLine(
      ratio('bento') ? ratio('bento') >= 25 : null,
      'nest-perf ≥ 25× faster than bentocache `getOrSet` hit',
      ratio('bento') && fmtRatio(ratio('bento')),
    ),
  ];
  return [
    '## 1. Hit latency',
    '',
    `1,000 keys prefilled, next key round-robin per iteration, awaited one at a time. mitata \`measure()\`, ${rounds} round(s), order rotated each round; median over rounds of mitata's per-iteration p50 and avg. ttl 10 min everywhere. Setups: nest-perf \`forRoot({ l1: { maxEntries: 10_000 } })\`, no L2, \`@Cached({ namespace, ttl: '10m' })\` on \`async get(id)\`; cache-manager \`createCache().wrap(key, fn, ttl)\`; bentocache \`bentostore().useL1Layer(memoryDriver({ maxItems: 10_000 }))\`; cacheable \`new Cacheable().wrap(fn, { ttl, keyPrefix })\` (its README's "Wrap / Memoization" API). "loader calls while measured" must be 0 (every measured call was a hit). "earlier" = the issue's figures.`,
    '',
    table(
      [
        'candidate',
        'p50 ns/hit',
        'p50 min – max',
        'avg ns/hit',
        '× async floor',
        'nest-perf faster by',
        'earlier (issue)',
        'loader calls while measured',
      ],
      rows,
    ),
    '',
    ...targets,
    ...notes.map((n) => `- note: ${n}`),
  ].join('\n');
}
