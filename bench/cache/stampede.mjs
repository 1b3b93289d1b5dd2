// Section 3: 1,000 concurrent calls on one missing key, the loader takes ~20 ms. How many loads?
import { createCache } from 'cache-manager';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { Cacheable } from 'cacheable';
import {
  RUN_ID,
  REDIS_URL,
  makeValue,
  sleep,
  createNestApp,
  loadNestPerf,
  cleanupRedis,
} from './shared.mjs';
import { table, fmtInt, check } from './report.mjs';

const CALLS = 1_000;
const LOAD_MS = 20;
const KEY = 'hot';

// Each setup gets the counting loader and returns { call: () => Promise<value>, close }.
const CANDIDATES = [
  {
    name: 'nest-perf `@Cached`, L1 only',
    nest: true,
    async setup(loader) {
      const { app, svc } = await createNestApp({
        l1: { maxEntries: 10_000 },
        namespace: `stampede-l1-${RUN_ID}`,
        loader,
      });
      return { call: () => svc.get(KEY), close: () => app.close() };
    },
  },
  {
    name: 'nest-perf `@Cached`, L1 + Redis L2',
    nest: true,
    async setup(loader) {
      const { app, svc } = await createNestApp({
        l1: { maxEntries: 10_000 },
        l2: { url: REDIS_URL },
        namespace: `stampede-l2-${RUN_ID}`,
        loader,
      });
      return { call: () => svc.get(KEY), close: () => app.close() };
    },
  },
  {
    name: 'cache-manager 7 `wrap` (default `createCache()`)',
    async setup(loader) {
      const cache = createCache();
      return {
        call: () => cache.wrap(KEY, () => loader(KEY), 600_000),
        close: () => cache.disconnect(),
      };
    },
  },
  {
    name: 'bentocache `getOrSet` (memory driver)',
    async setup(loader) {
      const bento = new BentoCache({
        default: 'm',
        stores: { m: bentostore().useL1Layer(memoryDriver({ maxItems: 10_000 })) },
      });
      return {
        call: () => bento.getOrSet({ key: KEY, factory: () => loader(KEY), ttl: '10m' }),
        close: () => bento.disconnectAll(),
      };
    },
  },
  {
    name: 'cacheable `wrap` (`new Cacheable()`)',
    async setup(loader) {
      const cache = new Cacheable();
      const wrapped = cache.wrap(loader, { ttl: '10m', keyPrefix: 'stampede' });
      return { call: () => wrapped(KEY), close: () => cache.disconnect() };
    },
  },
];

export async function runStampede({ log = console.error } = {}) {
  const nestError = (await loadNestPerf()).error;
  const rows = [];
  const notes = [];
  let usedRedis = false;
  for (const c of CANDIDATES) {
    if (c.nest && nestError) {
      rows.push([c.name, 'n/a', '', '', '', check(null)]);
      continue;
    }
    let loads = 0;
    const loader = async (id) => {
      loads++;
      await sleep(LOAD_MS);
      return makeValue(id);
    };
    try {
      usedRedis ||= c.name.includes('Redis');
      const h = await c.setup(loader);
      const t0 = performance.now();
      const settled = await Promise.allSettled(Array.from({ length: CALLS }, () => h.call()));
      const ms = performance.now() - t0;
      const ok = settled.filter((s) => s.status === 'fulfilled' && s.value?.id === KEY).length;
      const rejected = settled.filter((s) => s.status === 'rejected');
      if (rejected.length)
        notes.push(
          `${c.name}: ${rejected.length} calls rejected, first: ${rejected[0].reason?.message}`,
        );
      const after = loads;
      await h.call(); // one more call once settled: must be a hit
      log(`  stampede: ${c.name}: ${loads} loads, ${Math.round(ms)} ms`);
      rows.push([
        c.name,
        fmtInt(after),
        `${ok} / ${CALLS}`,
        fmtInt(ms),
        loads === after ? 'yes' : `no (${loads - after} more loads)`,
        c.nest ? check(after === 1) : '',
      ]);
      await h.close();
    } catch (err) {
      notes.push(`${c.name}: failed: ${err?.message ?? err}`);
      rows.push([c.name, 'error', '', '', '', c.nest ? check(false) : '']);
    }
  }
  if (nestError) notes.push(`nest-perf not measured: ${nestError}`);
  if (usedRedis && !nestError) log(`  stampede: deleted ${await cleanupRedis()} bench keys`);
  return [
    '## 3. Stampede',
    '',
    `${fmtInt(CALLS)} concurrent calls on one key that misses; the loader awaits ${LOAD_MS} ms. Target for nest-perf: exactly 1 loader call.`,
    '',
    table(
      [
        'candidate',
        'loader calls',
        'calls with the right value',
        'wall ms',
        'next call is a hit',
        'target (= 1)',
      ],
      rows,
    ),
    ...(notes.length ? ['', ...notes.map((n) => `- note: ${n}`)] : []),
  ].join('\n');
}
