import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { PerfCacheHandle, PerfPoolsHandle, PerfQueryProfilerHandle } from '@nest-perf/core';
import { HttpStatsService } from './http-stats.service';
import { RESOLVED_OPTIONS } from './metrics.constants';
import type { ResolvedPerformanceOptions } from './metrics.options';
import { optimizationStatus } from './optimization-status';
import { PerformanceSources } from './performance-sources';
import type { OptimizationStatusResponse } from './performance.types';

/**
 * What the `/performance` routes serve, for apps that want the same numbers elsewhere (a log
 * line, an admin page): the installed modules' statistics and the targets' status.
 *
 * @example
 * const { met, targets } = performance.status();
 */
@Injectable()
export class PerformanceService {
  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedPerformanceOptions,
    private readonly sources: PerformanceSources,
    private readonly httpStats: HttpStatsService,
  ) {}

  /** How often the dashboard refreshes, ms. @internal */
  get refreshMs(): number {
    return this.options.refreshMs;
  }

  /** Which sources are installed (the dashboard asks only those). @internal */
  available(): { http: boolean; cache: boolean; profiler: boolean; pools: boolean } {
    const { cache, queries, pools } = this.sources;
    return { http: this.options.http, cache: !!cache, profiler: !!queries, pools: !!pools };
  }

  /** The cache's statistics; 404 when `@nest-perf/cache` is not installed. */
  cache(): PerfCacheHandle {
    return this.sources.cache ?? missing('@nest-perf/cache', 'PerfCacheModule');
  }

  /** The query profiler; 404 when `@nest-perf/profiler` is not installed. */
  queries(): PerfQueryProfilerHandle {
    return this.sources.queries ?? missing('@nest-perf/profiler', 'QueryProfilerModule');
  }

  /** The pools; 404 when `@nest-perf/health` is not installed. */
  pools(): PerfPoolsHandle {
    return this.sources.pools ?? missing('@nest-perf/health', 'PerfHealthModule');
  }

  /** HTTP statistics per route template; 404 when `http: false`. */
  http(): HttpStatsService {
    if (!this.options.http) {
      throw new NotFoundException('HTTP statistics are off (PerformanceModule option http: false)');
    }
    return this.httpStats;
  }

  /** The targets against the current values. */
  status(): OptimizationStatusResponse {
    const { cache, queries } = this.sources;
    const summary = queries?.summary();
    return optimizationStatus(this.options.targets, {
      http: this.options.http ? this.httpStats.snapshot() : undefined,
      cache: cache?.stats(),
      queries: summary
        ? { slowQueries: summary.slowQueries, nPlusOne: summary.nPlusOne }
        : undefined,
    });
  }
}

function missing(pkg: string, module: string): never {
  throw new NotFoundException(`${pkg} is not installed (import ${module} to get these statistics)`);
}
