import {
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { DiscoveryService, HttpAdapterHost } from '@nestjs/core';
import type { PerfQueryProfilerHandle, Workload, WorkloadDialect } from '@nest-perf/core';
import type { DataSource } from 'typeorm';
import type { QueryProfilerOptions } from './interfaces/profiler-options.interface';
import type { NPlusOneReport } from './n-plus-one';
import { MODULE_OPTIONS_TOKEN } from './profiler.module-definition';
import { QueryProfiler } from './query-profiler';
import { nameFastifyRoutes } from '@nest-perf/core';
import type { FastifyRouteHookTarget } from '@nest-perf/core';
import { hookServer } from './server-hook';
import type { QueryProfilerSummary } from './query-profiler';
import type { QueryStats } from './query-stats';
import type { SlowQuery } from './slow-queries';

/**
 * The profiler's statistics for the app: inject it to read or export them.
 *
 * @example
 * constructor(private readonly profiler: QueryProfilerService) {}
 * report() { return { top: this.profiler.stats().slice(0, 10), n1: this.profiler.nPlusOne() }; }
 */
@Injectable()
export class QueryProfilerService
  implements OnModuleInit, OnApplicationShutdown, PerfQueryProfilerHandle
{
  /** The underlying Nest-free profiler. */
  readonly profiler: QueryProfiler;
  private readonly logger = new Logger('QueryProfiler');
  private timer: NodeJS.Timeout | undefined;
  private unhookServer: (() => void) | undefined;

  constructor(
    @Inject(MODULE_OPTIONS_TOKEN) options: QueryProfilerOptions,
    private readonly discovery: DiscoveryService,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {
    this.profiler = new QueryProfiler(options);
  }

  onModuleInit(): void {
    const { enabled, dataSources, workloadFile } = this.profiler.options;
    if (!enabled) return;
    const targets = dataSources ?? this.discoverDataSources();
    if (targets.length === 0) {
      this.logger.warn(
        'no TypeORM DataSource found: nothing is profiled (import QueryProfilerModule next to ' +
          'TypeOrmModule, or pass dataSources)',
      );
    }
    for (const dataSource of targets) this.profiler.attach(dataSource);
    this.hookHttp();
    if (workloadFile?.intervalMs) {
      this.timer = setInterval(() => void this.saveWorkload(), workloadFile.intervalMs);
      this.timer.unref();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.unhookServer?.();
    this.unhookServer = undefined;
    if (this.profiler.options.workloadFile) await this.saveWorkload();
    this.profiler.close();
  }

  /** Per fingerprint: count, total/mean/p50/p95/p99/max ms, errors, routes. */
  stats(): QueryStats[] {
    return this.profiler.stats();
  }

  /** The last slow statements, newest first. */
  slowQueries(limit?: number): SlowQuery[] {
    return this.profiler.slowQueries(limit);
  }

  /** N+1 patterns, most recent first. */
  nPlusOne(): NPlusOneReport[] {
    return this.profiler.nPlusOne();
  }

  /** Totals since start or the last reset. */
  summary(): QueryProfilerSummary {
    return this.profiler.summary();
  }

  /** The workload file for the index advisor (DESIGN.md format). */
  exportWorkload(dialect?: WorkloadDialect): Workload {
    return this.profiler.exportWorkload(dialect);
  }

  /** Writes the workload file atomically; returns the absolute path written. */
  writeWorkload(path: string, dialect?: WorkloadDialect): Promise<string> {
    return this.profiler.writeWorkload(path, dialect);
  }

  /** Forgets all statistics. */
  reset(): void {
    this.profiler.reset();
  }

  private async saveWorkload(): Promise<void> {
    const file = this.profiler.options.workloadFile;
    if (!file) return;
    try {
      await this.profiler.writeWorkload(file.path);
    } catch (error) {
      this.logger.error(`could not write the workload file ${file.path}: ${String(error)}`);
    }
  }

  // The request context is entered around the HTTP server's request listeners: before body
  // parsing, middleware, guards and pipes, and cheaper than a Nest middleware on every route.
  private hookHttp(): void {
    const adapter = this.adapterHost?.httpAdapter;
    if (!adapter) return; // not an HTTP app: every statement is background work
    this.unhookServer = hookServer(this.profiler, adapter.getHttpServer?.());
    if (!this.unhookServer) {
      this.logger.warn(
        'no Node HTTP server to hook: statements are attributed to requests only where ' +
          'QueryProfilerInterceptor is registered (APP_INTERCEPTOR)',
      );
    }
    if (adapter.getType?.() === 'fastify') this.nameFastifyRoutes(adapter);
  }

  // On Fastify the server hook sees only the raw Node request, which carries no route. A hook
  // (added before Fastify is ready, so it applies to every route) copies the template onto it.
  private nameFastifyRoutes(adapter: { getInstance<T>(): T }): void {
    try {
      nameFastifyRoutes(adapter.getInstance<FastifyRouteHookTarget>());
    } catch (error) {
      this.logger.warn(
        `could not add a Fastify onRequest hook (${String(error)}); Fastify statements are ` +
          'attributed to (unmatched)',
      );
    }
  }

  private discoverDataSources(): DataSource[] {
    const found = new Set<DataSource>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.isDependencyTreeStatic() ? (wrapper.instance as unknown) : undefined;
      if (isDataSource(instance)) found.add(instance);
    }
    return [...found];
  }
}

function isDataSource(value: unknown): value is DataSource {
  const v = value as Partial<DataSource> | undefined;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.createQueryRunner === 'function' &&
    typeof v.options === 'object' &&
    typeof v.driver === 'object' &&
    v.driver !== null &&
    typeof (v.driver as { createQueryRunner?: unknown }).createQueryRunner === 'function'
  );
}
