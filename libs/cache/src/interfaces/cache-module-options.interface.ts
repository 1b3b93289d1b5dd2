import type { Duration } from '@nest-perf/core';
import type { KeyvLike, CacheManagerLike } from './l2-store.interface';

/** Settings of the in-process tier (L1). */
export interface L1Options {
  /** Most entries kept; the least recently used are evicted beyond it. Default `10_000`. */
  maxEntries?: number;
  /**
   * Optional bound on the serialized size of all entries, in bytes (measured on the value as
   * it would be written to L2). Default: no byte bound, only `maxEntries`.
   */
  maxBytes?: number;
  /**
   * Longest time an entry stays in L1, whatever its TTL. With several app instances sharing
   * Redis, an exact-key or pattern invalidation made by another instance reaches this
   * instance's L1 only when the entry leaves it, so this bounds that staleness.
   * Default: the entry's TTL.
   */
  maxTtl?: Duration;
}

/** Timeouts and circuit breaker for the shared tier (L2). */
export interface L2ResilienceOptions {
  /** An L2 call slower than this counts as failed and the method runs uncached. Default `100` ms. */
  timeout?: Duration;
  /** Consecutive failures that open the circuit (L2 is then skipped). Default `5`. */
  failureThreshold?: number;
  /** How long the circuit stays open before one probe call is let through. Default `'10s'`. */
  cooldown?: Duration;
  /**
   * How long a tag or namespace version read from L2 is trusted before it is read again.
   * Invalidations made by this process apply at once; those made by other processes are seen
   * within this interval. Default `'1s'`.
   */
  versionCheckInterval?: Duration;
}

/** Redis by URL (node-redis 6). */
export interface RedisL2Options extends L2ResilienceOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://...` */
  url: string;
  /** Time allowed for the first connection at startup before the app starts without L2. Default `'2s'`. */
  connectTimeout?: Duration;
  /**
   * Invalidation bus: tell the other app instances sharing this Redis what was invalidated, so
   * their L1 copies go at once (Redis pub/sub on a second connection). Default `true`.
   */
  bus?: boolean;
}

/** Redis Cluster (node-redis 6 `createCluster`). */
export interface RedisClusterL2Options extends L2ResilienceOptions {
  cluster: { rootNodes: Array<{ url: string }> };
  /** Default `'2s'`. */
  connectTimeout?: Duration;
}

/** Any Keyv instance as L2, e.g. `new Keyv(new KeyvRedis(url))`. */
export interface KeyvL2Options extends L2ResilienceOptions {
  keyv: KeyvLike;
}

/** An existing `@nestjs/cache-manager` / cache-manager 7 `Cache`, to reuse its connection. */
export interface CacheManagerL2Options extends L2ResilienceOptions {
  cacheManager: CacheManagerLike;
}

/** Where L2 lives. */
export type L2Options =
  RedisL2Options | RedisClusterL2Options | KeyvL2Options | CacheManagerL2Options;

/**
 * Options of {@link PerfCacheModule}. Every field is optional: the defaults give a memory-only
 * cache of 10,000 entries with a 5-minute TTL.
 *
 * @example
 * PerfCacheModule.forRoot({ l1: { maxEntries: 10_000 }, l2: { url: process.env.REDIS_URL! } })
 */
export interface PerfCacheModuleOptions {
  /** The in-process tier; `false` disables it. Default `{ maxEntries: 10_000 }`. */
  l1?: L1Options | false;
  /** The shared tier. Omitted: memory only. */
  l2?: L2Options;
  /** TTL of entries whose decorator or call gives none. Default `TTL.MEDIUM` (5 minutes). */
  defaultTtl?: Duration;
  /** Key schema version, part of every key: bump it when cached shapes change. Default `'v1'`. */
  version?: string;
  /** Spread TTLs by +-this fraction so entries written together don't expire together. Default `0.1`. */
  jitter?: number;
  /**
   * Keep serving an expired entry this long while one refresh runs in the background, or when
   * the loader fails. Default `0` (an expired entry is a miss).
   */
  grace?: Duration;
  /** Results whose serialized form is larger are returned but not cached. Default `1_048_576` (1 MiB). */
  maxValueBytes?: number;
  /** Keys longer than this end in a hash. Default `200`. */
  maxKeyLength?: number;
}
