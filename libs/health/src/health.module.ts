import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { PERF_POOLS } from '@nest-perf/core';
import { CacheHealthIndicator } from './cache-health.indicator';
import { PoolHealthIndicator } from './pool-health.indicator';
import { PoolMetrics } from './pool-metrics';
import { PoolStatsService } from './pool-stats.service';

/**
 * Makes {@link PoolHealthIndicator}, {@link CacheHealthIndicator}, {@link PoolMetrics} and
 * {@link PoolStatsService} injectable. Import it next to `TerminusModule` in the module of your `HealthController`; it has
 * no options. The default DataSource is found at check time, so the order of imports does not
 * matter.
 *
 * @example
 * \@Module({ imports: [TerminusModule, PerfHealthModule], controllers: [HealthController] })
 * export class HealthModule {}
 */
@Module({
  imports: [TerminusModule, DiscoveryModule],
  providers: [
    PoolMetrics,
    PoolHealthIndicator,
    CacheHealthIndicator,
    PoolStatsService,
    // PERF_POOLS lets @nest-perf/metrics show the pools without importing this library.
    { provide: PERF_POOLS, useExisting: PoolStatsService },
  ],
  exports: [PoolMetrics, PoolHealthIndicator, CacheHealthIndicator, PoolStatsService, PERF_POOLS],
})
export class PerfHealthModule {}
