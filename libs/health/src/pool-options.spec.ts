import { PoolOptionsError } from './health.errors';
import { poolOptions } from './pool-options';

describe('poolOptions', () => {
  it('gives pg settings per environment, the burst being the connections between min and max', () => {
    expect(poolOptions('production')).toEqual({
      max: 30,
      min: 20,
      idleTimeoutMillis: 10_000,
      connectionTimeoutMillis: 5_000,
    });
    expect(poolOptions('development')).toMatchObject({ max: 7, min: 5 });
    expect(poolOptions('test')).toMatchObject({ max: 1, min: 1 });
  });

  it('gives mysql2 settings with the same sizes', () => {
    expect(poolOptions('production', { driver: 'mysql' })).toEqual({
      connectionLimit: 30,
      maxIdle: 20,
      idleTimeout: 10_000,
      connectTimeout: 5_000,
      queueLimit: 0,
    });
  });

  it('applies overrides, durations as strings included', () => {
    expect(poolOptions('production', { max: 50, idleTimeout: '30s', acquireTimeout: 250 })).toEqual(
      {
        max: 50,
        min: 20,
        idleTimeoutMillis: 30_000,
        connectionTimeoutMillis: 250,
      },
    );
    // A max below the preset's kept connections lowers min with it.
    expect(poolOptions('production', { max: 4 })).toMatchObject({ max: 4, min: 4 });
    expect(poolOptions('development', { min: 0 })).toMatchObject({ max: 7, min: 0 });
  });

  it('rejects an unknown environment, naming the valid ones', () => {
    expect(() => poolOptions('staging' as never)).toThrow(PoolOptionsError);
    expect(() => poolOptions('staging' as never)).toThrow(
      /env must be one of 'production', 'development', 'test' \(got 'staging'\)/,
    );
  });

  it('lists every problem in one error', () => {
    let error: PoolOptionsError | undefined;
    try {
      poolOptions(
        'prod' as never,
        {
          max: 0,
          min: -1,
          idleTimeout: 'soon' as never,
          driver: 'oracle' as never,
          size: 3,
        } as never,
      );
    } catch (e) {
      error = e as PoolOptionsError;
    }
    expect(error).toBeInstanceOf(PoolOptionsError);
    expect(error?.name).toBe('PoolOptionsError');
    expect(error?.problems).toEqual([
      expect.stringMatching(/^env must be one of/),
      expect.stringMatching(/^unknown override 'size'/),
      expect.stringMatching(/^driver must be 'postgres' or 'mysql' \(got 'oracle'\)/),
      'max must be an integer >= 1 (got 0)',
      'min must be an integer >= 0 (got -1)',
      expect.stringMatching(/^idleTimeout must be a duration .* \(got 'soon'\)/),
    ]);
    expect(error?.message).toMatch(/^poolOptions\(\): invalid arguments:\n {2}- env must be/);
  });

  it('rejects min above max', () => {
    expect(() => poolOptions('test', { min: 3, max: 2 })).toThrow(
      /min must be <= max \(got min 3, max 2\)/,
    );
  });
});
