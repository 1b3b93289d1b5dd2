import type { CacheEngine } from './cache.engine';
import type { NamespaceCounters } from './cache.stats';
import { L2_FAILED } from './stores/resilient-l2';

/**
 * Invalidation for the engine: exact keys, whole namespaces and tags (new generation tokens, no
 * scan), and patterns (SCAN + UNLINK). Each applies locally first (L1, loads in progress) and
 * synchronously, then in L2, then tells the other instances over the bus.
 * @internal
 */
export class Invalidation {
  constructor(private readonly engine: CacheEngine) {}

  /** Deletes exact keys (key parts) of a namespace, in L1 and L2, and tells the other instances. */
  async deleteKeys(namespace: string, keyParts: readonly string[]): Promise<void> {
    const counters = this.engine.stats.for(namespace);
    const fullKeys = this.dropKeys(namespace, keyParts);
    counters.deletes += keyParts.length;
    if (this.engine.l2 !== undefined && fullKeys.length > 0) {
      await Promise.all([
        ...fullKeys.map((key) =>
          this.engine.l2!.runDurable(`del:${key}`, (s) => s.del([key]), counters),
        ),
        this.engine.bus?.publish({ k: keyParts.map((k) => [namespace, k]) }),
      ]);
    }
  }

  /** The local part of deleting keys (L1 and loads in progress); returns their full keys. */
  dropKeys(namespace: string, keyParts: readonly string[]): string[] {
    const home = this.engine.l1?.home(namespace, this.engine.stats.for(namespace));
    const prefix = this.engine.prefix(namespace);
    return keyParts.map((keyPart) => {
      if (home !== undefined) this.engine.l1!.deleteKey(home, keyPart);
      const fullKey = this.engine.fullKey(prefix, keyPart);
      this.abandonLoads(fullKey);
      return fullKey;
    });
  }

  /** Invalidates every entry of the namespace: O(1), a new generation token. */
  invalidateNamespace(namespace: string): Promise<void> {
    return this.bumpVersions([this.engine.namespaceCells(namespace)[0].key]);
  }

  invalidateTags(tags: readonly string[]): Promise<void> {
    return this.bumpVersions(tags.map((t) => this.engine.tagVersionKey(t)));
  }

  private async bumpVersions(keys: string[]): Promise<void> {
    await this.engine.versions.bump(keys);
    await this.engine.bus?.publish({ v: keys });
  }

  /**
   * Deletes the keys of `namespace` whose key part matches the glob: L1 by scanning its keys,
   * Redis by SCAN MATCH + UNLINK. Where the store cannot scan, or the scan fails, the whole
   * namespace is invalidated instead: more misses, never stale data.
   */
  async invalidatePattern(
    namespace: string,
    counters: NamespaceCounters,
    pattern: string,
    escapedPrefix: string,
    matches: (rest: string) => boolean,
  ): Promise<void> {
    const inL1 = this.dropMatching(namespace, matches);
    if (this.engine.l2 === undefined) {
      counters.deletes += inL1;
      return;
    }
    if (!this.engine.l2.store.supportsPatterns) {
      this.engine.warnOnce(
        `pattern:${namespace}`,
        `${this.engine.l2.store.description} cannot delete by pattern; invalidating the whole namespace ${namespace} instead`,
      );
      await this.invalidateNamespace(namespace);
      return;
    }
    const deleted = await this.engine.l2.run(
      (s) => s.deleteMatching(escapedPrefix + pattern),
      counters,
      30_000,
    );
    if (deleted === L2_FAILED) {
      counters.deletes += inL1;
      await this.invalidateNamespace(namespace);
    } else {
      counters.deletes += Math.max(deleted, inL1);
      await this.engine.bus?.publish({ p: [namespace, pattern] });
    }
  }

  /** The local part of a pattern invalidation (L1 and loads in progress); returns L1's count. */
  dropMatching(namespace: string, matches: (keyPart: string) => boolean): number {
    const prefix = this.engine.prefix(namespace);
    const inL1 =
      this.engine.l1?.deleteWhere(
        this.engine.l1.home(namespace, this.engine.stats.for(namespace)),
        matches,
      ) ?? 0;
    for (const key of [...this.engine.inflight.keys(), ...this.engine.refreshing.keys()]) {
      if (key.startsWith(prefix) && matches(key.slice(prefix.length))) this.abandonLoads(key);
    }
    return inL1;
  }

  /** Loads of `fullKey` in progress must not store their result, and new reads must not join them. */
  private abandonLoads(fullKey: string): void {
    const flight = this.engine.inflight.get(fullKey);
    if (flight !== undefined) {
      flight.invalidated = true;
      this.engine.inflight.delete(fullKey);
    }
    const refresh = this.engine.refreshing.get(fullKey);
    if (refresh !== undefined) refresh.invalidated = true;
  }
}
