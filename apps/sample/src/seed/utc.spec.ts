import { utcDateTime } from './utc';

describe('utcDateTime', () => {
  it.each([
    0,
    1,
    999,
    86_399_999,
    86_400_000,
    Date.UTC(2026, 0, 1, 13, 5, 9, 42),
    Date.UTC(1999, 11, 31, 23, 59, 59, 999),
    -1,
  ])('matches toISOString for %p', (ms) => {
    expect(utcDateTime(ms)).toBe(new Date(ms).toISOString().replace('T', ' ').slice(0, 23));
  });
});
