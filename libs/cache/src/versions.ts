import type { NamespaceCounters } from './cache.stats';
import { L2_FAILED, type ResilientL2 } from './stores/resilient-l2';

interface KnownVersion {
  token: string;
  checkedAt: number;
}

/**
 * Generation tokens of namespaces and tags. An entry records the tokens current when its value
 * was loaded; invalidating a namespace or a tag replaces the token (O(1), no key scan), and
 * entries carrying the old token stop matching. Tokens are random rather than counters so a
 * token lost from L2 (restart, eviction) can never come back and revive old entries.
 *
 * Tokens read from L2 are trusted for `versionCheckMs`, so an L1 hit costs no round trip;
 * tokens this process changed apply immediately.
 * @internal
 */
export class Versions {
  private readonly known = new Map<string, KnownVersion>();
  private readonly refreshing = new Set<string>();

  constructor(
    private readonly l2: ResilientL2 | undefined,
    private readonly checkMs: number,
  ) {}

  /** The token if it is known and fresh enough to trust, else undefined. */
  peek(versionKey: string, now: number): string | undefined {
    const v = this.known.get(versionKey);
    if (this.l2 === undefined) return v === undefined ? '' : v.token;
    if (v === undefined || now - v.checkedAt > this.checkMs) return undefined;
    return v.token;
  }

  /** The last known token, however old ('' when never seen). */
  peekAny(versionKey: string): string {
    return this.known.get(versionKey)?.token ?? '';
  }

  /** Version keys among `keys` whose token must be read from L2 before it can be trusted. */
  staleAmong(keys: readonly string[], now: number): string[] {
    if (this.l2 === undefined) return [];
    const stale: string[] = [];
    for (const key of keys) if (this.peek(key, now) === undefined) stale.push(key);
    return stale;
  }

  /** Records tokens read from L2 (null = never invalidated). */
  accept(keys: readonly string[], values: ReadonlyArray<string | null>, now: number): void {
    for (let i = 0; i < keys.length; i++) this.known.set(keys[i], { token: values[i] ?? '', checkedAt: now });
  }

  /**
   * Reads tokens from L2. When L2 fails, the last known tokens are trusted for another
   * interval: this process's own invalidations are applied locally anyway, and other processes'
   * cannot be learned until L2 is back.
   */
  async refresh(keys: readonly string[], counters?: NamespaceCounters): Promise<void> {
    if (this.l2 === undefined || keys.length === 0) return;
    const values = await this.l2.run((s) => s.mget(keys as string[]), counters);
    const now = Date.now();
    if (values === L2_FAILED) {
      for (const key of keys) this.known.set(key, { token: this.peekAny(key), checkedAt: now });
    } else this.accept(keys, values, now);
  }

  /** Background refresh for callers that cannot wait (sync methods). */
  refreshSoon(keys: readonly string[]): void {
    const todo = keys.filter((k) => !this.refreshing.has(k));
    if (todo.length === 0) return;
    for (const k of todo) this.refreshing.add(k);
    void this.refresh(todo).finally(() => {
      for (const k of todo) this.refreshing.delete(k);
    });
  }

  /** Invalidates: new tokens now, locally, then in L2 (replayed after an outage if it fails). */
  async bump(keys: readonly string[]): Promise<void> {
    const now = Date.now();
    const writes: Array<Promise<boolean>> = [];
    for (const key of keys) {
      const token = newToken();
      this.known.set(key, { token, checkedAt: now });
      if (this.l2) writes.push(this.l2.runDurable(`version:${key}`, (s) => s.set(key, token, 0)));
    }
    await Promise.all(writes);
  }
}

let sequence = 0;

function newToken(): string {
  sequence = (sequence + 1) % 1_296;
  return (
    Date.now().toString(36) +
    sequence.toString(36).padStart(2, '0') +
    Math.floor(Math.random() * 2 ** 32).toString(36)
  );
}
