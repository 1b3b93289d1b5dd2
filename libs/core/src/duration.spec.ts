import { InvalidDurationError, isDuration, parseDuration } from './duration';
import { TTL } from './ttl';

describe('parseDuration', () => {
  it.each([
    [0, 0],
    [250, 250],
    [1.6, 2],
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['7d', 604_800_000],
    ['1.5h', 5_400_000],
    [' 2 m ', 120_000],
  ])('parses %p as %p ms', (input, expected) => {
    expect(parseDuration(input as never)).toBe(expected);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, '', '5', '5 minutes', '-5m', '1y', 'ms'])(
    'rejects %p',
    (input) => {
      expect(() => parseDuration(input as never)).toThrow(InvalidDurationError);
      expect(isDuration(input)).toBe(false);
    },
  );

  it('names the option and the accepted forms in the error', () => {
    expect(() => parseDuration('soon' as never, 'PerfCacheModule: defaultTtl')).toThrow(
      "PerfCacheModule: defaultTtl: invalid duration 'soon'; use milliseconds (a number >= 0) or a string such as '500ms', '30s', '5m', '1h', '7d'",
    );
    expect(() => parseDuration({} as never)).toThrow('invalid duration object');
  });
});

describe('TTL', () => {
  it('matches the documented tiers', () => {
    expect(TTL).toEqual({
      SHORT: parseDuration('1m'),
      MEDIUM: parseDuration('5m'),
      LONG: parseDuration('15m'),
      VERY_LONG: parseDuration('1h'),
      DAY: parseDuration('1d'),
      WEEK: parseDuration('7d'),
      MONTH: parseDuration('30d'),
    });
    expect(Object.isFrozen(TTL)).toBe(true);
  });
});
