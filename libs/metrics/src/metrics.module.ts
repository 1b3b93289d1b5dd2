import { DynamicModule, Module } from '@nestjs/common';
import type {
  PerformanceModuleOptions,
  PerformanceModuleRoutes,
} from './interfaces/performance-module-options.interface';
import { HttpStatsService } from './http-stats.service';
import { DEFAULT_METRICS_PATH, DEFAULT_PATH, RESOLVED_OPTIONS } from './metrics.constants';
import { PerformanceOptionsError } from './metrics.errors';
import {
  ASYNC_OPTIONS_TYPE,
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN,
  OPTIONS_TYPE,
} from './metrics.module-definition';
import { normalizePath, resolvePerformanceOptions } from './metrics.options';
import { PerformanceAccessGuard } from './performance-access.guard';
import { createPerformanceControllers } from './performance.controller';
import { PerformanceService } from './performance.service';
import { PerformanceSources } from './performance-sources';
import { PrometheusService } from './prometheus.service';

/**
 * The `/performance` routes (dashboard, cache/query/HTTP/pool statistics, resets, the workload
 * file, targets vs current values) and Prometheus `/metrics`. Reads the other nest-perf modules'
 * statistics when they are installed and works without them. Off in `NODE_ENV=production`
 * unless a `guard` is given or `enabled: true`.
 *
 * @example
 * \@Module({
 *   imports: [PerformanceModule.forRoot({ targets: { p95Ms: 300 }, guard: AdminGuard })],
 * })
 * export class AppModule {}
 */
@Module({
  providers: [
    {
      provide: RESOLVED_OPTIONS,
      useFactory: (options: PerformanceModuleOptions) => resolvePerformanceOptions(options),
      inject: [MODULE_OPTIONS_TOKEN],
    },
    PerformanceSources,
    PrometheusService,
    HttpStatsService,
    PerformanceService,
    PerformanceAccessGuard,
  ],
  exports: [PerformanceService, HttpStatsService, PrometheusService],
})
export class PerformanceModule extends ConfigurableModuleClass {
  /** The module with its options; `path` and `prometheus.path` place the routes. */
  static override forRoot(options: typeof OPTIONS_TYPE = {}): DynamicModule {
    const prometheus = typeof options?.prometheus === 'object' ? options.prometheus : {};
    return withControllers(super.forRoot(options), {
      path: options?.path,
      metricsPath: prometheus?.path,
    });
  }

  /**
   * The module with options from a factory. The routes' paths go next to the factory
   * (`{ path, metricsPath, useFactory }`), since Nest places routes before factories run.
   */
  static override forRootAsync(
    options: typeof ASYNC_OPTIONS_TYPE & PerformanceModuleRoutes,
  ): DynamicModule {
    const { path, metricsPath, ...rest } = options;
    const module = withControllers(super.forRootAsync(rest), { path, metricsPath });
    return {
      ...module,
      providers: [
        ...(module.providers ?? []).filter(
          (p) => !(typeof p === 'object' && 'provide' in p && p.provide === RESOLVED_OPTIONS),
        ),
        {
          provide: RESOLVED_OPTIONS,
          useFactory: (resolved: PerformanceModuleOptions) => {
            const placed = placedInFactory(resolved);
            if (placed.length > 0) throw new PerformanceOptionsError(placed);
            return resolvePerformanceOptions(resolved);
          },
          inject: [MODULE_OPTIONS_TOKEN],
        },
      ],
    };
  }
}

function withControllers(module: DynamicModule, routes: PerformanceModuleRoutes): DynamicModule {
  const problems: string[] = [];
  const path = normalizePath(routes.path ?? DEFAULT_PATH, 'path', problems);
  const metricsPath = normalizePath(
    routes.metricsPath ?? DEFAULT_METRICS_PATH,
    'prometheus.path',
    problems,
  );
  if (problems.length === 0 && (path === metricsPath || path.startsWith(`${metricsPath}/`))) {
    problems.push(`path '${path}' and prometheus.path '${metricsPath}' overlap`);
  }
  if (problems.length > 0) throw new PerformanceOptionsError(problems);
  return {
    ...module,
    controllers: [
      ...(module.controllers ?? []),
      ...createPerformanceControllers(path, metricsPath),
    ],
  };
}

// Paths returned by an async factory come too late to place routes: say so instead of ignoring them.
function placedInFactory(options: PerformanceModuleOptions | undefined): string[] {
  const problems: string[] = [];
  if (options?.path !== undefined) {
    problems.push(
      'path must be given to forRootAsync({ path, useFactory }), not returned by useFactory',
    );
  }
  if (typeof options?.prometheus === 'object' && options.prometheus.path !== undefined) {
    problems.push(
      'prometheus.path must be given to forRootAsync({ metricsPath, useFactory }), not returned by useFactory',
    );
  }
  return problems;
}
