import { LRUCache } from 'lru-cache';
import type { CacheStatsRegistry } from '../cache.stats';

/** @internal One L1 entry: the value itself plus what is needed to judge it. */
export interface L1Entry {
  value: unknown;
  /** Wall-clock ms after which the entry is stale (served only during grace). */
  expiresAt: number;
  namespace: string;
  /** Version keys the entry depends on: its namespace's first, then its tags'. */
  versionKeys: readonly string[];
  /** The tokens of `versionKeys` when the value was loaded. */
  tokens: readonly string[];
  /** The value came from an async method: hits return a Promise. */
  isAsync: boolean;
}

/**
 * The in-process tier: a bounded LRU (lru-cache). Hits return the stored object itself, not a
 * copy: copying would cost more than the hit (see docs/API.md, "L1 returns the stored object").
 * @internal
 */
export class L1Store {
  private readonly lru: LRUCache<string, L1Entry>;
  readonly byteBounded: boolean;

  constructor(
    maxEntries: number,
    maxBytes: number | undefined,
    private readonly maxTtlMs: number | undefined,
    stats: CacheStatsRegistry,
  ) {
    this.byteBounded = maxBytes !== undefined;
    this.lru = new LRUCache<string, L1Entry>({
      max: maxEntries,
      ...(maxBytes !== undefined ? { maxSize: maxBytes } : {}),
      ttlAutopurge: false,
      allowStale: false,
      updateAgeOnGet: false,
      dispose: (entry, _key, reason) => {
        if (reason === 'evict') stats.for(entry.namespace).evictions++;
      },
    });
  }

  get(key: string): L1Entry | undefined {
    return this.lru.get(key);
  }

  /** `keepMs` is how long the entry may stay (TTL + grace); `size` counts toward maxBytes. */
  set(key: string, entry: L1Entry, keepMs: number, size: number): void {
    const ttl = this.maxTtlMs !== undefined ? Math.min(keepMs, this.maxTtlMs) : keepMs;
    this.lru.set(key, entry, this.byteBounded ? { ttl, size: Math.max(1, size) } : { ttl });
  }

  delete(key: string): boolean {
    return this.lru.delete(key);
  }

  /** Deletes the keys that start with `prefix` and whose rest matches `test`; returns how many. */
  deleteWhere(prefix: string, test: (rest: string) => boolean): number {
    let deleted = 0;
    for (const key of [...this.lru.keys()]) {
      if (key.startsWith(prefix) && test(key.slice(prefix.length)) && this.lru.delete(key)) deleted++;
    }
    return deleted;
  }

  get size(): number {
    return this.lru.size;
  }

  clear(): void {
    this.lru.clear();
  }
}
