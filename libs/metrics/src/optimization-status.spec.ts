import { DEFAULT_TARGETS } from './metrics.options';
import { optimizationStatus } from './optimization-status';
import type { RouteStats } from './performance.types';

const route = (over: Partial<RouteStats>): RouteStats => ({
  method: 'GET',
  route: '/x',
  count: 10,
  ratePerSec: 1,
  meanMs: 10,
  p50Ms: 10,
  p95Ms: 10,
  p99Ms: 10,
  maxMs: 10,
  statuses: { '2xx': 10 },
  errorRate: 0,
  ...over,
});
const counters = (hits: number, misses: number) => ({
  hits,
  misses,
  l1Hits: hits,
  l2Hits: 0,
  staleServed: 0,
  errors: 0,
  evictions: 0,
  loads: misses,
  loadErrors: 0,
  hitRate: hits + misses > 0 ? hits / (hits + misses) : 0,
});

describe('optimizationStatus', () => {
  it('marks each target met or not and names the routes and namespaces that miss', () => {
    const status = optimizationStatus(DEFAULT_TARGETS, {
      http: {
        since: '',
        total: route({ p95Ms: 600 }),
        routes: [route({ route: '/slow', p95Ms: 900 }), route({ route: '/fast', p95Ms: 5 })],
      },
      cache: { total: counters(7, 3), namespaces: { a: counters(7, 1), b: counters(0, 2) } },
      queries: { slowQueries: 2, nPlusOne: 0 },
    });
    expect(status.met).toBe(false);
    expect(status.targets).toEqual([
      expect.objectContaining({
        name: 'p95Ms',
        current: 600,
        met: false,
        detail: 'over target: GET /slow p95 900 ms',
      }),
      expect.objectContaining({
        name: 'cacheHitRate',
        current: 0.7,
        met: true,
        detail: 'below target: b 0%',
      }),
      expect.objectContaining({ name: 'nPlusOne', current: 0, met: true }),
      expect.objectContaining({ name: 'slowQueries', current: 2, met: false }),
    ]);
  });

  it('leaves targets without data out of the verdict', () => {
    const status = optimizationStatus(DEFAULT_TARGETS, {
      http: { since: '', total: route({ count: 0 }), routes: [] },
      cache: { total: counters(0, 0), namespaces: {} },
      queries: undefined,
    });
    expect(status.met).toBe(true);
    expect(status.targets.map((t) => [t.name, t.current, t.met, t.detail])).toEqual([
      ['p95Ms', null, null, 'no requests yet'],
      ['cacheHitRate', null, null, 'no cache calls yet'],
      ['nPlusOne', null, null, '@nest-perf/profiler is not installed'],
      ['slowQueries', null, null, '@nest-perf/profiler is not installed'],
    ]);
  });
});
