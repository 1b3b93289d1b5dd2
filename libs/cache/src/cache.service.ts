import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { parseDuration } from '@nest-perf/core';
import type { Duration, PerfCacheHandle, PerfCachePingHandle } from '@nest-perf/core';
import { CacheEngine, MISSING, type StorePolicy } from './cache.engine';
import { DEFAULT_NAMESPACE } from './cache.constants';
import { MODULE_OPTIONS_TOKEN } from './cache.module-definition';
import { resolveCacheOptions } from './cache.options';
import type { CacheStats } from './cache.stats';
import type { PerfCacheModuleOptions } from './interfaces/cache-module-options.interface';
import type { L2Store } from './interfaces/l2-store.interface';
import { cacheManagerStore, keyvStore } from './stores/keyv.store';
import { RedisStore } from './stores/redis.store';
import type { CircuitState } from './stores/resilient-l2';
import { L2_FAILED } from './stores/resilient-l2';
import { escapeGlob } from './utils/key-encoding';
import { globToRegExp } from './utils/glob-match';
import type { VersionCell } from './versions';

/** Options of a single `PerfCacheService` call. */
export interface CacheCallOptions {
  /** Default `'default'`. */
  namespace?: string;
}

/** Options of `set`, `mset` and `getOrSet`. */
export interface CacheSetOptions<T = unknown> extends CacheCallOptions {
  /** A duration, or a function of the value; 0 or less means do not store. Default: `defaultTtl`. */
  ttl?: Duration | ((value: T) => Duration);
  tags?: readonly string[];
  /** `getOrSet` only: store null/undefined results too. Default `false`. */
  cacheNull?: boolean;
  /** `getOrSet` only: don't store results for which this returns true. */
  unless?: (value: T) => boolean;
}

/** What to invalidate; see {@link PerfCacheService.invalidate}. */
export interface InvalidateSpec {
  namespace?: string;
  /** Exact keys (the key part, as given to `set`/`getOrSet`), within `namespace`. */
  key?: string | readonly string[];
  tags?: readonly string[];
  /** Redis glob on the key part within `namespace`. */
  pattern?: string;
}

/** What {@link PerfCacheService.ping} reports (the shape `@nest-perf/core` describes). */
export type CachePing = PerfCachePingHandle<CircuitState>;

/**
 * The cache, for code that wants it without decorators; also what `@Cached` uses.
 *
 * @example
 * const user = await cache.getOrSet(`user:${id}`, () => repo.findOneBy({ id }), { namespace: 'users', ttl: '5m' });
 */
@Injectable()
export class PerfCacheService implements OnModuleInit, OnApplicationShutdown, PerfCacheHandle {
  private readonly logger = new Logger('PerfCache');
  /** @internal */
  readonly engine: CacheEngine;
  private lastClientErrorLog = -Infinity;

  constructor(@Inject(MODULE_OPTIONS_TOKEN) options: PerfCacheModuleOptions) {
    const resolved = resolveCacheOptions(options);
    this.engine = new CacheEngine(resolved, this.createL2(resolved.l2), this.logger);
  }

  async onModuleInit(): Promise<void> {
    await this.engine.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.engine.close();
  }

  /** The value under `key`, or undefined (miss, expired, invalidated, or L2 unreachable). */
  async get<T = unknown>(key: string, options: CacheCallOptions = {}): Promise<T | undefined> {
    const [value] = await this.mget<T>([key], options);
    return value;
  }

  /** Values of several keys, in order; `undefined` for misses. One L2 round trip for the L1 misses. */
  async mget<T = unknown>(
    keys: readonly string[],
    options: CacheCallOptions = {},
  ): Promise<Array<T | undefined>> {
    const e = this.engine;
    const namespace = options.namespace ?? DEFAULT_NAMESPACE;
    const result: Array<T | undefined> = new Array(keys.length).fill(undefined);
    const missing: number[] = [];
    const slots = keys.map((key) => e.slot(namespace, key));
    slots.forEach((slot, i) => {
      const entry = e.tryL1(slot.index, slot.indexKey);
      if (entry === undefined) missing.push(i);
      else {
        slot.counters.l1Hits++;
        result[i] = entry.value as T;
      }
    });
    if (missing.length > 0 && e.l2 !== undefined) {
      const cells = e.namespaceCells(namespace);
      const values = await Promise.all(
        missing.map((i) =>
          e.read({ ...slots[i], cells, load: undefined, policy: NEVER_STORE, isAsync: true }),
        ),
      );
      missing.forEach((i, j) => {
        if (values[j] !== MISSING) result[i] = values[j] as T;
      });
    } else e.stats.for(namespace).misses += missing.length;
    return result;
  }

  /** Stores a value (L1 and L2). Never throws; a value that cannot be stored is counted in `unstorable`. */
  async set<T>(key: string, value: T, options: CacheSetOptions<T> = {}): Promise<void> {
    await this.mset([{ key, value, ttl: options.ttl, tags: options.tags }], options);
  }

  /** Stores several values; each entry's `ttl`/`tags` override the shared options. */
  async mset<T>(
    entries: ReadonlyArray<{
      key: string;
      value: T;
      ttl?: CacheSetOptions<T>['ttl'];
      tags?: readonly string[];
    }>,
    options: CacheSetOptions<T> = {},
  ): Promise<void> {
    const namespace = options.namespace ?? DEFAULT_NAMESPACE;
    const e = this.engine;
    for (const entry of entries) {
      const cells = e.cellsFor(namespace, entry.tags ?? options.tags);
      const tokens = await this.currentTokens(cells);
      const policy = this.policy<T>({ ...options, ttl: entry.ttl ?? options.ttl, cacheNull: true });
      e.store(e.slot(namespace, entry.key), cells, tokens, entry.value, policy, true, true);
    }
  }

  /** Removes one key (L1 and L2). */
  async del(key: string, options: CacheCallOptions = {}): Promise<void> {
    await this.invalidate({ namespace: options.namespace ?? DEFAULT_NAMESPACE, key });
  }

  /**
   * The cached value, or the loader's result (stored for next time). Concurrent calls for one
   * key share one loader run; a loader error reaches every waiter and nothing is stored.
   */
  async getOrSet<T>(
    key: string,
    loader: () => T | Promise<T>,
    options: CacheSetOptions<T> = {},
  ): Promise<T> {
    const namespace = options.namespace ?? DEFAULT_NAMESPACE;
    const e = this.engine;
    const slot = e.slot(namespace, key);
    const entry = e.tryL1(slot.index, key);
    if (entry !== undefined) {
      slot.counters.l1Hits++;
      return entry.value as T;
    }
    return (await e.read({
      ...slot,
      cells: e.cellsFor(namespace, options.tags),
      load: loader,
      policy: this.policy(options),
      isAsync: true,
    })) as T;
  }

  /**
   * Invalidates, in L1 and L2: `{ namespace }` alone = the whole namespace (O(1), a new
   * generation); `key` = exact keys of the namespace; `tags` = every entry carrying one of them
   * (any namespace); `pattern` = keys of the namespace whose key part matches the Redis glob.
   * Never throws; an L2 failure is counted and the invalidation is replayed once L2 is back.
   */
  async invalidate(spec: InvalidateSpec): Promise<void> {
    const e = this.engine;
    const work: Array<Promise<void>> = [];
    const hasTarget =
      spec.key !== undefined || spec.tags !== undefined || spec.pattern !== undefined;
    if (spec.tags !== undefined && spec.tags.length > 0)
      work.push(e.invalidation.invalidateTags(spec.tags));
    if (spec.namespace !== undefined || spec.key !== undefined || spec.pattern !== undefined) {
      const { namespace, counters, prefix } = this.scope(spec.namespace);
      if (!hasTarget) work.push(e.invalidation.invalidateNamespace(namespace));
      if (spec.key !== undefined) {
        const keys = typeof spec.key === 'string' ? [spec.key] : spec.key;
        work.push(e.invalidation.deleteKeys(namespace, keys));
      }
      if (spec.pattern !== undefined) {
        const matcher = globToRegExp(spec.pattern);
        work.push(
          e.invalidation.invalidatePattern(
            namespace,
            counters,
            spec.pattern,
            escapeGlob(prefix),
            (rest) => matcher.test(rest),
          ),
        );
      }
    }
    await Promise.all(work);
  }

  /** Counters per namespace and in total; see {@link CacheStats}. */
  stats(): CacheStats {
    return this.engine.stats.snapshot();
  }

  /** Sets every counter back to 0. */
  resetStats(): void {
    this.engine.stats.reset();
  }

  /** L1 size, and L2 reachability, round-trip latency and circuit-breaker state. */
  async ping(): Promise<CachePing> {
    const e = this.engine;
    const l1 = { enabled: e.l1 !== undefined, entries: e.l1?.lru.size ?? 0 };
    if (e.l2 === undefined) return { l1, l2: { configured: false } };
    const latency = await e.l2.run((s) => s.ping());
    const up = latency !== L2_FAILED;
    return {
      l1,
      l2: {
        configured: true,
        store: e.l2.store.description,
        up,
        ...(up ? { latencyMs: Math.round(latency * 1000) / 1000 } : {}),
        circuit: e.l2.state,
        consecutiveFailures: e.l2.consecutiveFailures,
        ...(!up && e.l2.lastError ? { error: e.l2.lastError } : {}),
      },
    };
  }

  private scope(namespace = DEFAULT_NAMESPACE) {
    return {
      namespace,
      counters: this.engine.stats.for(namespace),
      prefix: this.engine.prefix(namespace),
    };
  }

  private policy<T>(options: CacheSetOptions<T>): StorePolicy {
    const ttl = options.ttl ?? this.engine.options.defaultTtlMs;
    return {
      ttl: typeof ttl === 'function' ? (ttl as StorePolicy['ttl']) : parseDuration(ttl, 'ttl'),
      cacheNull: options.cacheNull ?? false,
      unless: options.unless as StorePolicy['unless'],
    };
  }

  private async currentTokens(cells: readonly VersionCell[]): Promise<string[]> {
    const stale = this.engine.versions.stale(cells, Date.now());
    if (stale.length > 0) await this.engine.versions.refresh(stale);
    return cells.map((c) => c.token);
  }

  private createL2(l2: PerfCacheModuleOptions['l2']): L2Store | undefined {
    if (l2 === undefined) return undefined;
    if ('keyv' in l2) return keyvStore(l2.keyv);
    if ('cacheManager' in l2) return cacheManagerStore(l2.cacheManager);
    return new RedisStore('url' in l2 ? { url: l2.url } : { cluster: l2.cluster }, (error) => {
      // Connection errors repeat on every reconnect attempt; one line per 10 s is enough.
      const now = performance.now();
      if (now - this.lastClientErrorLog < 10_000) return;
      this.lastClientErrorLog = now;
      this.logger.warn(`Redis connection error (reconnecting): ${error.message}`);
    });
  }
}

const NEVER_STORE: StorePolicy = { ttl: 0, cacheNull: false };
