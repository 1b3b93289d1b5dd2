import { Controller, Get } from '@nestjs/common';
import { CacheHealthIndicator, PoolHealthIndicator } from '@nest-perf/health';
import { HealthCheck, HealthCheckService, MemoryHealthIndicator } from '@nestjs/terminus';

/** Heap above this marks the app unhealthy (the sample's working set is well under 200 MB). */
const MAX_HEAP_BYTES = 512 * 1024 * 1024;

/** `GET /health`: the database pool, the cache and the heap, in Terminus' format (503 when down). */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly pool: PoolHealthIndicator,
    private readonly cache: CacheHealthIndicator,
    private readonly memory: MemoryHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      // A busy pool is normal here; report it as unhealthy only when callers queue.
      () => this.pool.isHealthy('database', { maxUtilization: 1 }),
      () => this.cache.isHealthy('cache'),
      () => this.memory.checkHeap('memory', MAX_HEAP_BYTES),
    ]);
  }
}
