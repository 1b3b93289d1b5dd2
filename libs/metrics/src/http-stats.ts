import { LatencyHistogram } from '@nest-perf/core';
import type { RouteStats } from './performance.types';

/** Status classes of a response; `aborted` when the client left before the response ended. */
export type StatusClass = '2xx' | '3xx' | '4xx' | '5xx' | 'aborted' | '1xx';

const WINDOW_SECONDS = 60;

/** One (method, route template): latency histogram, status counts, a 60-second rate window. */
class RouteEntry {
  readonly latency = new LatencyHistogram();
  readonly statuses: Record<string, number> = {};
  // Requests per second of the last minute: slot = second % 60, stamped with its second.
  private readonly perSecond = new Uint32Array(WINDOW_SECONDS);
  private readonly stamps = new Float64Array(WINDOW_SECONDS).fill(-1);

  constructor(
    readonly method: string,
    readonly route: string,
  ) {}

  record(ms: number, status: StatusClass, second: number): void {
    this.latency.record(ms);
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
    const slot = second % WINDOW_SECONDS;
    if (this.stamps[slot] !== second) {
      this.stamps[slot] = second;
      this.perSecond[slot] = 0;
    }
    this.perSecond[slot]++;
  }

  /** Adds `other`'s requests to this entry (for the all-routes total). */
  add(other: RouteEntry): void {
    this.latency.merge(other.latency);
    for (const [status, n] of Object.entries(other.statuses)) {
      this.statuses[status] = (this.statuses[status] ?? 0) + n;
    }
    for (let i = 0; i < WINDOW_SECONDS; i++) {
      if (other.stamps[i] === this.stamps[i]) {
        this.perSecond[i] += other.perSecond[i];
      } else if (other.stamps[i] > this.stamps[i]) {
        this.stamps[i] = other.stamps[i];
        this.perSecond[i] = other.perSecond[i];
      }
    }
  }

  recent(second: number): number {
    let n = 0;
    for (let i = 0; i < WINDOW_SECONDS; i++) {
      if (this.stamps[i] > second - WINDOW_SECONDS) n += this.perSecond[i];
    }
    return n;
  }
}

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

/** The status class of an HTTP status code. @internal */
export function statusClassOf(status: number): StatusClass {
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  if (status >= 300) return '3xx';
  if (status >= 200) return '2xx';
  return '1xx';
}

/**
 * HTTP latency per (method, route template) and status class, with bounded memory: one
 * fixed-size histogram per route the app declares, plus one shared `(unmatched)` entry, whatever
 * URLs clients send. Nest-free; `HttpStatsService` feeds it from the HTTP server.
 * @internal
 */
export class HttpStats {
  private readonly routes = new Map<string, RouteEntry>();
  private since: number;

  constructor(private readonly now: () => number = Date.now) {
    this.since = now();
  }

  /** Records one finished (or aborted) request that took `ms`. */
  record(method: string, route: string, ms: number, status: StatusClass): void {
    const key = `${method} ${route}`;
    let entry = this.routes.get(key);
    if (!entry) this.routes.set(key, (entry = new RouteEntry(method, route)));
    const second = Math.floor(this.now() / 1000);
    entry.record(ms, status, second);
  }

  /** Every route, busiest first, and all requests together. */
  snapshot(): { since: string; total: RouteStats; routes: RouteStats[] } {
    const nowMs = this.now();
    const second = Math.floor(nowMs / 1000);
    // The rate window is shorter right after start or a reset.
    const windowSeconds = Math.min(WINDOW_SECONDS, Math.max(1, (nowMs - this.since) / 1000));
    const view = (entry: RouteEntry): RouteStats => {
      const s = entry.latency.summary();
      return {
        method: entry.method,
        route: entry.route,
        count: s.count,
        ratePerSec: round(entry.recent(second) / windowSeconds, 2),
        meanMs: s.meanMs,
        p50Ms: s.p50Ms,
        p95Ms: s.p95Ms,
        p99Ms: s.p99Ms,
        maxMs: s.maxMs,
        statuses: { ...entry.statuses },
        errorRate: s.count > 0 ? round((entry.statuses['5xx'] ?? 0) / s.count, 4) : 0,
      };
    };
    // The total is derived here rather than kept per request: the hot path records once.
    const total = new RouteEntry('*', '*');
    for (const entry of this.routes.values()) total.add(entry);
    const routes = [...this.routes.values()].map(view).sort((a, b) => b.count - a.count);
    return { since: new Date(this.since).toISOString(), total: view(total), routes };
  }

  /** Forgets everything recorded. */
  reset(): void {
    this.routes.clear();
    this.since = this.now();
  }
}
