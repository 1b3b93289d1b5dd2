import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CacheHealthIndicator } from './cache-health.indicator';
import { PoolHealthIndicator } from './pool-health.indicator';
import { PoolMetrics } from './pool-metrics';

/**
 * Makes {@link PoolHealthIndicator}, {@link CacheHealthIndicator} and {@link PoolMetrics}
 * injectable. Import it next to `TerminusModule` in the module of your `HealthController`; it has
 * no options. The default DataSource is found at check time, so the order of imports does not
 * matter.
 *
 * @example
 * \@Module({ imports: [TerminusModule, PerfHealthModule], controllers: [HealthController] })
 * export class HealthModule {}
 */
@Module({
  imports: [TerminusModule],
  providers: [PoolMetrics, PoolHealthIndicator, CacheHealthIndicator],
  exports: [PoolMetrics, PoolHealthIndicator, CacheHealthIndicator],
})
export class PerfHealthModule {}
