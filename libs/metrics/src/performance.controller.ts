import {
  BadRequestException,
  Controller,
  Get,
  Header,
  HttpCode,
  NotFoundException,
  Post,
  Query,
  Req,
  UseGuards,
} from '@nestjs/common';
import type { Type } from '@nestjs/common';
import { Registry } from 'prom-client';
import { DASHBOARD_SCRIPT, renderDashboardHtml } from './dashboard/dashboard.page';
import { PerformanceAccessGuard } from './performance-access.guard';
import { PerformanceService } from './performance.service';
import type {
  HttpStatsResponse,
  NPlusOneResponse,
  OptimizationStatusResponse,
  PoolStatsResponse,
  QueryStatsResponse,
  SlowQueriesResponse,
} from './performance.types';
import { PrometheusService } from './prometheus.service';

// The dashboard's own CSP: everything from this origin, nothing inline but styles.
const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
  "connect-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'";
const SAFE_PATH = /^[A-Za-z0-9/._~%-]*$/;

/** `?limit=`: an integer from 1 to 1000, or the default. @internal */
export function parseLimit(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    throw new BadRequestException(`limit must be an integer from 1 to 1000 (got '${value}')`);
  }
  return n;
}

/**
 * The controllers of `PerformanceModule` for its paths: Nest reads a controller's path when the
 * module is defined, so each module definition gets classes of its own.
 * @internal
 */
export function createPerformanceControllers(path: string, metricsPath: string): Type[] {
  @Controller(path)
  @UseGuards(PerformanceAccessGuard)
  class PerformanceController {
    constructor(private readonly performance: PerformanceService) {}

    @Get()
    @Header('Content-Type', 'text/html; charset=utf-8')
    @Header('Cache-Control', 'no-store')
    @Header('Content-Security-Policy', DASHBOARD_CSP)
    @Header('X-Content-Type-Options', 'nosniff')
    dashboard(@Req() request: { originalUrl?: string; url?: string }): string {
      // The page's own path (global prefix included) is the base of the JSON it fetches.
      const own = (request.originalUrl ?? request.url ?? '').split('?')[0].replace(/\/+$/, '');
      const basePath = own !== '' && SAFE_PATH.test(own) ? own : `/${path}`;
      return renderDashboardHtml({
        basePath,
        refreshMs: this.performance.refreshMs,
        available: this.performance.available(),
      });
    }

    @Get('dashboard.js')
    @Header('Content-Type', 'text/javascript; charset=utf-8')
    @Header('Cache-Control', 'no-cache')
    @Header('X-Content-Type-Options', 'nosniff')
    script(): string {
      return DASHBOARD_SCRIPT;
    }

    @Get('cache/stats')
    @Header('Cache-Control', 'no-store')
    cacheStats(): object {
      return this.performance.cache().stats();
    }

    @Post('cache/reset-stats')
    @HttpCode(204)
    resetCacheStats(): void {
      this.performance.cache().resetStats();
    }

    @Get('query/stats')
    @Header('Cache-Control', 'no-store')
    queryStats(@Query('limit') limit?: string): QueryStatsResponse {
      const queries = this.performance.queries();
      return {
        summary: queries.summary(),
        queries: queries.stats().slice(0, parseLimit(limit, 100)),
      };
    }

    @Get('query/slow')
    @Header('Cache-Control', 'no-store')
    slowQueries(@Query('limit') limit?: string): SlowQueriesResponse {
      return { slowQueries: [...this.performance.queries().slowQueries(parseLimit(limit, 20))] };
    }

    @Get('query/n-plus-one')
    @Header('Cache-Control', 'no-store')
    nPlusOne(): NPlusOneResponse {
      return { reports: [...this.performance.queries().nPlusOne()] };
    }

    @Post('query/reset-stats')
    @HttpCode(204)
    resetQueryStats(): void {
      this.performance.queries().reset();
    }

    @Get('query/workload')
    @Header('Cache-Control', 'no-store')
    @Header('Content-Disposition', 'inline; filename="workload.json"')
    workload(): object {
      return this.performance.queries().exportWorkload();
    }

    @Get('http/stats')
    @Header('Cache-Control', 'no-store')
    httpStats(): HttpStatsResponse {
      return this.performance.http().snapshot();
    }

    @Post('http/reset-stats')
    @HttpCode(204)
    resetHttpStats(): void {
      this.performance.http().reset();
    }

    @Get('pool/stats')
    @Header('Cache-Control', 'no-store')
    poolStats(): PoolStatsResponse {
      return { pools: this.performance.pools().pools() };
    }

    @Get('optimization/status')
    @Header('Cache-Control', 'no-store')
    status(): OptimizationStatusResponse {
      return this.performance.status();
    }
  }

  @Controller(metricsPath)
  @UseGuards(PerformanceAccessGuard)
  class MetricsController {
    constructor(private readonly prometheus: PrometheusService) {}

    @Get()
    @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
    @Header('Cache-Control', 'no-store')
    async metrics(): Promise<string> {
      if (!this.prometheus.registry) throw new NotFoundException('Prometheus metrics are off');
      return this.prometheus.metrics();
    }
  }

  return [PerformanceController, MetricsController];
}
