import { parseDuration } from '@nest-perf/core';
import {
  VALID,
  type CacheEngine,
  type ReadRequest,
  type Slot,
  type StorePolicy,
} from './cache.engine';
import type { PerfCacheService } from './cache.service';
import type { CacheHandler, CacheMethodRecord } from './decorators/method-record';
import type { InvalidateCacheOptions } from './decorators/invalidate-cache.decorator';
import { coarseNow } from './utils/clock';
import { encodeKey } from './utils/key-encoding';
import type { VersionCell } from './versions';

type Fn = (...args: unknown[]) => unknown;

/**
 * Builds the handler of one decorated method of one instance: `@InvalidateCache` around
 * `@Cached` around the method.
 * @internal
 */
export function buildHandler(
  cache: PerfCacheService,
  record: CacheMethodRecord,
  className: string,
  returnsPromise: boolean,
): CacheHandler {
  const original = record.original;
  let inner: CacheHandler = (self, args) => original.apply(self, args);
  if (record.cached) inner = cachedHandler(cache.engine, record, className, returnsPromise);
  if (record.invalidations.length > 0) inner = invalidatingHandler(cache, record, inner);
  return inner;
}

function keyPartOf(keyFn: Fn | undefined, self: object, args: unknown[]): string {
  if (keyFn === undefined) return encodeKey(args);
  const key = keyFn.apply(self, args);
  return typeof key === 'string' ? key : encodeKey(key);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function cachedHandler(
  engine: CacheEngine,
  record: CacheMethodRecord,
  className: string,
  returnsPromise: boolean,
): CacheHandler {
  const options = record.cached!;
  const original = record.original;
  const namespace = options.namespace ?? `${className}.${record.methodName}`;
  const where = `@Cached ${namespace}`;
  const counters = engine.stats.for(namespace);
  const prefix = engine.prefix(namespace);
  const keyFn = options.key as Fn | undefined;
  const condition = options.condition as Fn | undefined;
  const tagsFn = typeof options.tags === 'function' ? (options.tags as Fn) : undefined;
  const staticCells = tagsFn
    ? undefined
    : engine.cellsFor(namespace, options.tags as string[] | undefined, true);
  const l1 = engine.l1;
  const home = l1?.home(namespace, counters);
  const index = home?.index;
  const rawIndex = home?.raw;
  const ttl = options.ttl ?? engine.options.defaultTtlMs;
  const policy: StorePolicy = {
    ttl: typeof ttl === 'function' ? (ttl as StorePolicy['ttl']) : parseDuration(ttl),
    cacheNull: options.cacheNull ?? false,
    unless: options.unless as StorePolicy['unless'],
  };
  // Async is known up front for `async` methods and declared Promise return types; otherwise
  // the first call tells (a method may return a repository's Promise without being `async`).
  let mode: 'async' | 'sync' | 'unknown' =
    original.constructor.name === 'AsyncFunction' || returnsPromise ? 'async' : 'unknown';
  if (engine.l1 === undefined && mode !== 'async') {
    engine.warnOnce(
      `sync-no-l1:${namespace}`,
      `${where}: sync methods use L1 only, and L1 is disabled; a sync result will not be cached`,
    );
  }

  // Sync methods (and the first call of one not known to be async) run here, L1 only.
  const runDirect = (self: object, args: unknown[], slot: Slot, cells: readonly VersionCell[]) => {
    const tokens = cells.map((c) => c.token);
    const started = performance.now();
    let result: unknown;
    try {
      result = original.apply(self, args);
    } catch (error) {
      counters.misses++;
      counters.loads++;
      counters.loadErrors++;
      throw error;
    }
    if (isThenable(result)) {
      // It was async after all: from now on it goes through engine.read, and this first call
      // becomes a flight that concurrent calls of the same key join.
      mode = 'async';
      const started = Promise.resolve(result);
      const request: ReadRequest = {
        ...slot,
        cells,
        load: () => started,
        policy,
        isAsync: true,
        fresh: true,
      };
      return engine.read(request);
    }
    mode = 'sync';
    counters.misses++;
    counters.loads++;
    counters.loadMs += performance.now() - started;
    engine.store(slot, cells, tokens, result, policy, false, false);
    return result;
  };

  // The hit path is kept flat on purpose: key part, one index lookup, one clock read, token checks.
  return (self, args) => {
    if (condition !== undefined && !condition.apply(self, args)) return original.apply(self, args);
    // One string argument (the common case): look it up as it is, encode only on a miss.
    const raw = keyFn === undefined && args.length === 1 && typeof args[0] === 'string';
    let keyPart: string | undefined;
    let indexKey: string;
    if (raw) indexKey = args[0] as string;
    else {
      try {
        indexKey = keyPart = keyFn === undefined ? encodeKey(args) : keyPartOf(keyFn, self, args);
      } catch (error) {
        engine.warnOnce(
          `key:${namespace}`,
          `${where}: could not build the key, so the call ran uncached`,
          error,
        );
        return original.apply(self, args);
      }
    }
    const slotIndex = raw ? rawIndex : index;
    if (slotIndex !== undefined) {
      const entry = slotIndex.get(indexKey);
      if (entry !== undefined && engine.judge(entry, coarseNow()) === VALID) {
        l1!.touch(entry);
        counters.l1Hits++;
        if (entry.promise === null) return entry.value;
        return (entry.promise ??= Promise.resolve(entry.value));
      }
    }
    keyPart ??= encodeKey(args);
    let cells: readonly VersionCell[];
    try {
      cells = staticCells ?? engine.cellsFor(namespace, tagsFn!.apply(self, args) as string[]);
    } catch (error) {
      engine.warnOnce(
        `tags:${namespace}`,
        `${where}: tags() threw, so the call ran uncached`,
        error,
      );
      return original.apply(self, args);
    }
    const fullKey = engine.fullKey(prefix, keyPart);
    if (mode !== 'async') {
      // Sync methods cannot wait for L2: in L2 mode they trust the last known version tokens
      // and refresh them in the background.
      if (engine.l2 !== undefined)
        engine.versions.refreshSoon(engine.versions.stale(cells, coarseNow()));
      const slot: Slot = { namespace, counters, fullKey, index: slotIndex, indexKey };
      return runDirect(self, args, slot, cells);
    }
    return engine.read({
      namespace,
      counters,
      fullKey,
      index: slotIndex,
      indexKey,
      cells,
      load: original,
      self,
      args,
      policy,
      isAsync: true,
    });
  };
}

function invalidatingHandler(
  cache: PerfCacheService,
  record: CacheMethodRecord,
  inner: CacheHandler,
): CacheHandler {
  const before = record.invalidations.filter((o) => o.when === 'before');
  const after = record.invalidations.filter((o) => o.when !== 'before');
  const where = `@InvalidateCache on ${record.declaredIn}.${record.methodName}`;

  // L1 deletions and local version bumps happen synchronously inside invalidate(); only the L2
  // part is awaited, so even a sync method's own process sees the invalidation at once.
  const invalidateAll = (
    list: InvalidateCacheOptions[],
    self: object,
    args: unknown[],
  ): Promise<unknown> =>
    Promise.all(
      list.map((o) => {
        try {
          const key = o.key ? keyPartOf(o.key as Fn, self, args) : undefined;
          const tags = typeof o.tags === 'function' ? (o.tags as Fn).apply(self, args) : o.tags;
          const pattern =
            typeof o.pattern === 'function' ? (o.pattern as Fn).apply(self, args) : o.pattern;
          if (o.allEntries) return cache.invalidate({ namespace: o.namespace });
          return cache.invalidate({
            namespace: o.namespace,
            key,
            tags: tags as string[] | undefined,
            pattern: pattern as string | undefined,
          });
        } catch (error) {
          // The entries to remove are unknown: drop the whole namespace rather than serve stale data.
          cache.engine.warnOnce(
            `invalidate:${where}`,
            `${where}: could not compute what to invalidate; ${o.namespace ? `invalidating all of ${o.namespace}` : 'nothing invalidated'}`,
            error,
          );
          return o.namespace ? cache.invalidate({ namespace: o.namespace }) : Promise.resolve();
        }
      }),
    );

  return (self, args) => {
    const first = before.length > 0 ? invalidateAll(before, self, args) : undefined;
    const result = inner(self, args);
    if (isThenable(result)) {
      // Promise.all subscribes to the result at once, so a rejection is never left unhandled
      // while the 'before' invalidation is still running.
      return Promise.all([result, first]).then(async ([value]) => {
        if (after.length > 0) await invalidateAll(after, self, args);
        return value;
      });
    }
    if (after.length > 0) void invalidateAll(after, self, args);
    return result;
  };
}
