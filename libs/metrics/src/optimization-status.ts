import type { PerfCacheStatsHandle } from '@nest-perf/core';
import type { PerformanceTargets } from './interfaces/performance-module-options.interface';
import type {
  HttpStatsResponse,
  OptimizationStatusResponse,
  TargetStatus,
} from './performance.types';

/** What the targets are compared with; undefined where the source is not installed. @internal */
export interface CurrentValues {
  http: HttpStatsResponse | undefined;
  cache: PerfCacheStatsHandle | undefined;
  queries: { slowQueries: number; nPlusOne: number } | undefined;
}

const NOT_INSTALLED = (what: string) => `${what} is not installed`;

function line(
  name: string,
  description: string,
  target: number,
  comparison: '<=' | '>=',
  current: number | null,
  detail?: string,
): TargetStatus {
  const met = current === null ? null : comparison === '<=' ? current <= target : current >= target;
  return { name, description, target, comparison, current, met, ...(detail ? { detail } : {}) };
}

/**
 * Compares the targets with the current values. A target whose value is unknown (module not
 * installed, no traffic yet) has `current: null, met: null` and does not fail the whole.
 * @internal
 */
export function optimizationStatus(
  targets: Required<PerformanceTargets>,
  now: CurrentValues,
): OptimizationStatusResponse {
  const lines: TargetStatus[] = [];

  const http = now.http;
  if (!http) {
    lines.push(
      line('p95Ms', 'HTTP p95 latency, ms', targets.p95Ms, '<=', null, 'HTTP statistics are off'),
    );
  } else if (http.total.count === 0) {
    lines.push(line('p95Ms', 'HTTP p95 latency, ms', targets.p95Ms, '<=', null, 'no requests yet'));
  } else {
    const slow = http.routes
      .filter((r) => r.p95Ms > targets.p95Ms)
      .map((r) => `${r.method} ${r.route} p95 ${r.p95Ms} ms`);
    lines.push(
      line(
        'p95Ms',
        'HTTP p95 latency over all requests, ms',
        targets.p95Ms,
        '<=',
        http.total.p95Ms,
        slow.length > 0 ? `over target: ${slow.join(', ')}` : undefined,
      ),
    );
  }

  const cache = now.cache;
  const calls = cache ? cache.total.hits + cache.total.misses : 0;
  const below = Object.entries(cache?.namespaces ?? {})
    .filter(([, s]) => s.hits + s.misses > 0 && s.hitRate < targets.cacheHitRate)
    .map(([ns, s]) => `${ns} ${Math.round(s.hitRate * 1000) / 10}%`);
  lines.push(
    line(
      'cacheHitRate',
      'cache hit rate over all namespaces',
      targets.cacheHitRate,
      '>=',
      cache && calls > 0 ? Math.round(cache.total.hitRate * 10000) / 10000 : null,
      !cache
        ? NOT_INSTALLED('@nest-perf/cache')
        : calls === 0
          ? 'no cache calls yet'
          : below.length > 0
            ? `below target: ${below.join(', ')}`
            : undefined,
    ),
  );

  const queries = now.queries;
  const profiler = queries ? undefined : NOT_INSTALLED('@nest-perf/profiler');
  lines.push(
    line(
      'nPlusOne',
      'distinct N+1 patterns seen',
      targets.nPlusOne,
      '<=',
      queries?.nPlusOne ?? null,
      profiler,
    ),
    line(
      'slowQueries',
      'slow statements since the last reset',
      targets.slowQueries,
      '<=',
      queries?.slowQueries ?? null,
      profiler,
    ),
  );
  return { met: lines.every((l) => l.met !== false), targets: lines };
}
