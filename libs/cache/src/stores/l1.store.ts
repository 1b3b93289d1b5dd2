import { LRUCache } from 'lru-cache';
import type { CacheStatsRegistry } from '../cache.stats';
import type { VersionCell } from '../versions';

/** @internal One L1 entry: the value itself plus what is needed to judge and find it. */
export interface L1Entry {
  value: unknown;
  /** Wall-clock ms until which the entry is fresh. */
  expiresAt: number;
  /** Wall-clock ms until which it may be served stale (grace); = expiresAt without grace. */
  staleUntil: number;
  namespace: string;
  /** Version cells the entry depends on: its namespace's first, then its tags'. */
  cells: readonly VersionCell[];
  /** The cells' tokens when the value was loaded. */
  tokens: readonly string[];
  /** The value came from an async method: hits return a Promise. */
  isAsync: boolean;
  /** A resolved Promise of `value`, made on the first async hit and reused by later ones. */
  promise: Promise<unknown> | undefined;
  /** Set by the store. */
  fullKey: string;
  indexKey: string;
  index: Map<string, L1Entry>;
  touched: number;
}

/** What callers fill in; the store adds the rest. */
export type NewL1Entry = Omit<L1Entry, 'fullKey' | 'indexKey' | 'index' | 'touched' | 'promise'>;

/**
 * The in-process tier: a bounded LRU (lru-cache) over full keys, plus one index per namespace
 * from the key part to the entry.
 *
 * Why the index: building `<namespace>:<version>:<key>` on every call and hashing that new
 * string cost ~130 ns per hit here, a third of the whole hit; the key part is usually the
 * caller's own string, whose hash V8 has already cached. Why touches are amortized: an entry
 * moved to the LRU's newest end within the last quarter of `maxEntries` moves is already safe
 * from eviction, so only older entries are moved again (`lru.get`) on a hit.
 *
 * Expiry is judged by the engine from the entry's own times, so lru-cache runs without TTL
 * bookkeeping; expired entries leave on their next read or by LRU eviction. Hits return the
 * stored object itself, not a copy (docs/API.md, "Values").
 * @internal
 */
export class L1Store {
  readonly lru: LRUCache<string, L1Entry>;
  readonly byteBounded: boolean;
  private readonly indexes = new Map<string, Map<string, L1Entry>>();
  private tick = 0;
  private readonly promoteAfter: number;

  constructor(
    maxEntries: number,
    maxBytes: number | undefined,
    readonly maxTtlMs: number | undefined,
    stats: CacheStatsRegistry,
  ) {
    this.byteBounded = maxBytes !== undefined;
    this.promoteAfter = Math.max(1, Math.floor(maxEntries / 4));
    this.lru = new LRUCache<string, L1Entry>({
      max: maxEntries,
      ...(maxBytes !== undefined ? { maxSize: maxBytes } : {}),
      dispose: (entry, _key, reason) => {
        if (entry.index.get(entry.indexKey) === entry) entry.index.delete(entry.indexKey);
        if (reason === 'evict') stats.for(entry.namespace).evictions++;
      },
    });
  }

  /**
   * The namespace's index: key part -> entry. `raw` is a second index of the same namespace,
   * keyed by the argument itself for methods called with one string (see the handlers): it
   * saves encoding the argument on every hit, and being a separate map it cannot collide with
   * encoded keys (the string `'42'` vs the encoding of the number 42).
   */
  index(namespace: string, raw = false): Map<string, L1Entry> {
    const name = raw ? `${namespace}\u0000raw` : namespace;
    let index = this.indexes.get(name);
    if (index === undefined) {
      index = new Map();
      this.indexes.set(name, index);
    }
    return index;
  }

  /** Keeps a hit entry in LRU order (cheap: most hits need nothing). */
  touch(entry: L1Entry): void {
    if (this.tick - entry.touched > this.promoteAfter) {
      this.lru.get(entry.fullKey);
      entry.touched = ++this.tick;
    }
  }

  /** Stores an entry; `size` (serialized length) counts toward maxBytes. */
  set(
    index: Map<string, L1Entry>,
    indexKey: string,
    fullKey: string,
    fields: NewL1Entry,
    size: number,
  ): void {
    const entry = fields as L1Entry;
    entry.promise = undefined;
    entry.fullKey = fullKey;
    entry.indexKey = indexKey;
    entry.index = index;
    entry.touched = ++this.tick;
    if (this.maxTtlMs !== undefined) {
      const bound = Date.now() + this.maxTtlMs;
      if (entry.expiresAt > bound) entry.expiresAt = bound;
      if (entry.staleUntil > bound) entry.staleUntil = bound;
    }
    if (this.byteBounded) this.lru.set(fullKey, entry, { size: Math.max(1, size) });
    else this.lru.set(fullKey, entry);
    // lru-cache may refuse an entry larger than maxSize; index only what it holds.
    if (this.lru.peek(fullKey) === entry) index.set(indexKey, entry);
  }

  /** Deletes the keys that start with `prefix` and whose rest matches `test`; returns how many. */
  deleteWhere(prefix: string, test: (rest: string) => boolean): number {
    let deleted = 0;
    for (const key of [...this.lru.keys()]) {
      if (key.startsWith(prefix) && test(key.slice(prefix.length)) && this.lru.delete(key))
        deleted++;
    }
    return deleted;
  }
}
