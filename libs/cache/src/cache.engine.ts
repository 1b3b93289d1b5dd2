import { Logger } from '@nestjs/common';
import { parseDuration } from '@nest-perf/core';
import type { Duration } from '@nest-perf/core';
import type { ResolvedCacheOptions } from './cache.options';
import { CacheStatsRegistry, type NamespaceCounters } from './cache.stats';
import type { L2Store } from './interfaces/l2-store.interface';
import { L1Store, type L1Entry, type L1Index } from './stores/l1.store';
import { L2_FAILED, ResilientL2, type L2Failed } from './stores/resilient-l2';
import { coarseNow } from './utils/clock';
import { decodeEnvelope, encodeEnvelope, type Envelope } from './utils/envelope';
import { finalizeKey } from './utils/key-encoding';
import { deserialize, serialize } from './utils/serializer';
import { Versions, type VersionCell } from './versions';
import { InvalidationBus } from './invalidation-bus';
import { Invalidation } from './cache.invalidation';
import { globToRegExp } from './utils/glob-match';

/** How a value may be stored: what `@Cached` options and `PerfCacheService` calls resolve to. */
export interface StorePolicy {
  /** ms, or a function of the result; a result of 0 or less means "do not store". */
  ttl: number | ((result: never) => Duration);
  cacheNull: boolean;
  unless?: (result: never) => boolean;
}

/** @internal Where one entry lives: its namespace, its key part and full key, its L1 index. */
export interface Slot {
  namespace: string;
  counters: NamespaceCounters;
  fullKey: string;
  /** The L1 index holding the entry (undefined when L1 is off) and the entry's key in it. */
  index: L1Index | undefined;
  indexKey: string;
}

/** @internal A read that may load: one call of a cached method or of `getOrSet`. */
export interface ReadRequest extends Slot {
  /** Version cells: the namespace's first, then the tags'. */
  cells: readonly VersionCell[];
  /**
   * The loader: `load()`, or `load.apply(self, args)` when `args` is given (a cached method:
   * this saves a closure per call). Undefined for plain gets: a miss resolves to {@link MISSING}.
   */
  load: ((...args: unknown[]) => unknown) | undefined;
  self?: unknown;
  args?: unknown[];
  /** Skip L1/L2 and load at once (the loader already started); never joins another flight. */
  fresh?: boolean;
  policy: StorePolicy;
  isAsync: boolean;
}

/** @internal What a shared read resolved to; each waiter counts its own outcome. */
interface L2Hit {
  value: unknown;
  fresh: boolean;
}

/**
 * @internal One resolution in flight, shared by concurrent reads of a key. A read joins it only
 * while it is still current: no exact-key or pattern invalidation hit the key (`invalidated`)
 * and no tag or namespace token changed since it started. A load whose flight was invalidated
 * returns its value to the callers already waiting but does not store it.
 */
export interface Flight {
  promise: Promise<unknown>;
  outcome: Outcome | undefined;
  cells: readonly VersionCell[];
  /** The cells' tokens when the flight started (the first one alone when there is one cell). */
  tokens: readonly string[] | string;
  invalidated: boolean;
  /** Reads that joined; when none did, the fast path skips recording the outcome. */
  waiters: number;
}

/** @internal Marks a load that must not store its result (invalidated while it ran). */
export interface LoadGuard {
  invalidated: boolean;
}

/** @internal */
interface Outcome {
  value: unknown;
  source: 'l1' | 'l2' | 'load' | 'stale';
}

/** @internal What a read without a loader resolves to on a miss. */
export const MISSING: unique symbol = Symbol('MISSING');

/** @internal */
export const VALID = 0;

function oneOrMany(tokens: readonly string[]): string | readonly string[] {
  return tokens.length === 1 ? tokens[0] : tokens;
}

function isCurrent(flight: Flight): boolean {
  if (flight.invalidated) return false;
  const { cells, tokens } = flight;
  if (typeof tokens === 'string') return cells[0].token === tokens;
  for (let i = 0; i < cells.length; i++) if (cells[i].token !== tokens[i]) return false;
  return true;
}

const STALE = 1;
const INVALID = 2;
const UNVERIFIED = 3;
type Verdict = typeof VALID | typeof STALE | typeof INVALID | typeof UNVERIFIED;

/**
 * The cache itself: L1, L2, versions, stampede protection, stats. `PerfCacheService` is its
 * public face and the method wrappers call it directly.
 * @internal
 */
export class CacheEngine {
  readonly stats = new CacheStatsRegistry();
  readonly l1: L1Store | undefined;
  readonly l2: ResilientL2 | undefined;
  readonly versions: Versions;
  /** @internal Reads resolving per full key (see Flight). */
  readonly inflight = new Map<string, Flight>();
  /** @internal Background refreshes per full key. */
  readonly refreshing = new Map<string, LoadGuard>();
  private readonly warned = new Set<string>();
  private readonly nsCells = new Map<string, readonly VersionCell[]>();
  private readonly checkMs: number;
  /** @internal */
  readonly bus: InvalidationBus | undefined;
  /** Exact-key, namespace, tag and pattern invalidation. */
  readonly invalidation: Invalidation;

  constructor(
    readonly options: ResolvedCacheOptions,
    l2Store: L2Store | undefined,
    private readonly logger = new Logger('PerfCache'),
  ) {
    const { l1 } = options;
    this.l1 = l1
      ? new L1Store(l1.maxEntries, l1.maxBytes, l1.maxTtlMs, options.graceMs)
      : undefined;
    const t = options.l2Timeouts;
    this.l2 = l2Store
      ? new ResilientL2(
          l2Store,
          t.timeoutMs,
          t.failureThreshold,
          t.cooldownMs,
          logger,
          this.stats.global,
        )
      : undefined;
    this.versions = new Versions(this.l2, t.versionCheckMs);
    this.checkMs = t.versionCheckMs;
    this.invalidation = new Invalidation(this);
    // Only where other instances keep an L1 worth telling, and the store has pub/sub.
    if (this.l2 !== undefined && this.l1 !== undefined && t.bus && l2Store?.subscribe) {
      this.bus = new InvalidationBus(
        this.l2,
        `nest-perf:${options.version}:invalidations`,
        {
          keys: (namespace, keyParts) => void this.invalidation.dropKeys(namespace, keyParts),
          pattern: (namespace, pattern) => {
            const matcher = globToRegExp(pattern);
            this.invalidation.dropMatching(namespace, (keyPart) => matcher.test(keyPart));
          },
          versions: (keys) => this.versions.expire(keys),
        },
        logger,
      );
    }
  }

  // ---- keys ---------------------------------------------------------------------------------

  /** `<namespace>:<version>:` */
  prefix(namespace: string): string {
    return `${namespace}:${this.options.version}:`;
  }

  fullKey(prefix: string, key: string): string {
    const full = prefix + key;
    return full.length > this.options.maxKeyLength
      ? finalizeKey(full, this.options.maxKeyLength)
      : full;
  }

  /** `[namespace cell]`, the same (pinned) array on every call. */
  namespaceCells(namespace: string): readonly VersionCell[] {
    let cells = this.nsCells.get(namespace);
    if (cells === undefined) {
      cells = [this.versions.cell(`nest-perf:${this.options.version}:ns:${namespace}`, true)];
      this.nsCells.set(namespace, cells);
    }
    return cells;
  }

  tagVersionKey(tag: string): string {
    return `nest-perf:${this.options.version}:tag:${tag}`;
  }

  /** The cells an entry depends on. Pin the tag cells only when the caller keeps the array. */
  cellsFor(
    namespace: string,
    tags: readonly string[] | undefined,
    pin = false,
  ): readonly VersionCell[] {
    const ns = this.namespaceCells(namespace);
    if (tags === undefined || tags.length === 0) return ns;
    const cells = [ns[0]];
    for (const tag of tags) cells.push(this.versions.cell(this.tagVersionKey(tag), pin));
    return cells;
  }

  // ---- reads --------------------------------------------------------------------------------

  /** Judges an L1 entry: valid, stale (in grace), invalid (expired or invalidated), unverified. */
  judge(entry: L1Entry, now: number): Verdict {
    const { cells, tokens } = entry;
    let unverified = false;
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[i];
      // A token not checked against L2 recently can't be trusted either way.
      if (now - cell.checkedAt > this.checkMs) unverified = true;
      else if (cell.token !== (typeof tokens === 'string' ? tokens : tokens[i])) return INVALID;
    }
    if (unverified) return UNVERIFIED;
    if (now < entry.expiresAt) return VALID;
    return now < entry.expiresAt + this.options.graceMs ? STALE : INVALID;
  }

  /** The hot path: a valid L1 entry, or undefined. The caller counts the hit. */
  tryL1(index: L1Index | undefined, indexKey: string): L1Entry | undefined {
    const entry = index?.get(indexKey);
    if (entry === undefined || this.judge(entry, coarseNow()) !== VALID) return undefined;
    this.l1!.touch(entry);
    return entry;
  }

  /** A slot for `key` (the key part) in `namespace`. */
  slot(namespace: string, keyPart: string): Slot {
    const counters = this.stats.for(namespace);
    return {
      namespace,
      counters,
      fullKey: this.fullKey(this.prefix(namespace), keyPart),
      index: this.l1?.home(namespace, counters).index,
      indexKey: keyPart,
    };
  }

  /**
   * An async read past the L1 fast path: L1 again (entries needing a version check), then L2,
   * then the loader. Concurrent reads of one key share one resolution once a load is needed
   * (stampede protection); plain L2 hits don't register, since a flight costs more than the GET
   * it would save (bench/cache).
   */
  read(req: ReadRequest): Promise<unknown> {
    const existing = this.inflight.get(req.fullKey);
    if (existing !== undefined && !req.fresh && isCurrent(existing))
      return this.join(req, existing);
    if (
      existing === undefined &&
      this.l2 !== undefined &&
      !req.fresh &&
      req.index?.get(req.indexKey) === undefined &&
      this.versions.stale(req.cells, coarseNow()).length === 0
    ) {
      return this.readThroughL2(req);
    }
    return this.fly(req, undefined);
  }

  private join(req: ReadRequest, flight: Flight): Promise<unknown> {
    req.counters.coalesced++;
    flight.waiters++;
    return flight.promise.then(() => this.count(req.counters, flight.outcome!));
  }

  /** Starts the shared resolution of a key; `prefetched` is a GET already done for it. */
  private fly(
    req: ReadRequest,
    prefetched: string | null | L2Failed | undefined,
  ): Promise<unknown> {
    const flight: Flight = {
      promise: undefined as never,
      outcome: undefined,
      cells: req.cells,
      tokens: req.cells.length === 1 ? req.cells[0].token : req.cells.map((c) => c.token),
      invalidated: false,
      waiters: 0,
    };
    flight.promise = this.resolve(req, flight, prefetched);
    this.inflight.set(req.fullKey, flight);
    return flight.promise;
  }

  /**
   * The common L2 read (nothing in L1 or in flight, version tokens trusted), written with a
   * callback rather than async/await: one GET, and a hit settles the caller's Promise straight
   * from the reply. Anything else (a miss, a stale or unverifiable entry, an L2 failure) joins
   * or starts a flight, handing it the GET's result.
   */
  private readThroughL2(req: ReadRequest): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.l2!.getThen(req.fullKey, req.counters, (text) => {
        try {
          if (text !== L2_FAILED && text !== null) {
            const hit = this.fromL2(req, text);
            if (hit !== undefined && !(hit instanceof Promise) && hit.fresh) {
              req.counters.l2Hits++;
              resolve(hit.value);
              return;
            }
          }
          const existing = this.inflight.get(req.fullKey);
          const next =
            existing !== undefined && isCurrent(existing)
              ? this.join(req, existing)
              : this.fly(req, text);
          next.then(resolve, reject);
        } catch (error) {
          reject(error);
        }
      });
    });
  }

  private land(req: ReadRequest, flight: Flight): void {
    if (this.inflight.get(req.fullKey) === flight) this.inflight.delete(req.fullKey);
  }

  private count(counters: NamespaceCounters, outcome: Outcome): unknown {
    if (outcome.source === 'load') counters.misses++;
    else if (outcome.source === 'l1') counters.l1Hits++;
    else if (outcome.source === 'l2') counters.l2Hits++;
    else counters.staleServed++;
    return outcome.value;
  }

  /** The leader of a flight: finds or loads the value, records the outcome for the waiters. */
  private async resolve(
    req: ReadRequest,
    flight: Flight,
    prefetched: string | null | L2Failed | undefined,
  ): Promise<unknown> {
    try {
      const outcome = await this.find(req, flight, prefetched);
      flight.outcome = outcome;
      return this.count(req.counters, outcome);
    } finally {
      this.land(req, flight);
    }
  }

  /** The general path. `prefetched`: the GET of the fast path, when it already ran. */
  private async find(
    req: ReadRequest,
    flight: Flight,
    prefetched: string | null | L2Failed | undefined,
  ): Promise<Outcome> {
    if (req.fresh) return { value: await this.load(req, flight), source: 'load' };
    let stale: { value: unknown } | undefined;
    const l1Entry = req.index?.get(req.indexKey);
    if (l1Entry !== undefined) {
      let verdict = this.judge(l1Entry, coarseNow());
      if (verdict === UNVERIFIED) {
        await this.versions.refresh(this.versions.stale(l1Entry.cells, coarseNow()), req.counters);
        verdict = this.judge(l1Entry, coarseNow());
      }
      if (verdict === VALID) {
        this.l1!.touch(l1Entry);
        return { value: l1Entry.value, source: 'l1' };
      }
      if (verdict === STALE) stale = { value: l1Entry.value };
      else this.l1?.delete(l1Entry);
    }

    // L2, fetching in the same round trip the version tokens we cannot trust yet.
    let staleCells = this.versions.stale(req.cells, coarseNow());
    if (this.l2 !== undefined && stale === undefined) {
      const key = req.fullKey;
      const fetched =
        prefetched !== undefined
          ? prefetched
          : staleCells.length === 0
            ? await this.l2.run((s) => s.get(key), req.counters)
            : await this.l2.run(
                (s) => s.mget([key, ...staleCells.map((c) => c.key)]),
                req.counters,
              );
      if (fetched !== L2_FAILED) {
        let text: string | null;
        if (Array.isArray(fetched)) {
          this.versions.accept(staleCells, fetched.slice(1), Date.now());
          staleCells = [];
          text = fetched[0];
        } else text = fetched;
        if (text !== null) {
          let hit = this.fromL2(req, text);
          if (hit instanceof Promise) hit = await hit;
          if (hit !== undefined) {
            if (hit.fresh) return { value: hit.value, source: 'l2' };
            stale = { value: hit.value };
          }
        }
      }
    }
    if (staleCells.length > 0) await this.versions.refresh(staleCells, req.counters);

    if (stale !== undefined) {
      // Serve the stale value now and refresh once in the background.
      if (req.load !== undefined && !this.refreshing.has(req.fullKey)) {
        const guard: LoadGuard = { invalidated: false };
        this.refreshing.set(req.fullKey, guard);
        this.load(req, guard)
          .catch(() => undefined)
          .finally(() => {
            if (this.refreshing.get(req.fullKey) === guard) this.refreshing.delete(req.fullKey);
          });
      }
      return { value: stale.value, source: 'stale' };
    }
    if (req.load === undefined) return { value: MISSING, source: 'load' };
    return { value: await this.load(req, flight), source: 'load' };
  }

  /**
   * Decodes and judges an L2 entry; a valid one is copied into L1. Synchronous unless a version
   * token it depends on must first be read from L2.
   */
  private fromL2(req: ReadRequest, text: string): L2Hit | undefined | Promise<L2Hit | undefined> {
    const envelope = decodeEnvelope(text);
    if (envelope === undefined) return undefined;
    const cells = envelope.tagKeys
      ? [
          this.namespaceCells(req.namespace)[0],
          ...envelope.tagKeys.map((k) => this.versions.cell(k)),
        ]
      : this.namespaceCells(req.namespace);
    const tokens = envelope.tagTokens
      ? [envelope.nsToken, ...envelope.tagTokens]
      : [envelope.nsToken];
    const stale = this.versions.stale(cells, coarseNow());
    if (stale.length === 0) return this.acceptL2(req, envelope, cells, tokens);
    return this.versions
      .refresh(stale, req.counters)
      .then(() => this.acceptL2(req, envelope, cells, tokens));
  }

  private acceptL2(
    req: ReadRequest,
    envelope: Envelope,
    cells: readonly VersionCell[],
    tokens: readonly string[],
  ): L2Hit | undefined {
    for (let i = 0; i < cells.length; i++) if (cells[i].token !== tokens[i]) return undefined;
    const now = coarseNow();
    const staleUntil = envelope.expiresAt + this.options.graceMs;
    if (now >= staleUntil) return undefined;
    let value: unknown;
    try {
      value = deserialize(envelope.payload);
    } catch (error) {
      this.warnOnce(
        `decode:${req.namespace}`,
        `could not decode an L2 entry of ${req.namespace}; reloading`,
        error,
      );
      return undefined;
    }
    const fresh = now < envelope.expiresAt;
    if (fresh && this.l1 !== undefined && req.index !== undefined) {
      this.l1.set(
        req.index,
        req.indexKey,
        {
          value,
          expiresAt: envelope.expiresAt,
          cells,
          tokens: oneOrMany(tokens),
          isAsync: req.isAsync,
        },
        envelope.payload.length,
      );
    }
    return { value, fresh };
  }

  /** Runs the loader once and stores its result; the version tokens are taken before loading, so
   * an invalidation that lands while the loader runs makes the stored entry invalid at once. */
  async load(req: ReadRequest, guard: LoadGuard): Promise<unknown> {
    const tokens = req.cells.map((c) => c.token);
    const counters = req.counters;
    counters.loads++;
    const started = performance.now();
    let value: unknown;
    try {
      value = await (req.args === undefined ? req.load!() : req.load!.apply(req.self, req.args));
    } catch (error) {
      counters.loadErrors++;
      counters.loadMs += performance.now() - started;
      throw error;
    }
    counters.loadMs += performance.now() - started;
    if (!guard.invalidated)
      this.store(req, req.cells, tokens, value, req.policy, req.isAsync, true);
    return value;
  }

  // ---- writes -------------------------------------------------------------------------------

  /**
   * Stores a value in L1 and (when `toL2`) L2, unless the policy says not to. Never throws: a
   * value that cannot be stored is counted and warned about once per namespace.
   */
  store(
    slot: Slot,
    cells: readonly VersionCell[],
    tokens: readonly string[],
    value: unknown,
    policy: StorePolicy,
    isAsync: boolean,
    toL2: boolean,
  ): void {
    const { namespace, counters, fullKey } = slot;
    if ((value === null || value === undefined) && !policy.cacheNull) return;
    let ttlMs: number;
    try {
      if (policy.unless && (policy.unless as (r: unknown) => boolean)(value)) return;
      ttlMs =
        typeof policy.ttl === 'number'
          ? policy.ttl
          : parseDuration((policy.ttl as (r: unknown) => Duration)(value), `${namespace}: ttl()`);
    } catch (error) {
      this.warnOnce(
        `policy:${namespace}`,
        `${namespace}: ttl/unless threw; the result was not cached`,
        error,
      );
      return;
    }
    if (ttlMs <= 0) return;
    const { jitter, graceMs, maxValueBytes } = this.options;
    if (jitter > 0) ttlMs = Math.max(1, Math.round(ttlMs * (1 + (Math.random() * 2 - 1) * jitter)));

    let payload: string;
    try {
      payload = serialize(value);
    } catch (error) {
      counters.unstorable++;
      this.warnOnce(
        `unstorable:${namespace}`,
        `${namespace}: a result cannot be serialized, so it is not cached`,
        error,
      );
      return;
    }
    // UTF-8 needs at most 3 bytes per UTF-16 unit; measure exactly only near the limit.
    if (payload.length * 3 > maxValueBytes && Buffer.byteLength(payload) > maxValueBytes) {
      counters.unstorable++;
      this.warnOnce(
        `too-big:${namespace}`,
        `${namespace}: a result of ${Buffer.byteLength(payload)} bytes exceeds maxValueBytes (${maxValueBytes}), so it is not cached`,
      );
      return;
    }
    const expiresAt = Date.now() + ttlMs;
    counters.sets++;
    if (this.l1 !== undefined && slot.index !== undefined) {
      this.l1.set(
        slot.index,
        slot.indexKey,
        { value, expiresAt, cells, tokens: oneOrMany(tokens), isAsync },
        payload.length,
      );
    }
    if (toL2 && this.l2 !== undefined) {
      const text = encodeEnvelope(expiresAt, tokens, cells, payload);
      void this.l2.run((s) => s.set(fullKey, text, ttlMs + graceMs), counters);
    }
  }

  // ---- misc ---------------------------------------------------------------------------------

  warnOnce(id: string, message: string, error?: unknown): void {
    if (this.warned.has(id)) return;
    this.warned.add(id);
    const reason = error instanceof Error ? `: ${error.message}` : '';
    this.logger.warn(`${message}${reason} (reported once)`);
  }

  async connect(): Promise<void> {
    if (this.l2 === undefined) return;
    const timeoutMs = this.options.l2Timeouts.connectTimeoutMs;
    try {
      await this.l2.store.connect(timeoutMs);
    } catch (error) {
      this.logger.warn(
        `L2 (${this.l2.store.description}) is not reachable at startup; starting with L1 only and ` +
          `retrying in the background: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    await this.bus?.start(timeoutMs);
  }

  async close(): Promise<void> {
    this.l2?.dispose();
    await this.l2?.store.close();
    this.l1?.lru.clear();
  }
}
