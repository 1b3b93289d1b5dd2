import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { PERF_CACHE } from '@nest-perf/core';
import { CacheExplorer } from './cache.explorer';
import { ConfigurableModuleClass, OPTIONS_TYPE } from './cache.module-definition';
import { PerfCacheService } from './cache.service';

/**
 * Method caching for the whole app: import once, in the root module. Global by default
 * (`isGlobal: false` to scope it).
 *
 * @example
 * \@Module({ imports: [PerfCacheModule.forRoot({ l2: { url: 'redis://127.0.0.1:6379' } })] })
 * export class AppModule {}
 *
 * PerfCacheModule.forRootAsync({
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ l2: { url: config.getOrThrow('REDIS_URL') } }),
 * })
 */
@Module({
  imports: [DiscoveryModule],
  // PERF_CACHE lets other nest-perf libraries (health, metrics) find the cache without importing it.
  providers: [
    PerfCacheService,
    CacheExplorer,
    { provide: PERF_CACHE, useExisting: PerfCacheService },
  ],
  exports: [PerfCacheService, PERF_CACHE],
})
export class PerfCacheModule extends ConfigurableModuleClass {
  /** The module with its options; `forRoot()` alone is memory only with the defaults. */
  static override forRoot(options: typeof OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }
}
