import type { NamespaceCounters } from './cache.stats';
import { L2_FAILED, type ResilientL2 } from './stores/resilient-l2';
import { coarseNow } from './utils/clock';

/**
 * The current generation token of one namespace or tag. Entries hold a reference to the cell
 * and the token they were loaded under, so checking an entry costs a property read per tag,
 * not a map lookup.
 * @internal
 */
export interface VersionCell {
  readonly key: string;
  token: string;
  /** When `token` was last read from (or written to) L2; `Infinity` in memory-only mode. */
  checkedAt: number;
  /** Namespaces and static tags: never dropped from the table (their cells are reused). */
  pinned: boolean;
}

/** A token no entry can hold: set on cells dropped from the table, so their entries go invalid. */
const RETIRED = '\u0000retired';
const MAX_CELLS = 100_000;
const NO_CELLS: VersionCell[] = [];

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
  private readonly cells = new Map<string, VersionCell>();
  private readonly refreshing = new Set<string>();
  /**
   * Tokens this process set that L2 has not confirmed yet (the write failed or is in flight).
   * Reads from L2 must not overwrite them with the older token L2 still holds, or an entry
   * invalidated during an outage would match again once L2 is back.
   */
  private readonly unconfirmed = new Map<string, { token: string; since: number }>();

  constructor(
    private readonly l2: ResilientL2 | undefined,
    readonly checkMs: number,
  ) {}

  /**
   * The cell of a version key, created (never checked) when new. `pinned` cells are never
   * dropped: callers that keep a cell beyond one call (namespaces, static tags) must pin it.
   */
  cell(key: string, pinned = false): VersionCell {
    let cell = this.cells.get(key);
    if (cell !== undefined) {
      if (pinned) cell.pinned = true;
    } else {
      cell = { key, token: '', checkedAt: this.l2 === undefined ? Infinity : -Infinity, pinned };
      this.cells.set(key, cell);
      if (this.cells.size > MAX_CELLS) this.retireOldest();
    }
    return cell;
  }

  /** Cells whose token must be read from L2 before it can be trusted (empty in memory mode). */
  stale(cells: readonly VersionCell[], now: number): VersionCell[] {
    if (this.l2 === undefined) return NO_CELLS;
    let stale: VersionCell[] | undefined;
    for (const cell of cells) {
      if (now - cell.checkedAt > this.checkMs) (stale ??= []).push(cell);
    }
    return stale ?? NO_CELLS;
  }

  /** Records tokens read from L2 (null = never invalidated). */
  accept(cells: readonly VersionCell[], values: ReadonlyArray<string | null>, now: number): void {
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[i];
      cell.checkedAt = now;
      const mine = this.unconfirmed.size > 0 ? this.unconfirmed.get(cell.key) : undefined;
      // A write never confirmed within 5 minutes was dropped (replay queue overflow): L2 wins.
      if (mine === undefined || now - mine.since > 300_000) {
        cell.token = values[i] ?? '';
        if (mine !== undefined) this.unconfirmed.delete(cell.key);
      } else if (values[i] === mine.token) this.unconfirmed.delete(cell.key);
    }
  }

  /**
   * Reads tokens from L2. When L2 fails, the known tokens are trusted for another interval:
   * this process's own invalidations are applied locally anyway, and other processes' cannot be
   * learned until L2 is back.
   */
  async refresh(cells: readonly VersionCell[], counters?: NamespaceCounters): Promise<void> {
    if (this.l2 === undefined || cells.length === 0) return;
    const values = await this.l2.run((s) => s.mget(cells.map((c) => c.key)), counters);
    const now = coarseNow();
    if (values === L2_FAILED) for (const cell of cells) cell.checkedAt = now;
    else this.accept(cells, values, now);
  }

  /** Background refresh for callers that cannot wait (sync methods). */
  refreshSoon(cells: readonly VersionCell[]): void {
    const todo = cells.filter((c) => !this.refreshing.has(c.key));
    if (todo.length === 0) return;
    for (const c of todo) this.refreshing.add(c.key);
    void this.refresh(todo).finally(() => {
      for (const c of todo) this.refreshing.delete(c.key);
    });
  }

  /** Another instance changed these tokens: read them from L2 before trusting them again. */
  expire(keys: readonly string[]): void {
    for (const key of keys) {
      const cell = this.cells.get(key);
      if (cell !== undefined && this.l2 !== undefined) cell.checkedAt = -Infinity;
    }
  }

  /** Invalidates: new tokens now, locally, then in L2 (replayed after an outage if it fails). */
  async bump(keys: readonly string[]): Promise<void> {
    const now = Date.now();
    const writes: Array<Promise<boolean>> = [];
    for (const key of keys) {
      const cell = this.cell(key);
      const token = newToken();
      cell.token = token;
      cell.checkedAt = this.l2 === undefined ? Infinity : now;
      if (this.l2) {
        this.unconfirmed.set(key, { token, since: now });
        writes.push(
          this.l2.runDurable(`version:${key}`, async (s) => {
            await s.set(key, token, 0);
            if (this.unconfirmed.get(key)?.token === token) this.unconfirmed.delete(key);
          }),
        );
      }
    }
    await Promise.all(writes);
  }

  /**
   * Keeps the table bounded (tags per user or per entity can be many): the oldest cells are
   * dropped and retired, which invalidates the entries that still reference them.
   */
  private retireOldest(): void {
    let excess = this.cells.size - Math.floor(MAX_CELLS * 0.9);
    for (const [key, cell] of this.cells) {
      if (excess <= 0) break;
      if (cell.pinned) continue;
      excess--;
      cell.token = RETIRED;
      this.cells.delete(key);
    }
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
