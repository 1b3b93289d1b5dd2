import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { PerfPoolSnapshot, PerfPoolsHandle } from '@nest-perf/core';
import { DataSource } from 'typeorm';
import { adaptersOf } from './pool-drivers';
import { PoolMetrics } from './pool-metrics';

/**
 * Connection counts and timers of every pool of the app's TypeORM DataSources, read without a
 * probe (nothing is acquired). `PerfHealthModule` provides it under `PERF_POOLS`, which is how
 * `@nest-perf/metrics` shows pools on its dashboard and in `/metrics`. `pg` pools are instrumented
 * when the app starts (and any DataSource initialized later when first listed), so acquire and
 * usage times are recorded from then on.
 *
 * @example
 * const [primary] = poolStats.pools(); // { name: 'default', driver: 'postgres', active: 3, ... }
 */
@Injectable()
export class PoolStatsService implements PerfPoolsHandle, OnApplicationBootstrap {
  private found: { name: string; dataSource: DataSource }[] | undefined;

  constructor(
    private readonly metrics: PoolMetrics,
    private readonly discovery: DiscoveryService,
  ) {}

  /** Lists the pools once at startup, so `pg` acquires are timed from the first request on. */
  onApplicationBootstrap(): void {
    this.pools();
  }

  /** Every pool of every initialized DataSource, primaries before their replicas. */
  pools(): PerfPoolSnapshot[] {
    const snapshots: PerfPoolSnapshot[] = [];
    for (const { name, dataSource } of this.dataSources()) {
      if (!dataSource.isInitialized) continue;
      const driver = String(dataSource.options.type);
      const adapters = adaptersOf(dataSource.driver);
      if (adapters.length === 0) {
        snapshots.push({ name, driver, pooled: false, timeouts: 0, errors: 0 });
        continue;
      }
      adapters.forEach((adapter, i) => {
        if (adapter.kind === 'pg') this.metrics.instrumentPg(adapter.pool as never);
        const metrics = this.metrics.snapshot(adapter.pool);
        snapshots.push({
          name: i === 0 ? name : `${name}/replica-${i - 1}`,
          driver,
          pooled: true,
          ...adapter.stats(),
          acquire: metrics.acquire,
          usage: metrics.usage,
          timeouts: metrics.timeouts,
          errors: metrics.errors,
        });
      });
    }
    return snapshots;
  }

  // Providers are fixed once the app is up, so they are looked up once.
  private dataSources(): { name: string; dataSource: DataSource }[] {
    if (this.found) return this.found;
    const found = new Map<DataSource, string>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.isDependencyTreeStatic() ? wrapper.instance : undefined;
      if (!(instance instanceof DataSource) || found.has(instance)) continue;
      // @nestjs/typeorm registers the default DataSource under the class, others as `<name>DataSource`.
      const token = wrapper.token;
      const name =
        typeof token === 'string' && token.endsWith('DataSource') && token !== 'DataSource'
          ? token.slice(0, -'DataSource'.length)
          : 'default';
      found.set(instance, name);
    }
    this.found = [...found].map(([dataSource, name]) => ({ name, dataSource }));
    return this.found;
  }
}
