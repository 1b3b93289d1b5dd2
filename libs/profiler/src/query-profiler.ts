import { Logger } from '@nestjs/common';
import { BACKGROUND_ROUTE, currentRequestContext, describeRoute } from '@nest-perf/core';
import type { PerfRequestContext, Workload, WorkloadDialect } from '@nest-perf/core';
import type { DataSource, QueryRunner } from 'typeorm';
import { applicationCallSite } from './call-site';
import { explainInto } from './explain';
import type { SqlDialect } from './fingerprint';
import { nPlusOneHint } from './hints';
import { dialectOf, instrumentDataSource, isUnrecorded } from './instrument';
import type { InstrumentedSource, StatementHooks } from './instrument';
import type { QueryProfilerOptions } from './interfaces/profiler-options.interface';
import { NPlusOneRegistry } from './n-plus-one';
import type { NPlusOneReport } from './n-plus-one';
import { NPlusOneQueryError } from './profiler.errors';
import { resolveProfilerOptions } from './profiler.options';
import type { ResolvedProfilerOptions } from './profiler.options';
import { QueryStatsRegistry, round } from './query-stats';
import type { QueryStats } from './query-stats';
import { routeTemplateOf } from '@nest-perf/core';
import { RequestRecord } from './request-record';
import type { FingerprintRuns, Statement } from './request-record';
import { sanitizeParams, SlowQueryBuffer } from './slow-queries';
import { workloadOf, writeWorkloadFile } from './workload-file';
import type { SlowQuery } from './slow-queries';

type ProfiledContext = PerfRequestContext & { [key: symbol]: RequestRecord | undefined };

/** Totals since start or the last `reset()`. */
export interface QueryProfilerSummary {
  statements: number;
  errors: number;
  totalMs: number;
  fingerprints: number;
  slowQueries: number;
  nPlusOne: number;
  /** ISO time of start or of the last reset. */
  since: string;
}

/**
 * The profiler itself, without Nest: `QueryProfilerModule` creates one and attaches it to the
 * app's DataSources. Use it directly in scripts and benchmarks.
 *
 * @example
 * const profiler = new QueryProfiler({ slowQueryMs: 50 });
 * profiler.attach(dataSource);
 * await runJob();
 * console.table(profiler.stats());
 */
export class QueryProfiler {
  /** @internal */
  readonly options: ResolvedProfilerOptions;
  private readonly stats_: QueryStatsRegistry;
  private readonly slow: SlowQueryBuffer;
  private readonly reports: NPlusOneRegistry;
  private readonly attached = new Map<
    DataSource,
    { source: InstrumentedSource; detach: () => void }
  >();
  private readonly explained = new Set<string>();
  private readonly logger = new Logger('QueryProfiler');
  private slowCount = 0;
  private since = new Date();
  private failures = 0;
  // Statements in flight outside any request (see MAX_PENDING).
  private readonly background: Statement[] = [];
  // Each profiler keeps its request record on the context under a key of its own.
  private readonly recordKey = Symbol('nest-perf.profiler.record');

  constructor(options?: QueryProfilerOptions) {
    this.options = resolveProfilerOptions(options);
    this.stats_ = new QueryStatsRegistry(this.options.maxFingerprints);
    this.slow = new SlowQueryBuffer(this.options.slowQueryBuffer);
    this.reports = new NPlusOneRegistry(
      this.options.nPlusOne.maxReports,
      this.options.nPlusOne.intervalMs,
    );
  }

  /**
   * Times every statement of `dataSource` from now on. Throws for a DataSource type other than
   * postgres, mysql/mariadb or sqlite; does nothing when already attached or `enabled: false`.
   */
  attach(dataSource: DataSource): void {
    if (!this.options.enabled || this.attached.has(dataSource)) return;
    const dialect = dialectOf(String(dataSource.options.type));
    if (!dialect) {
      throw new Error(
        `QueryProfiler: DataSource type '${dataSource.options.type}' is not supported ` +
          '(postgres, mysql/mariadb and sqlite/better-sqlite3 are)',
      );
    }
    this.attached.set(dataSource, instrumentDataSource(dataSource, dialect, this.hooks));
  }

  /** Stops timing `dataSource` (statements in flight then finish unrecorded). */
  detach(dataSource: DataSource): void {
    this.attached.get(dataSource)?.detach();
    this.attached.delete(dataSource);
  }

  /** Detaches from every DataSource. */
  close(): void {
    for (const dataSource of [...this.attached.keys()]) this.detach(dataSource);
  }

  /** Per-fingerprint statistics, largest total time first; the `other` row last. */
  stats(): QueryStats[] {
    return this.stats_.stats();
  }

  /** The last slow statements, newest first (at most `limit`, default all kept). */
  slowQueries(limit = this.options.slowQueryBuffer): SlowQuery[] {
    return this.slow
      .list()
      .slice(0, Math.max(0, limit))
      .map((q) => {
        const explain = this.stats_.get(q.fingerprint)?.explain;
        return explain === undefined ? q : { ...q, explain };
      });
  }

  /** N+1 patterns seen, most recent first. */
  nPlusOne(): NPlusOneReport[] {
    return this.reports.list();
  }

  summary(): QueryProfilerSummary {
    const { statements, errors, totalMs } = this.stats_.totals();
    return {
      statements,
      errors,
      totalMs: round(totalMs),
      fingerprints: this.stats_.size,
      slowQueries: this.slowCount,
      nPlusOne: this.reports.size,
      since: this.since.toISOString(),
    };
  }

  /**
   * The workload file (DESIGN.md format) for one dialect: default the dialect of the first
   * attached DataSource. Transaction control statements are left out.
   */
  exportWorkload(dialect?: WorkloadDialect): Workload {
    const wanted = dialect ?? this.attached.values().next().value?.source.dialect ?? 'postgres';
    return workloadOf(this.stats_.all(), wanted);
  }

  /** Writes {@link exportWorkload} to `path` atomically (temp file + rename); returns the path. */
  writeWorkload(path: string, dialect?: WorkloadDialect): Promise<string> {
    return writeWorkloadFile(path, this.exportWorkload(dialect));
  }

  /** Forgets all statistics, slow queries and N+1 reports. */
  reset(): void {
    this.stats_.reset();
    this.slow.clear();
    this.reports.clear();
    this.explained.clear();
    this.slowCount = 0;
    this.since = new Date();
  }

  /** @internal Starts this profiler's record of a request (called by the server hook). */
  openRequest(context: PerfRequestContext, request: unknown): RequestRecord {
    const record = new RequestRecord(context, request);
    (context as ProfiledContext)[this.recordKey] = record;
    return record;
  }

  /** @internal This profiler's record of a request, if it has one. */
  recordOf(context: PerfRequestContext): RequestRecord | undefined {
    return (context as ProfiledContext)[this.recordKey];
  }

  /** @internal Ends a request: attributes its statements to its route, reports N+1. */
  closeRequest(record: RequestRecord): void {
    if (record.closed) return;
    record.closed = true;
    try {
      const context = record.context;
      context.route ??= routeTemplateOf(record.request);
      const route = this.labelOf(context);
      for (const runs of record.runs) {
        runs.row.addRoute(route, runs.count);
        if (runs.nPlusOne) this.reports.add(route, runs, () => this.hintFor(runs));
      }
    } catch (error) {
      this.fail(error);
    }
  }

  // "GET /tasks/:id" per (route, method), built once: the route strings come from the router and
  // are the same objects every time, so this lookup hashes nothing new.
  private readonly labels = new Map<string, Record<string, string>>();

  private labelOf(context: PerfRequestContext): string {
    const route = context.route;
    if (route === undefined) return describeRoute(context);
    let byMethod = this.labels.get(route);
    if (byMethod === undefined) {
      if (this.labels.size >= 10_000) this.labels.clear();
      byMethod = Object.create(null) as Record<string, string>;
      this.labels.set(route, byMethod);
    }
    return (byMethod[context.method] ??= describeRoute(context));
  }

  // The per-statement path, called by TypeORM synchronously inside QueryRunner.query: no promise
  // and no closure per statement. Arrow functions so that they can be handed to the subscriber.
  private readonly hooks: StatementHooks = {
    before: (source, event) => {
      const runner = event.queryRunner;
      if (isUnrecorded(runner)) return;
      let crossing: NPlusOneQueryError | undefined;
      try {
        const sql = event.query;
        const fp = source.fingerprints.get(sql);
        const row = this.stats_.rowFor(fp, source.dialect);
        const record = this.currentRecord();
        const runs = record?.runsOf(fp, row);
        if (runs !== undefined && ++runs.count === this.options.nPlusOne.threshold) {
          crossing = fp.kind === 'select' ? this.crossed(record!, runs) : undefined;
        }
        if (crossing === undefined) {
          const pending = record?.pending ?? this.background;
          if (pending.length >= MAX_PENDING) pending.shift();
          pending.push({
            source,
            runner,
            sql,
            params: event.parameters,
            fp,
            row,
            record,
            runs,
            start: performance.now(),
          });
        }
      } catch (error) {
        this.fail(error);
      }
      // mode 'throw': TypeORM rejects the statement with this error before sending it.
      if (crossing !== undefined) throw crossing;
    },
    after: (source, event) => {
      const end = performance.now();
      const runner = event.queryRunner;
      if (isUnrecorded(runner)) return;
      try {
        const pending = this.currentRecord()?.pending ?? this.background;
        const statement = takePending(pending, runner, event.query);
        // Undefined for a statement that began before attach().
        if (statement === undefined) return;
        const error =
          event.success === false ? (event.error ?? new Error('query failed')) : undefined;
        this.finish(statement, end - statement.start, error);
      } catch (error) {
        this.fail(error);
      }
    },
  };

  // This profiler's record of the request the current code runs for, if any.
  private currentRecord(): RequestRecord | undefined {
    const context = currentRequestContext();
    return context && (context as ProfiledContext)[this.recordKey];
  }

  private finish(statement: Statement, ms: number, error: unknown): void {
    try {
      const { row, record } = statement;
      row.histogram.record(ms);
      if (error !== undefined) {
        row.errors++;
      }
      if (this.options.captureParams && row.sampleParams === undefined) {
        const values = statement.params ?? [];
        row.sampleParams = sanitizeParams(
          statement.fp.sources.map((s) => ('param' in s ? values[s.param] : s.literal)),
        );
      }
      if (record !== undefined) {
        record.queries++;
        record.dbMs += ms;
        statement.runs!.totalMs += ms;
      } else {
        row.addRoute(BACKGROUND_ROUTE, 1);
      }
      if (ms >= this.options.slowQueryMs) this.slowStatement(statement, ms, error);
    } catch (failure) {
      this.fail(failure);
    }
  }

  private slowStatement(statement: Statement, ms: number, error: unknown): void {
    const { source, sql, params, fp, row, record } = statement;
    this.slowCount++;
    const context = record?.context;
    if (context) context.route ??= routeTemplateOf(record.request);
    this.slow.push({
      fingerprint: row.id,
      sql: row.sql,
      durationMs: round(ms),
      at: new Date().toISOString(),
      route: context ? describeRoute(context) : BACKGROUND_ROUTE,
      ...(this.options.captureParams && params ? { params: sanitizeParams(params) } : {}),
      ...(error !== undefined
        ? { error: error instanceof Error ? error.message : String(error) }
        : {}),
    });
    if (
      this.options.explainSlowQueries &&
      source.dialect === 'postgres' &&
      error === undefined &&
      ['select', 'insert', 'update', 'delete'].includes(fp.kind) &&
      !this.explained.has(row.id)
    ) {
      this.explained.add(row.id);
      // Off the request path: after the current I/O callbacks, on a connection of its own.
      setImmediate(() => void explainInto(row, source, sql, params));
    }
  }

  private crossed(record: RequestRecord, runs: FingerprintRuns): NPlusOneQueryError | undefined {
    if (this.options.nPlusOne.mode === 'off') return undefined;
    runs.nPlusOne = true;
    runs.callSite = applicationCallSite();
    if (this.options.nPlusOne.mode !== 'throw') return undefined;
    const context = record.context;
    context.route ??= routeTemplateOf(record.request);
    return new NPlusOneQueryError(
      describeRoute(context),
      runs.fp.id,
      runs.fp.text,
      runs.count,
      runs.callSite,
      this.hintFor(runs),
    );
  }

  private hintFor(runs: FingerprintRuns): string {
    for (const [dataSource, { source }] of this.attached) {
      if (source.dialect === runs.row.dialect) return nPlusOneHint(runs.fp.text, dataSource);
    }
    return nPlusOneHint(runs.fp.text, undefined);
  }

  // A profiler bug must never fail the application's statement: log (rarely) and go on.
  private fail(error: unknown): void {
    if (this.failures++ % 1000 === 0) {
      this.logger.error(`internal error (the statement ran unprofiled): ${String(error)}`);
    }
  }
}

/**
 * The most statements kept in flight per list (a request's, or the background's; the oldest is
 * dropped beyond it): a statement whose AfterQuery never comes (another subscriber's beforeQuery
 * threw after ours) must not leak.
 */
const MAX_PENDING = 10_000;

/**
 * Removes and returns the oldest pending statement of `runner` with this SQL text (the same
 * string object TypeORM passed to beforeQuery, so `===` compares pointers). A runner runs its
 * statements in order, so the oldest match is the one that finished; the list holds the
 * statements in flight in one request (one, usually) or in the background.
 */
function takePending(list: Statement[], runner: QueryRunner, sql: string): Statement | undefined {
  for (let i = 0; i < list.length; i++) {
    const statement = list[i];
    if (statement.runner !== runner || statement.sql !== sql) continue;
    // pop() for the last (usually the only) one: splice would allocate the removed array.
    if (i === list.length - 1) list.pop();
    else list.splice(i, 1);
    return statement;
  }
  return undefined;
}

/** @internal */
export type { SqlDialect };
