import { POOL_HEALTH_DEFAULTS, resolvePoolHealthOptions } from './pool-health.indicator';

describe('PoolHealthIndicator options', () => {
  it('defaults to maxWaiting 0, maxUtilization 0.9, timeout 1000 ms', () => {
    expect(POOL_HEALTH_DEFAULTS).toEqual({ maxWaiting: 0, maxUtilization: 0.9, timeoutMs: 1000 });
    expect(resolvePoolHealthOptions({})).toEqual({
      maxWaiting: 0,
      maxUtilization: 0.9,
      timeoutMs: 1000,
    });
  });

  it('accepts durations as strings', () => {
    expect(resolvePoolHealthOptions({ timeout: '2s', maxWaiting: 5, maxUtilization: 1 })).toEqual({
      maxWaiting: 5,
      maxUtilization: 1,
      timeoutMs: 2000,
    });
  });

  it('lists every invalid option', () => {
    expect(
      resolvePoolHealthOptions({
        maxWaiting: -1,
        maxUtilization: 1.5,
        timeout: 'later' as never,
        dataSource: {} as never,
      }),
    ).toEqual([
      'maxWaiting must be an integer >= 0 (got -1)',
      'maxUtilization must be a number from 0 to 1 (got 1.5)',
      "timeout must be a duration such as 1000 or '1s' (got 'later')",
      'dataSource must be a TypeORM DataSource (got object)',
    ]);
    expect(resolvePoolHealthOptions({ timeout: 0 })).toEqual(['timeout must be > 0 (got 0)']);
  });
});
