import type { PerfRequestContext } from '@nest-perf/core';
import type { QueryRunner } from 'typeorm';
import type { Fingerprint } from './fingerprint';
import type { InstrumentedSource } from './instrument';
import type { FingerprintRow } from './query-stats';

/** @internal One statement between TypeORM's BeforeQuery and AfterQuery events. */
export interface Statement {
  readonly source: InstrumentedSource;
  readonly runner: QueryRunner;
  readonly sql: string;
  readonly params: unknown[] | undefined;
  readonly fp: Fingerprint;
  readonly row: FingerprintRow;
  readonly record: RequestRecord | undefined;
  readonly runs: FingerprintRuns | undefined;
  /** `performance.now()` when the statement was sent. */
  start: number;
}

/** @internal One fingerprint's runs within one request. */
export interface FingerprintRuns {
  readonly fp: Fingerprint;
  readonly row: FingerprintRow;
  /** Runs started (counted at start so that a Promise.all fan-out counts like a loop). */
  count: number;
  /** Time of the runs that finished. */
  totalMs: number;
  /** Set when the runs crossed the N+1 threshold. */
  nPlusOne: boolean;
  callSite: string | undefined;
}

/** @internal What one profiler recorded for one request. */
export class RequestRecord {
  /** Statements finished. */
  queries = 0;
  /** Their total time (pool waits excluded). */
  dbMs = 0;
  /**
   * Per fingerprint: an array searched linearly, since a request runs a handful of distinct
   * statements (cheaper to allocate and to search than a Map at that size).
   */
  readonly runs: FingerprintRuns[] = [];
  /** Statements sent and not finished yet (one, usually). */
  readonly pending: Statement[] = [];
  closed = false;

  constructor(
    readonly context: PerfRequestContext,
    /** The framework's request object, used to find the route template if nothing set it. */
    readonly request: unknown,
  ) {}

  runsOf(fp: Fingerprint, row: FingerprintRow): FingerprintRuns {
    const all = this.runs;
    const id = fp.id;
    for (let i = 0; i < all.length; i++) {
      if (all[i].fp.id === id) return all[i];
    }
    const runs = { fp, row, count: 0, totalMs: 0, nPlusOne: false, callSite: undefined };
    all.push(runs);
    return runs;
  }

  /** `Server-Timing` entry: `db;dur=12.4;desc="7 queries"`. */
  serverTiming(): string {
    const n = this.queries;
    const tenths = Math.round(this.dbMs * 10);
    return `db;dur=${Math.floor(tenths / 10)}.${tenths % 10};desc="${n} ${n === 1 ? 'query' : 'queries'}"`;
  }
}
