import { Logger } from '@nestjs/common';
import { parseDuration } from '@nest-perf/core';
import type { Duration } from '@nest-perf/core';
import type { ResolvedCacheOptions } from './cache.options';
import { CacheStatsRegistry, type NamespaceCounters } from './cache.stats';
import type { L2Store } from './interfaces/l2-store.interface';
import { L1Store, type L1Entry } from './stores/l1.store';
import { L2_FAILED, ResilientL2 } from './stores/resilient-l2';
import { decodeEnvelope, encodeEnvelope } from './utils/envelope';
import { finalizeKey } from './utils/key-encoding';
import { deserialize, serialize } from './utils/serializer';
import { Versions } from './versions';

/** How a value may be stored: what `@Cached` options and `PerfCacheService` calls resolve to. */
export interface StorePolicy {
  /** ms, or a function of the result; a result of 0 or less means "do not store". */
  ttl: number | ((result: never) => Duration);
  cacheNull: boolean;
  unless?: (result: never) => boolean;
}

/** @internal A read that may load: one call of a cached method or of `getOrSet`. */
export interface ReadRequest {
  namespace: string;
  counters: NamespaceCounters;
  fullKey: string;
  versionKeys: readonly string[];
  /** Undefined for plain gets: a miss then resolves to {@link MISSING}. */
  load: (() => unknown) | undefined;
  policy: StorePolicy;
  isAsync: boolean;
}

/** @internal What a shared read resolved to; each waiter counts its own outcome. */
interface Outcome {
  value: unknown;
  source: 'l1' | 'l2' | 'load' | 'stale';
}

/** @internal What a read without a loader resolves to on a miss. */
export const MISSING: unique symbol = Symbol('MISSING');

const VALID = 0;
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
  private readonly inflight = new Map<string, Promise<Outcome>>();
  private readonly refreshing = new Set<string>();
  private readonly warned = new Set<string>();
  private readonly nsVersionKeys = new Map<string, string>();

  constructor(
    readonly options: ResolvedCacheOptions,
    l2Store: L2Store | undefined,
    private readonly logger = new Logger('PerfCache'),
  ) {
    const { l1 } = options;
    this.l1 = l1 ? new L1Store(l1.maxEntries, l1.maxBytes, l1.maxTtlMs, this.stats) : undefined;
    const t = options.l2Timeouts;
    this.l2 = l2Store
      ? new ResilientL2(l2Store, t.timeoutMs, t.failureThreshold, t.cooldownMs, logger, this.stats.global)
      : undefined;
    this.versions = new Versions(this.l2, t.versionCheckMs);
  }

  // ---- keys ---------------------------------------------------------------------------------

  /** `<namespace>:<version>:` */
  prefix(namespace: string): string {
    return `${namespace}:${this.options.version}:`;
  }

  fullKey(prefix: string, key: string): string {
    const full = prefix + key;
    return full.length > this.options.maxKeyLength ? finalizeKey(full, this.options.maxKeyLength) : full;
  }

  namespaceVersionKey(namespace: string): string {
    let key = this.nsVersionKeys.get(namespace);
    if (key === undefined) {
      key = `nest-perf:${this.options.version}:ns:${namespace}`;
      this.nsVersionKeys.set(namespace, key);
    }
    return key;
  }

  tagVersionKey(tag: string): string {
    return `nest-perf:${this.options.version}:tag:${tag}`;
  }

  versionKeys(namespace: string, tags: readonly string[] | undefined): readonly string[] {
    const nsKey = this.namespaceVersionKey(namespace);
    if (tags === undefined || tags.length === 0) return [nsKey];
    return [nsKey, ...tags.map((t) => this.tagVersionKey(t))];
  }

  // ---- reads --------------------------------------------------------------------------------

  /** Judges an L1 entry: valid, stale (in grace), invalid (expired or invalidated), unverified. */
  judge(entry: L1Entry, now: number): Verdict {
    const keys = entry.versionKeys;
    let unverified = false;
    for (let i = 0; i < keys.length; i++) {
      const token = this.versions.peek(keys[i], now);
      if (token === undefined) unverified = true;
      else if (token !== entry.tokens[i]) return INVALID;
    }
    if (unverified) return UNVERIFIED;
    if (now < entry.expiresAt) return VALID;
    return now < entry.expiresAt + this.options.graceMs ? STALE : INVALID;
  }

  /** The hot path: a valid L1 entry, or undefined. The caller counts the hit. */
  tryL1(fullKey: string): L1Entry | undefined {
    const entry = this.l1?.get(fullKey);
    if (entry === undefined) return undefined;
    return this.judge(entry, Date.now()) === VALID ? entry : undefined;
  }

  /**
   * An async read past the L1 fast path: L1 again (entries needing a version check), then L2,
   * then the loader; concurrent reads of one key share one resolution (stampede protection).
   */
  read(req: ReadRequest): Promise<unknown> {
    const existing = this.inflight.get(req.fullKey);
    if (existing !== undefined) {
      req.counters.coalesced++;
      return existing.then((o) => this.count(req.counters, o));
    }
    const shared = this.resolve(req);
    this.inflight.set(req.fullKey, shared);
    const done = () => {
      if (this.inflight.get(req.fullKey) === shared) this.inflight.delete(req.fullKey);
    };
    shared.then(done, done);
    return shared.then((o) => this.count(req.counters, o));
  }

  private count(counters: NamespaceCounters, outcome: Outcome): unknown {
    if (outcome.source === 'load') counters.misses++;
    else {
      counters.hits++;
      if (outcome.source === 'l1') counters.l1Hits++;
      else if (outcome.source === 'l2') counters.l2Hits++;
      else counters.staleServed++;
    }
    return outcome.value;
  }

  private async resolve(req: ReadRequest): Promise<Outcome> {
    const now = Date.now();
    let stale: { value: unknown } | undefined;
    const l1Entry = this.l1?.get(req.fullKey);
    if (l1Entry !== undefined) {
      let verdict = this.judge(l1Entry, now);
      if (verdict === UNVERIFIED) {
        await this.versions.refresh(this.versions.staleAmong(l1Entry.versionKeys, now), req.counters);
        verdict = this.judge(l1Entry, Date.now());
      }
      if (verdict === VALID) return { value: l1Entry.value, source: 'l1' };
      if (verdict === STALE) stale = { value: l1Entry.value };
      else this.l1?.delete(req.fullKey);
    }

    // L2, fetching in the same round trip the version tokens we cannot trust yet.
    let staleKeys = this.versions.staleAmong(req.versionKeys, now);
    if (this.l2 !== undefined && stale === undefined) {
      const fetched = await this.l2.run(
        (s) => (staleKeys.length === 0 ? s.get(req.fullKey).then((v) => [v]) : s.mget([req.fullKey, ...staleKeys])),
        req.counters,
      );
      if (fetched !== L2_FAILED) {
        this.versions.accept(staleKeys, fetched.slice(1), Date.now());
        staleKeys = [];
        const hit = fetched[0] === null ? undefined : await this.fromL2(req, fetched[0]);
        if (hit !== undefined) {
          if (hit.fresh) return { value: hit.value, source: 'l2' };
          stale = { value: hit.value };
        }
      }
    }
    if (staleKeys.length > 0) await this.versions.refresh(staleKeys, req.counters);

    if (stale !== undefined) {
      // Serve the stale value now and refresh once in the background.
      if (req.load !== undefined && !this.refreshing.has(req.fullKey)) {
        this.refreshing.add(req.fullKey);
        this.load(req)
          .catch(() => undefined)
          .finally(() => this.refreshing.delete(req.fullKey));
      }
      return { value: stale.value, source: 'stale' };
    }
    if (req.load === undefined) return { value: MISSING, source: 'load' };
    return { value: await this.load(req), source: 'load' };
  }

  /** Decodes and judges an L2 entry; a valid one is copied into L1. */
  private async fromL2(
    req: ReadRequest,
    text: string,
  ): Promise<{ value: unknown; fresh: boolean } | undefined> {
    const envelope = decodeEnvelope(text);
    if (envelope === undefined) return undefined;
    const keys = envelope.tagKeys
      ? [this.namespaceVersionKey(req.namespace), ...envelope.tagKeys]
      : [this.namespaceVersionKey(req.namespace)];
    const tokens = envelope.tagTokens ? [envelope.nsToken, ...envelope.tagTokens] : [envelope.nsToken];
    let now = Date.now();
    const unknown = this.versions.staleAmong(keys, now);
    if (unknown.length > 0) {
      await this.versions.refresh(unknown, req.counters);
      now = Date.now();
    }
    for (let i = 0; i < keys.length; i++) {
      if (this.versions.peekAny(keys[i]) !== tokens[i]) return undefined;
    }
    if (now >= envelope.expiresAt + this.options.graceMs) return undefined;
    let value: unknown;
    try {
      value = deserialize(envelope.payload);
    } catch (error) {
      this.warnOnce(`decode:${req.namespace}`, `could not decode an L2 entry of ${req.namespace}; reloading`, error);
      return undefined;
    }
    const fresh = now < envelope.expiresAt;
    if (fresh && this.l1 !== undefined) {
      const entry: L1Entry = {
        value,
        expiresAt: envelope.expiresAt,
        namespace: req.namespace,
        versionKeys: keys,
        tokens,
        isAsync: req.isAsync,
      };
      this.l1.set(req.fullKey, entry, envelope.expiresAt + this.options.graceMs - now, envelope.payload.length);
    }
    return { value, fresh };
  }

  /** Runs the loader once and stores its result; the version tokens are taken before loading, so
   * an invalidation that lands while the loader runs makes the stored entry invalid at once. */
  async load(req: ReadRequest): Promise<unknown> {
    const tokens = req.versionKeys.map((k) => this.versions.peekAny(k));
    const counters = req.counters;
    counters.loads++;
    const started = performance.now();
    let value: unknown;
    try {
      value = await req.load!();
    } catch (error) {
      counters.loadErrors++;
      counters.loadMs += performance.now() - started;
      throw error;
    }
    counters.loadMs += performance.now() - started;
    this.store(req.namespace, counters, req.fullKey, req.versionKeys, tokens, value, req.policy, req.isAsync, true);
    return value;
  }

  // ---- writes -------------------------------------------------------------------------------

  /**
   * Stores a value in L1 and (when `toL2`) L2, unless the policy says not to. Never throws: a
   * value that cannot be stored is counted and warned about once per namespace.
   */
  store(
    namespace: string,
    counters: NamespaceCounters,
    fullKey: string,
    versionKeys: readonly string[],
    tokens: readonly string[],
    value: unknown,
    policy: StorePolicy,
    isAsync: boolean,
    toL2: boolean,
  ): void {
    if ((value === null || value === undefined) && !policy.cacheNull) return;
    let ttlMs: number;
    try {
      if (policy.unless && (policy.unless as (r: unknown) => boolean)(value)) return;
      ttlMs =
        typeof policy.ttl === 'number'
          ? policy.ttl
          : parseDuration((policy.ttl as (r: unknown) => Duration)(value), `${namespace}: ttl()`);
    } catch (error) {
      this.warnOnce(`policy:${namespace}`, `${namespace}: ttl/unless threw; the result was not cached`, error);
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
      this.warnOnce(`unstorable:${namespace}`, `${namespace}: a result cannot be serialized, so it is not cached`, error);
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
    this.l1?.set(fullKey, { value, expiresAt, namespace, versionKeys, tokens, isAsync }, ttlMs + graceMs, payload.length);
    if (toL2 && this.l2 !== undefined) {
      const text = encodeEnvelope(expiresAt, tokens, versionKeys, payload);
      void this.l2.run((s) => s.set(fullKey, text, ttlMs + graceMs), counters);
    }
  }

  // ---- invalidation -------------------------------------------------------------------------

  async deleteKeys(counters: NamespaceCounters, fullKeys: readonly string[]): Promise<void> {
    for (const key of fullKeys) {
      this.l1?.delete(key);
      counters.deletes++;
    }
    if (this.l2 !== undefined && fullKeys.length > 0) {
      await Promise.all(
        fullKeys.map((key) => this.l2!.runDurable(`del:${key}`, (s) => s.del([key]), counters)),
      );
    }
  }

  /** Invalidates every entry of the namespace: O(1), a new generation token. */
  invalidateNamespace(namespace: string): Promise<void> {
    return this.versions.bump([this.namespaceVersionKey(namespace)]);
  }

  invalidateTags(tags: readonly string[]): Promise<void> {
    return this.versions.bump(tags.map((t) => this.tagVersionKey(t)));
  }

  /**
   * Deletes the keys of `namespace` whose key part matches the glob: L1 by scanning its keys,
   * Redis by SCAN MATCH + UNLINK. Where the store cannot scan, or the scan fails, the whole
   * namespace is invalidated instead: more misses, never stale data.
   */
  async invalidatePattern(namespace: string, counters: NamespaceCounters, pattern: string, escapedPrefix: string, matches: (rest: string) => boolean): Promise<void> {
    const prefix = this.prefix(namespace);
    counters.deletes += this.l1?.deleteWhere(prefix, matches) ?? 0;
    if (this.l2 === undefined) return;
    if (!this.l2.store.supportsPatterns) {
      this.warnOnce(
        `pattern:${namespace}`,
        `${this.l2.store.description} cannot delete by pattern; invalidating the whole namespace ${namespace} instead`,
      );
      await this.invalidateNamespace(namespace);
      return;
    }
    const deleted = await this.l2.run((s) => s.deleteMatching(escapedPrefix + pattern), counters, 30_000);
    if (deleted === L2_FAILED) await this.invalidateNamespace(namespace);
    else counters.deletes += deleted;
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
    try {
      await this.l2.store.connect(this.options.l2Timeouts.connectTimeoutMs);
    } catch (error) {
      this.logger.warn(
        `L2 (${this.l2.store.description}) is not reachable at startup; starting with L1 only and ` +
          `retrying in the background: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  async close(): Promise<void> {
    this.l2?.dispose();
    await this.l2?.store.close();
    this.l1?.clear();
  }
}
