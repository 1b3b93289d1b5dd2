import { Logger } from '@nestjs/common';
import { round } from './query-stats';
import type { FingerprintRuns } from './request-record';

/** One N+1 pattern, as returned by `nPlusOne()`: reported once per (route, fingerprint). */
export interface NPlusOneReport {
  /** `"GET /tasks/:id/storyboards-naive"`. */
  route: string;
  fingerprint: string;
  /** The repeated statement, normalized. */
  sql: string;
  /** Runs of the statement in the latest request that showed the pattern. */
  count: number;
  /** Their total time in ms. */
  totalMs: number;
  /** The most runs seen in one request. */
  maxCount: number;
  /** Requests that showed the pattern. */
  requests: number;
  /** The application frame that issued the statement: `Function (path:line:col)`. */
  callSite?: string;
  /** How to fix it in TypeORM terms. */
  hint: string;
  firstSeen: string;
  lastSeen: string;
}

interface Entry {
  report: NPlusOneReport;
  loggedAt: number;
}

/** @internal The reports, at most `max` (oldest dropped), each logged at most once per interval. */
export class NPlusOneRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly logger = new Logger('QueryProfiler');

  constructor(
    private readonly max: number,
    private readonly intervalMs: number,
  ) {}

  add(route: string, runs: FingerprintRuns, hint: () => string): void {
    const key = `${route}\n${runs.fp.id}`;
    const now = Date.now();
    const at = new Date(now).toISOString();
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      const r = entry.report;
      r.count = runs.count;
      r.totalMs = round(runs.totalMs);
      r.maxCount = Math.max(r.maxCount, runs.count);
      r.requests++;
      r.lastSeen = at;
      r.callSite ??= runs.callSite;
    } else {
      entry = {
        loggedAt: -Infinity,
        report: {
          route,
          fingerprint: runs.fp.id,
          sql: runs.fp.text,
          count: runs.count,
          totalMs: round(runs.totalMs),
          maxCount: runs.count,
          requests: 1,
          ...(runs.callSite ? { callSite: runs.callSite } : {}),
          hint: hint(),
          firstSeen: at,
          lastSeen: at,
        },
      };
      if (this.entries.size >= this.max) {
        this.entries.delete(this.entries.keys().next().value as string);
      }
    }
    this.entries.set(key, entry);
    if (now - entry.loggedAt >= this.intervalMs) {
      entry.loggedAt = now;
      const r = entry.report;
      this.logger.warn(
        `N+1 in ${route}: ${r.count}× ${r.sql} (${r.totalMs} ms)` +
          `${r.callSite ? ` from ${r.callSite}` : ''}\n${r.hint}`,
      );
    }
  }

  /** Most recent first. */
  list(): NPlusOneReport[] {
    return [...this.entries.values()].reverse().map((e) => ({ ...e.report }));
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
