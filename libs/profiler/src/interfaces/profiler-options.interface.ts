import type { Duration } from '@nest-perf/core';
import type { DataSource } from 'typeorm';

/** What to do when a request runs the same query {@link NPlusOneOptions.threshold} times. */
export type NPlusOneMode = 'warn' | 'throw' | 'off';

/** N+1 detection settings. */
export interface NPlusOneOptions {
  /**
   * How many runs of the same SELECT fingerprint within one request make an N+1. Default 5.
   * Counted when each statement starts, so a `Promise.all` fan-out counts like a loop.
   */
  threshold?: number;
  /**
   * `'warn'` (default): report it (`nPlusOne()`, one log line per route and fingerprint per
   * `interval`). `'throw'`: the statement that crosses the threshold fails with
   * `NPlusOneQueryError` instead of running, so test suites fail on N+1. `'off'`: no detection.
   */
  mode?: NPlusOneMode;
  /** The same (route, fingerprint) is logged at most once per interval. Default `'1m'`. */
  interval?: Duration;
  /** Distinct (route, fingerprint) reports kept; the oldest is dropped beyond it. Default 500. */
  maxReports?: number;
}

/** Where and how often the workload file is written. */
export interface WorkloadFileOptions {
  /** Path of `workload.json` (relative to the working directory). */
  path: string;
  /** Also write it every interval (it is always written at shutdown). Default: only at shutdown. */
  interval?: Duration;
}

/** Options of `QueryProfilerModule.forRoot()` and of `new QueryProfiler()`. */
export interface QueryProfilerOptions {
  /** Set false to load the module without instrumenting anything. Default true. */
  enabled?: boolean;
  /** Statements slower than this are kept in the slow-query buffer. Default `100` (ms). */
  slowQueryMs?: Duration;
  /** How many slow statements are kept (a ring buffer; oldest dropped). Default 100. */
  slowQueryBuffer?: number;
  /**
   * Keep the parameter values of slow statements and a sample per fingerprint in the workload.
   * Default false: values are redacted, since they can hold personal data.
   */
  captureParams?: boolean;
  /**
   * On Postgres, capture `EXPLAIN (FORMAT JSON)` of the first slow run of each fingerprint, on a
   * separate connection after the statement finished (never on the request path). Default false.
   */
  explainSlowQueries?: boolean;
  /** Distinct fingerprints tracked; further ones are folded into one `other` row. Default 2000. */
  maxFingerprints?: number;
  /** N+1 detection. Default `{ threshold: 5, mode: 'warn', interval: '1m' }`. */
  nPlusOne?: NPlusOneOptions;
  /** Add `Server-Timing: db;dur=<ms>;desc="<n> queries"` to every response. Default true. */
  serverTiming?: boolean;
  /**
   * The DataSources to instrument. Default: every TypeORM DataSource provider of the app
   * (`QueryProfilerModule`) / none until `attach()` is called (`QueryProfiler`).
   */
  dataSources?: DataSource[];
  /** Write the workload file to disk, e.g. `{ path: 'workload.json', interval: '5m' }`. */
  workloadFile?: WorkloadFileOptions;
}
