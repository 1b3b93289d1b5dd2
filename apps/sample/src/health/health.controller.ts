import { getHeapStatistics } from 'node:v8';
import { Controller, Get } from '@nestjs/common';
import { CacheHealthIndicator, PoolHealthIndicator } from '@nest-perf/health';
import { HealthCheck, HealthCheckService, MemoryHealthIndicator } from '@nestjs/terminus';

/**
 * Heap above 90% of V8's limit (`--max-old-space-size`, or Node's default for the machine) marks
 * the app unhealthy: it is about to fail with out-of-memory. A fixed figure would be wrong for
 * whoever sizes the heap differently, including the test runner whose workers host the app.
 */
const MAX_HEAP_BYTES = Math.floor(getHeapStatistics().heap_size_limit * 0.9);

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
