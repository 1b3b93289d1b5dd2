import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { UNMATCHED_ROUTE, nameFastifyRoutes, routeTemplateOf } from '@nest-perf/core';
import type { FastifyRouteHookTarget } from '@nest-perf/core';
import { HttpStats, statusClassOf } from './http-stats';
import type { StatusClass } from './http-stats';
import { RESOLVED_OPTIONS } from './metrics.constants';
import type { ResolvedPerformanceOptions } from './metrics.options';
import { PrometheusService } from './prometheus.service';
import type { HttpStatsResponse } from './performance.types';

/** Set on a request by the module's own routes, so the dashboard's polling is not counted. */
export const OWN_REQUEST = Symbol.for('@nest-perf/metrics.ownRequest');

type Marked = IncomingMessage & { [OWN_REQUEST]?: true };

interface RequestEmitter {
  prependListener(event: 'request', listener: RequestListener): unknown;
  removeListener(event: 'request', listener: RequestListener): unknown;
}
type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Records every HTTP request's latency under its route template and status class, for
 * `GET /performance/http/stats` and Prometheus. It listens on the Node HTTP server itself (before
 * the framework), so 404s of unknown paths, guard rejections and body-parser errors count too;
 * requests that match no route share the `(unmatched)` label. The module's own routes are left
 * out.
 *
 * @example
 * const { routes } = httpStats.snapshot(); // [{ method: 'GET', route: '/tasks/:id', p95Ms, ... }]
 */
@Injectable()
export class HttpStatsService implements OnModuleInit, OnApplicationShutdown {
  private readonly stats = new HttpStats();
  private readonly logger = new Logger('PerformanceModule');
  private unhook: (() => void) | undefined;

  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedPerformanceOptions,
    private readonly prometheus: PrometheusService,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    if (!this.options.enabled || !this.options.http) return;
    const adapter = this.adapterHost?.httpAdapter;
    if (!adapter) return; // not an HTTP application
    const server = adapter.getHttpServer?.() as Partial<RequestEmitter> | undefined;
    if (
      typeof server?.prependListener !== 'function' ||
      typeof server.removeListener !== 'function'
    ) {
      this.logger.warn('no Node HTTP server found: HTTP statistics are not recorded');
      return;
    }
    const listener = this.listener();
    server.prependListener('request', listener);
    this.unhook = () => server.removeListener?.('request', listener);
    if (adapter.getType?.() === 'fastify') this.nameFastifyRoutes(adapter.getInstance());
  }

  onApplicationShutdown(): void {
    this.unhook?.();
    this.unhook = undefined;
  }

  /** Per route template: count, rate, p50/p95/p99, status classes, error rate. */
  snapshot(): HttpStatsResponse {
    return this.stats.snapshot();
  }

  /** Forgets the statistics (Prometheus counters keep counting: they must not go back). */
  reset(): void {
    this.stats.reset();
  }

  private listener(): RequestListener {
    const stats = this.stats;
    const prometheus = this.prometheus;
    return function recordHttpStats(req, res) {
      const started = performance.now();
      prometheus.requestStarted();
      res.once('close', () => {
        const ms = performance.now() - started;
        prometheus.requestEnded();
        if ((req as Marked)[OWN_REQUEST]) return;
        const status: StatusClass = res.writableFinished
          ? statusClassOf(res.statusCode)
          : 'aborted';
        const method = req.method ?? 'GET';
        const route = routeTemplateOf(req) ?? UNMATCHED_ROUTE;
        stats.record(method, route, ms, status);
        prometheus.observeHttp(method, route, status, ms / 1000);
      });
    };
  }

  // Fastify's raw request carries no route: a hook copies the matched template onto it.
  private nameFastifyRoutes(fastify: FastifyRouteHookTarget): void {
    try {
      nameFastifyRoutes(fastify);
    } catch (error) {
      this.logger.warn(
        `could not add a Fastify onRequest hook (${String(error)}); requests are counted as ${UNMATCHED_ROUTE}`,
      );
    }
  }
}
