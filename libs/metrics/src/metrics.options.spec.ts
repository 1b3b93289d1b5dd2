import { DEFAULT_TARGETS, resolvePerformanceOptions } from './metrics.options';
import { PerformanceOptionsError } from './metrics.errors';

class AdminGuard {
  canActivate() {
    return true;
  }
}

describe('resolvePerformanceOptions', () => {
  it('is on outside production and off in production unless a guard or enabled is given', () => {
    expect(resolvePerformanceOptions({}, 'development').enabled).toBe(true);
    expect(resolvePerformanceOptions(undefined, undefined).enabled).toBe(true);
    expect(resolvePerformanceOptions({}, 'production').enabled).toBe(false);
    expect(resolvePerformanceOptions({ guard: AdminGuard }, 'production').enabled).toBe(true);
    expect(resolvePerformanceOptions({ enabled: true }, 'production').enabled).toBe(true);
    expect(resolvePerformanceOptions({ enabled: false, guard: AdminGuard }, 'test').enabled).toBe(
      false,
    );
  });

  it('applies defaults', () => {
    const resolved = resolvePerformanceOptions({ targets: { p95Ms: 250 } }, 'test');
    expect(resolved.targets).toEqual({ ...DEFAULT_TARGETS, p95Ms: 250 });
    expect(resolved).toMatchObject({ http: true, refreshMs: 5000 });
    expect(resolved.prometheus).toMatchObject({ defaultMetrics: false, registry: undefined });
    expect(resolvePerformanceOptions({ prometheus: false }, 'test').prometheus).toBeUndefined();
    expect(resolvePerformanceOptions({ refreshInterval: '2s' }, 'test').refreshMs).toBe(2000);
  });

  it('lists every problem in one error', () => {
    let error: unknown;
    try {
      resolvePerformanceOptions(
        { http: 1, prometheus: 'yes', targets: { nPlusOne: 0.5 } } as never,
        'test',
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PerformanceOptionsError);
    expect((error as PerformanceOptionsError).problems).toEqual([
      'targets.nPlusOne must be an integer >= 0 (got 0.5)',
      'http must be true or false (got 1)',
      "prometheus must be true, false or an object (got 'yes')",
    ]);
  });
});
