export { PerfCacheModule } from './cache.module';
export { PerfCacheService } from './cache.service';
export type { CacheCallOptions, CacheSetOptions, CachePing, InvalidateSpec } from './cache.service';
export { Cached } from './decorators/cached.decorator';
export type { CachedOptions } from './decorators/cached.decorator';
export { InvalidateCache } from './decorators/invalidate-cache.decorator';
export type { InvalidateCacheOptions } from './decorators/invalidate-cache.decorator';
export { CACHE_METHOD_METADATA } from './cache.constants';
export { PerfCacheOptionsError, CacheDecoratorError } from './cache.errors';
export type { CacheStats, CacheNamespaceStats } from './cache.stats';
export type { CircuitState } from './stores/resilient-l2';
export type {
  PerfCacheModuleOptions,
  L1Options,
  L2Options,
  L2ResilienceOptions,
  RedisL2Options,
  RedisClusterL2Options,
  KeyvL2Options,
  CacheManagerL2Options,
} from './interfaces/cache-module-options.interface';
export type { KeyvLike, CacheManagerLike } from './interfaces/l2-store.interface';
export { encodeKey, escapeGlob, glob, CacheKeyError } from './utils/key-encoding';
export { CacheSerializationError } from './utils/serializer';
export { TTL, parseDuration } from '@nest-perf/core';
export type { Duration } from '@nest-perf/core';
