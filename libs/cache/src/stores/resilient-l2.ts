import { Logger } from '@nestjs/common';
import type { L2Store } from '../interfaces/l2-store.interface';
import type { NamespaceCounters } from '../cache.stats';
import { coarseNow } from '../utils/clock';

/** What {@link ResilientL2.run} resolves to when the call failed, timed out or was skipped. */
export const L2_FAILED: unique symbol = Symbol('L2_FAILED');
export type L2Failed = typeof L2_FAILED;

/** Circuit breaker state, as reported by `PerfCacheService.ping()` and the health indicator. */
export type CircuitState = 'closed' | 'open' | 'half-open';

interface Pending {
  deadline: number;
  settle: ((value: unknown) => void) | undefined;
  counters: NamespaceCounters | undefined;
  done: boolean;
}

/**
 * Marks an entry settled and drops what it references: entries stay in the sweeper's list for
 * up to a sweep interval, and holding the caller's closures that long made them survive
 * young-generation GC (measured: about a tenth of L2 throughput).
 */
function settled(entry: Pending): void {
  entry.done = true;
  entry.settle = undefined;
  entry.counters = undefined;
}

const LOG_INTERVAL_MS = 10_000;
const MAX_REPLAY = 10_000;

/**
 * Wraps the L2 store so that no L2 problem reaches the caller: every call gets a timeout, an
 * error resolves to {@link L2_FAILED}, consecutive failures open a circuit breaker, and errors
 * are logged at most once per 10 s. Writes that failed (invalidations) are replayed once L2
 * answers again, so an outage cannot resurrect entries that were invalidated during it.
 *
 * Timeouts use one shared timer instead of one timer per call: per-call timers cost most of
 * node-redis 6's throughput at 64 calls in flight (see bench/cache).
 * @internal
 */
export class ResilientL2 {
  state: CircuitState = 'closed';
  consecutiveFailures = 0;
  lastError: string | undefined;
  private openedAt = 0;
  private probing = false;
  private lastLogAt = -Infinity;
  private suppressed = 0;
  private pending: Pending[] = [];
  private sweeper: NodeJS.Timeout | undefined;
  private readonly replay = new Map<string, () => Promise<unknown>>();
  private replayOverflow = false;
  private replaying = false;

  constructor(
    readonly store: L2Store,
    private readonly timeoutMs: number,
    private readonly failureThreshold: number,
    private readonly cooldownMs: number,
    private readonly logger: Logger,
    /** Where errors count when the call belongs to no namespace. */
    private readonly globalCounters: NamespaceCounters,
  ) {}

  /** Runs one L2 call; resolves to its result or to {@link L2_FAILED}, never rejects. */
  run<T>(
    op: (store: L2Store) => Promise<T>,
    counters: NamespaceCounters = this.globalCounters,
    timeoutMs: number = this.timeoutMs,
  ): Promise<T | L2Failed> {
    return new Promise<T | L2Failed>((resolve) => this.call(op, counters, timeoutMs, resolve));
  }

  /**
   * {@link run} with a callback instead of a Promise: the L2 read path uses it to save a
   * Promise and a microtask hop per read. `done` is called exactly once: synchronously with
   * L2_FAILED when the circuit is open, otherwise when the store answers or the timeout hits.
   */
  call<T>(
    op: (store: L2Store) => Promise<T>,
    counters: NamespaceCounters,
    timeoutMs: number,
    done: (result: T | L2Failed) => void,
  ): void {
    if (this.state !== 'closed' && !this.admit()) {
      counters.errors++;
      done(L2_FAILED);
      return;
    }
    // Appended in start order and only flagged when settled: the sweeper, not every call, pays
    // for the bookkeeping.
    const entry: Pending = {
      deadline: coarseNow() + timeoutMs,
      settle: done as never,
      counters,
      done: false,
    };
    this.pending.push(entry);
    if (this.sweeper === undefined) this.startSweeper();
    let started: Promise<T>;
    try {
      started = op(this.store);
    } catch (error) {
      started = Promise.reject(error);
    }
    started.then(
      (value) => {
        if (entry.done) return;
        settled(entry);
        if (this.consecutiveFailures !== 0 || this.state !== 'closed' || this.replay.size > 0) {
          this.succeeded();
        }
        done(value);
      },
      (error: unknown) => {
        if (entry.done) return;
        settled(entry);
        this.failed(error, counters);
        done(L2_FAILED);
      },
    );
  }

  /** A GET with a callback and no closure per call: the L2 read path. */
  getThen(
    key: string,
    counters: NamespaceCounters,
    done: (result: string | null | L2Failed) => void,
  ): void {
    this.pendingKey = key;
    this.call(this.getPending, counters, this.timeoutMs, done);
  }

  private pendingKey = '';
  private readonly getPending = (store: L2Store) => store.get(this.pendingKey);

  /**
   * Runs a write that must not be lost (an invalidation). When it fails it is kept, under
   * `id` (a later write with the same id replaces it), and run again after recovery.
   */
  async runDurable(
    id: string,
    op: (store: L2Store) => Promise<unknown>,
    counters?: NamespaceCounters,
  ): Promise<boolean> {
    const result = await this.run(op, counters);
    if (result !== L2_FAILED) return true;
    if (this.replay.size < MAX_REPLAY || this.replay.has(id))
      this.replay.set(id, () => op(this.store));
    else this.replayOverflow = true;
    return false;
  }

  /** Call on module destroy: releases the timer and settles what is in flight. */
  dispose(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const entry of this.pending) {
      if (entry.done) continue;
      const settle = entry.settle!;
      settled(entry);
      settle(L2_FAILED);
    }
    this.pending = [];
  }

  private admit(): boolean {
    if (this.state === 'open' && performance.now() - this.openedAt >= this.cooldownMs) {
      this.state = 'half-open';
    }
    if (this.state === 'half-open' && !this.probing) {
      this.probing = true;
      return true;
    }
    return false;
  }

  private succeeded(): void {
    this.consecutiveFailures = 0;
    this.probing = false;
    if (this.state !== 'closed') {
      this.state = 'closed';
      this.logger.log(`L2 (${this.store.description}) answers again; circuit closed`);
    }
    // Also after failures too few to open the circuit: any failed invalidation is replayed.
    if (this.replay.size > 0 && !this.replaying) void this.replayWrites();
  }

  private failed(error: unknown, counters: NamespaceCounters): void {
    counters.errors++;
    this.consecutiveFailures++;
    this.probing = false;
    this.lastError = error instanceof Error ? error.message : String(error);
    if (this.state === 'half-open' || this.consecutiveFailures >= this.failureThreshold) {
      if (this.state !== 'open') {
        this.logger.warn(
          `L2 (${this.store.description}) failed ${this.consecutiveFailures} times in a row; ` +
            `skipping it for ${this.cooldownMs} ms (methods run uncached meanwhile): ${this.lastError}`,
        );
        this.lastLogAt = performance.now();
      }
      this.state = 'open';
      this.openedAt = performance.now();
      return;
    }
    const now = performance.now();
    if (now - this.lastLogAt >= LOG_INTERVAL_MS) {
      const more = this.suppressed > 0 ? ` (${this.suppressed} more since the last message)` : '';
      this.logger.warn(
        `L2 (${this.store.description}) call failed, ran uncached: ${this.lastError}${more}`,
      );
      this.lastLogAt = now;
      this.suppressed = 0;
    } else {
      this.suppressed++;
    }
  }

  private async replayWrites(): Promise<void> {
    this.replaying = true;
    try {
      await this.replayPending();
    } finally {
      this.replaying = false;
    }
  }

  private async replayPending(): Promise<void> {
    if (this.replayOverflow) {
      this.logger.error(
        `more than ${MAX_REPLAY} invalidations failed while L2 was unreachable; ` +
          'the oldest were not replayed and L2 may hold entries they should have removed',
      );
      this.replayOverflow = false;
    }
    const writes = [...this.replay.entries()];
    this.replay.clear();
    for (const [id, write] of writes) {
      const result = await this.run(() => write());
      if (result === L2_FAILED) this.replay.set(id, write);
    }
  }

  private startSweeper(): void {
    const interval = Math.max(5, Math.floor(this.timeoutMs / 4));
    this.sweeper = setInterval(() => this.sweep(), interval);
    this.sweeper.unref();
  }

  private sweep(): void {
    const now = Date.now();
    const open: Pending[] = [];
    for (const entry of this.pending) {
      if (entry.done) continue;
      if (entry.deadline > now) {
        open.push(entry);
        continue;
      }
      const { settle, counters } = entry;
      settled(entry);
      this.failed(new Error('timeout exceeded'), counters!);
      settle!(L2_FAILED);
    }
    this.pending = open;
    if (open.length === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }
}
