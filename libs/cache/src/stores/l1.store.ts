import { LRUCache } from 'lru-cache';
import type { NamespaceCounters } from '../cache.stats';
import { encodeKey } from '../utils/key-encoding';
import type { VersionCell } from '../versions';

/** @internal One L1 entry: the value itself plus what is needed to judge and find it. */
export interface L1Entry {
  value: unknown;
  /** Wall-clock ms until which the entry is fresh; it may be served stale for `grace` more. */
  expiresAt: number;
  /** Version cells the entry depends on: its namespace's first, then its tags'. */
  cells: readonly VersionCell[];
  /** The cells' tokens when the value was loaded (a plain string when there is one cell). */
  tokens: string | readonly string[];
  /**
   * `null` for a sync method's value; otherwise a resolved Promise of `value`, made on the
   * first hit and reused by the later ones (undefined until then).
   */
  promise: Promise<unknown> | null | undefined;
  /** The entry's key in `index`. */
  indexKey: string;
  index: L1Index;
}

/** What callers fill in; the store adds the rest. */
export type NewL1Entry = Pick<L1Entry, 'value' | 'expiresAt' | 'cells' | 'tokens'> & {
  isAsync: boolean;
};

/** @internal A namespace's index from key to entry (two per namespace, see L1Home). */
export class L1Index extends Map<string, L1Entry> {
  constructor(readonly home: L1Home) {
    super();
  }
}

/**
 * @internal A namespace's share of L1. `index` is keyed by the encoded key part; `raw` by the
 * argument itself, for methods called with one string: that saves encoding it on every hit,
 * and being a separate map it cannot collide with encoded keys (`'42'` vs the number 42).
 */
export class L1Home {
  readonly index = new L1Index(this);
  readonly raw = new L1Index(this);
  constructor(readonly counters: NamespaceCounters) {}
}

/**
 * The in-process tier: a bounded LRU (lru-cache) of entries, plus per-namespace indexes from
 * key to entry.
 *
 * Why the indexes: keyed by `<namespace>:<version>:<key>`, every hit would build that string
 * and hash it, which cost ~130 ns here (a third of the hit); the key part is usually the
 * caller's own string, whose hash V8 has already cached. The LRU is keyed by the entry object
 * itself, so no full-key string is kept per entry (memory: see bench/cache).
 *
 * Expiry is judged by the engine from the entry's own time, so lru-cache runs without TTL
 * bookkeeping; expired entries leave on their next read or by LRU eviction. Hits return the
 * stored object itself, not a copy (docs/API.md, "Values").
 * @internal
 */
export class L1Store {
  readonly lru: LRUCache<L1Entry, L1Entry>;
  readonly byteBounded: boolean;
  private readonly homes = new Map<string, L1Home>();

  constructor(
    maxEntries: number,
    maxBytes: number | undefined,
    private readonly maxTtlMs: number | undefined,
    private readonly graceMs: number,
  ) {
    this.byteBounded = maxBytes !== undefined;
    this.lru = new LRUCache<L1Entry, L1Entry>({
      max: maxEntries,
      ...(maxBytes !== undefined ? { maxSize: maxBytes } : {}),
      dispose: (entry, _key, reason) => {
        if (entry.index.get(entry.indexKey) === entry) entry.index.delete(entry.indexKey);
        if (reason === 'evict') entry.index.home.counters.evictions++;
      },
    });
  }

  home(namespace: string, counters: NamespaceCounters): L1Home {
    let home = this.homes.get(namespace);
    if (home === undefined) {
      home = new L1Home(counters);
      this.homes.set(namespace, home);
    }
    return home;
  }

  /** Keeps a hit entry in LRU order. */
  touch(entry: L1Entry): void {
    this.lru.get(entry);
  }

  /** Stores an entry; `size` (serialized length) counts toward maxBytes. */
  set(index: L1Index, indexKey: string, fields: NewL1Entry, size: number): void {
    let expiresAt = fields.expiresAt;
    if (this.maxTtlMs !== undefined) {
      // Never kept longer than maxTtl, grace included.
      const now = Date.now();
      expiresAt = Math.min(expiresAt, Math.max(now, now + this.maxTtlMs - this.graceMs));
    }
    const entry: L1Entry = {
      value: fields.value,
      expiresAt,
      cells: fields.cells,
      tokens: fields.tokens,
      promise: fields.isAsync ? undefined : null,
      indexKey,
      index,
    };
    const previous = index.get(indexKey);
    if (previous !== undefined) this.lru.delete(previous);
    if (this.byteBounded) this.lru.set(entry, entry, { size: Math.max(1, size) });
    else this.lru.set(entry, entry);
    // lru-cache refuses an entry larger than maxSize; index only what it holds.
    if (this.lru.has(entry)) index.set(indexKey, entry);
  }

  delete(entry: L1Entry): void {
    this.lru.delete(entry);
  }

  /** Deletes the entry of a key part, in either index; returns whether there was one. */
  deleteKey(home: L1Home, keyPart: string): boolean {
    let deleted = false;
    const encoded = home.index.get(keyPart);
    if (encoded !== undefined) deleted = this.lru.delete(encoded);
    const arg = rawArgumentOf(keyPart);
    const raw = arg === undefined ? undefined : home.raw.get(arg);
    if (raw !== undefined) deleted = this.lru.delete(raw) || deleted;
    return deleted;
  }

  /** Deletes the namespace's entries whose key part matches; returns how many. */
  deleteWhere(home: L1Home, test: (keyPart: string) => boolean): number {
    let deleted = 0;
    for (const [keyPart, entry] of [...home.index]) {
      if (test(keyPart) && this.lru.delete(entry)) deleted++;
    }
    for (const [arg, entry] of [...home.raw]) {
      if (test(encodeKey([arg])) && this.lru.delete(entry)) deleted++;
    }
    return deleted;
  }
}

/** The string argument whose encoding is `keyPart`, if there is one. */
function rawArgumentOf(keyPart: string): string | undefined {
  let arg: unknown = keyPart;
  if (keyPart.startsWith('"')) {
    try {
      arg = JSON.parse(keyPart);
    } catch {
      return undefined;
    }
  }
  return typeof arg === 'string' && encodeKey([arg]) === keyPart ? arg : undefined;
}
