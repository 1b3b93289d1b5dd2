// What every section shares: the working set, the value shape, the nest-perf app builder, Redis cleanup.
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const N_KEYS = 1_000;
export const KEYS = Array.from({ length: N_KEYS }, (_, i) => `k${i}`);
// One id per process: every Redis key this run writes contains it, so cleanup can find them all.
export const RUN_ID = `npbench${process.pid}x${Date.now().toString(36)}`;

/** A ~120-byte JSON object (a new object on every call: the memory section relies on that). */
export function makeValue(id) {
  return {
    id,
    sku: `SKU-${id}`,
    name: `Product ${id}`,
    price: 1999,
    stock: 17,
    active: true,
    tags: ['bench', 'cache'],
    currency: 'EUR',
  };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Rotates `list` by `n` places: round r runs the candidates in a different order. */
export const rotate = (list, n) => list.map((_, i) => list[(i + n) % list.length]);

let nestPerf;
/** `{ mod }` if `@nest-perf/cache` imports, `{ error }` (a one-line reason) if not. */
export async function loadNestPerf() {
  if (!nestPerf) {
    try {
      await import('reflect-metadata');
      const mod = await import('@nest-perf/cache');
      const missing = ['PerfCacheModule', 'Cached'].filter((n) => !mod[n]);
      nestPerf = missing.length ? { error: `no export ${missing.join(', ')}` } : { mod };
    } catch (err) {
      nestPerf = { error: String(err?.message ?? err).split('\n')[0] };
    }
  }
  return nestPerf;
}

/**
 * A Nest application context with one provider whose async `get(id)` is `@Cached` and calls
 * `loader(id)` on a miss. Decorators applied by hand (plain JS). Returns { app, svc }.
 */
export async function createNestApp({ l1, l2, namespace, ttl = '10m', loader }) {
  const { mod, error } = await loadNestPerf();
  if (error) throw new Error(`@nest-perf/cache not importable: ${error}`);
  const { Module, Injectable } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');

  class BenchService {
    async get(id) {
      return loader(id);
    }
  }
  const descriptor = Object.getOwnPropertyDescriptor(BenchService.prototype, 'get');
  const result = Reflect.decorate(
    [mod.Cached({ namespace, ttl })],
    BenchService.prototype,
    'get',
    descriptor,
  );
  if (result) Object.defineProperty(BenchService.prototype, 'get', result);
  Reflect.decorate([Injectable()], BenchService);

  class BenchModule {}
  const options = { l1, ...(l2 ? { l2 } : {}) };
  Reflect.decorate(
    [Module({ imports: [mod.PerfCacheModule.forRoot(options)], providers: [BenchService] })],
    BenchModule,
  );
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: false });
  return { app, svc: app.get(BenchService) };
}

/** Deletes every key containing RUN_ID (SCAN + UNLINK, never KEYS/FLUSH). Returns how many. */
export async function cleanupRedis() {
  const { createClient } = await import('@redis/client');
  const client = createClient({ url: REDIS_URL });
  await client.connect();
  let deleted = 0;
  try {
    for await (const keys of client.scanIterator({ MATCH: `*${RUN_ID}*`, COUNT: 1000 })) {
      if (keys.length) deleted += await client.unlink(keys);
    }
  } finally {
    client.destroy();
  }
  return deleted;
}
