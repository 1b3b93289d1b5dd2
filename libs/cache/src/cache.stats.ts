/** Counters of one namespace (or of all of them, in `total`). */
export interface CacheNamespaceStats {
  /** Calls answered from the cache (L1 or L2), stale answers included. */
  hits: number;
  /** Calls that had to run the method (or loader). */
  misses: number;
  l1Hits: number;
  l2Hits: number;
  /** Entries written. */
  sets: number;
  /** Entries removed by invalidation (exact keys and pattern matches). */
  deletes: number;
  /** Entries L1 dropped to stay within `maxEntries` / `maxBytes`. */
  evictions: number;
  /** L2 calls that failed or timed out (the caller was served anyway). */
  errors: number;
  /** Method (loader) runs. */
  loads: number;
  /** Method runs that threw. */
  loadErrors: number;
  /** Mean duration of a method run, ms. */
  avgLoadMs: number;
  /** Expired entries served during `grace` (while refreshing, or because the method failed). */
  staleServed: number;
  /** Calls that waited for a run already in flight instead of starting their own. */
  coalesced: number;
  /** Results returned but not cached: not serializable, or larger than `maxValueBytes`. */
  unstorable: number;
  /** hits / (hits + misses), 0 when there were no calls. */
  hitRate: number;
}

/** What `PerfCacheService.stats()` returns. */
export interface CacheStats {
  total: CacheNamespaceStats;
  namespaces: Record<string, CacheNamespaceStats>;
}

/**
 * Mutable counters of one namespace; the hot path increments fields directly.
 * @internal
 */
export class NamespaceCounters {
  // hits = l1Hits + l2Hits + staleServed, computed when read: one increment less per hit.
  misses = 0;
  l1Hits = 0;
  l2Hits = 0;
  sets = 0;
  deletes = 0;
  evictions = 0;
  errors = 0;
  loads = 0;
  loadErrors = 0;
  loadMs = 0;
  staleServed = 0;
  coalesced = 0;
  unstorable = 0;

  reset(): void {
    Object.assign(this, new NamespaceCounters());
  }
}

/** The counter names, taken from the class so the two cannot drift apart. */
const COUNTER_FIELDS = Object.keys(new NamespaceCounters()) as Array<
  keyof Omit<NamespaceCounters, 'reset'>
>;

/**
 * Counters per namespace. Errors that belong to no namespace (e.g. a failed tag invalidation)
 * count in the total only.
 * @internal
 */
export class CacheStatsRegistry {
  private readonly byNamespace = new Map<string, NamespaceCounters>();
  private readonly unattributed = new NamespaceCounters();

  for(namespace: string): NamespaceCounters {
    let counters = this.byNamespace.get(namespace);
    if (!counters) {
      counters = new NamespaceCounters();
      this.byNamespace.set(namespace, counters);
    }
    return counters;
  }

  get global(): NamespaceCounters {
    return this.unattributed;
  }

  snapshot(): CacheStats {
    const total = new NamespaceCounters();
    const namespaces: Record<string, CacheNamespaceStats> = {};
    for (const counters of [...this.byNamespace.values(), this.unattributed]) {
      for (const field of COUNTER_FIELDS) total[field] += counters[field];
    }
    for (const [name, counters] of [...this.byNamespace.entries()].sort(([a], [b]) =>
      a.localeCompare(b),
    )) {
      namespaces[name] = present(counters);
    }
    return { total: present(total), namespaces };
  }

  reset(): void {
    for (const counters of this.byNamespace.values()) counters.reset();
    this.unattributed.reset();
  }
}

function present(c: NamespaceCounters): CacheNamespaceStats {
  const hits = c.l1Hits + c.l2Hits + c.staleServed;
  const calls = hits + c.misses;
  return {
    hits,
    misses: c.misses,
    l1Hits: c.l1Hits,
    l2Hits: c.l2Hits,
    sets: c.sets,
    deletes: c.deletes,
    evictions: c.evictions,
    errors: c.errors,
    loads: c.loads,
    loadErrors: c.loadErrors,
    avgLoadMs: c.loads > 0 ? round(c.loadMs / c.loads) : 0,
    staleServed: c.staleServed,
    coalesced: c.coalesced,
    unstorable: c.unstorable,
    hitRate: calls > 0 ? round(hits / calls, 4) : 0,
  };
}

function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
