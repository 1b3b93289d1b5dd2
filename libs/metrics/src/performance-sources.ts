import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { PERF_CACHE, PERF_POOLS, PERF_QUERY_PROFILER } from '@nest-perf/core';
import type { PerfCacheHandle, PerfPoolsHandle, PerfQueryProfilerHandle } from '@nest-perf/core';

/**
 * The statistics of the other nest-perf modules, found through the `@nest-perf/core` tokens
 * anywhere in the app (they need not be global or imported here). Each is undefined when its
 * module is not installed. Looked up on first use, when every provider exists.
 * @internal
 */
@Injectable()
export class PerformanceSources {
  private found:
    | { cache?: PerfCacheHandle; queries?: PerfQueryProfilerHandle; pools?: PerfPoolsHandle }
    | undefined;

  constructor(private readonly moduleRef: ModuleRef) {}

  /** `@nest-perf/cache` (`PerfCacheModule`). */
  get cache(): PerfCacheHandle | undefined {
    return this.lookup().cache;
  }

  /** `@nest-perf/profiler` (`QueryProfilerModule`). */
  get queries(): PerfQueryProfilerHandle | undefined {
    return this.lookup().queries;
  }

  /** `@nest-perf/health` (`PerfHealthModule`). */
  get pools(): PerfPoolsHandle | undefined {
    return this.lookup().pools;
  }

  private lookup() {
    return (this.found ??= {
      cache: this.find<PerfCacheHandle>(PERF_CACHE),
      queries: this.find<PerfQueryProfilerHandle>(PERF_QUERY_PROFILER),
      pools: this.find<PerfPoolsHandle>(PERF_POOLS),
    });
  }

  private find<T>(token: symbol): T | undefined {
    try {
      return this.moduleRef.get<T>(token, { strict: false });
    } catch {
      return undefined; // that module is not installed
    }
  }
}
