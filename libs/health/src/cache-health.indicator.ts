import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import { PERF_CACHE } from '@nest-perf/core';
import type { PerfCacheHandle } from '@nest-perf/core';

/**
 * Terminus health indicator for `@nest-perf/cache`: L2 (Redis) ping latency, circuit-breaker
 * state and hit rate. Finds the cache through the `PERF_CACHE` token, so it works without the
 * cache module installed: then it reports up with `{ cache: 'not installed' }`.
 *
 * Down when L2 is configured and does not answer the ping, or its circuit is open (the cache is
 * then serving from L1 only and every request reaches the database). Up otherwise, with
 * `{ l1: { enabled, entries }, l2: { configured, store, up, latencyMs, circuit }, hitRate }`.
 * Never throws.
 *
 * @example
 * this.health.check([() => this.cache.isHealthy('cache')])
 */
@Injectable()
export class CacheHealthIndicator {
  private readonly logger = new Logger(CacheHealthIndicator.name);

  constructor(
    private readonly health: HealthIndicatorService,
    @Optional() @Inject(PERF_CACHE) private readonly cache?: PerfCacheHandle,
  ) {}

  /** Pings the cache's L2 and reports its state under `key`. */
  async isHealthy<const Key extends string>(key: Key): Promise<HealthIndicatorResult<Key>> {
    const session = this.health.check(key);
    if (!this.cache) return session.up({ cache: 'not installed' });
    try {
      const ping = await this.cache.ping();
      const { total } = this.cache.stats();
      const details = {
        l1: ping.l1,
        l2: ping.l2,
        hitRate: Math.round(total.hitRate * 1000) / 1000,
        hits: total.hits,
        misses: total.misses,
      };
      if (ping.l2.configured && !ping.l2.up) {
        return session.down({ ...details, message: `L2 ${ping.l2.store} is not answering` });
      }
      if (ping.l2.configured && ping.l2.circuit === 'open') {
        return session.down({ ...details, message: `L2 ${ping.l2.store} circuit is open` });
      }
      return session.up(details);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.logger.error(`cache health check '${key}' failed: ${message}`);
      return session.down({ message });
    }
  }
}
