import { encodeKey, escapeGlob, glob } from '@nest-perf/cache';
import { rawRedis, scanKeys, uniqueVersion, unlinkMatching, type RawRedis } from './support/redis';

// escapeGlob and glob`` against Redis's own matcher: SCAN MATCH with an escaped text finds that
// key and no other, even when the text is full of glob metacharacters.

/** Texts whose unescaped pattern would match some of the others. */
const TEXTS = [
  'a',
  'ab',
  'aaa',
  'a*',
  'a*b',
  'a?',
  'a[b]',
  'a[^b]',
  'a[a-z]',
  'a\\',
  'a\\*',
  'a\\\\',
  '[',
  ']',
  '^',
  '-',
  'é*',
  'a:b',
];

/** Argument lists as a cached method sees them; '42' is the victim of the special ones. */
const ARG_LISTS: unknown[][] = [
  ['42', 'profile'],
  ['42', 'posts'],
  [42, 'profile'],
  ['43', 'profile'],
  ['4*', 'profile'],
  ['4?', 'profile'],
  ['4[0-9]', 'profile'],
  ['4\\', 'profile'],
  [['4', 2], 'profile'],
];

describe('escapeGlob and glob`` against Redis SCAN MATCH', () => {
  let redis: RawRedis;
  let prefix: string;

  beforeAll(async () => {
    redis = await rawRedis();
    prefix = `nest-perf-glob:${uniqueVersion()}:`;
    for (const text of TEXTS) await redis.set(`${prefix}literal:${text}`, text, { EX: 60 });
    for (const args of ARG_LISTS)
      await redis.set(`${prefix}args:${encodeKey(args)}`, '1', { EX: 60 });
  });

  afterAll(async () => {
    if (!redis) return;
    await unlinkMatching(redis, `${escapeGlob(prefix)}*`);
    await redis.close();
  });

  it('stored every key', async () => {
    const all = await scanKeys(redis, `${escapeGlob(prefix)}*`);
    expect(all).toHaveLength(TEXTS.length + ARG_LISTS.length);
  });

  it.each(TEXTS)('an escaped %p matches only that key', async (text) => {
    const matched = await scanKeys(redis, escapeGlob(`${prefix}literal:${text}`));
    expect(matched).toEqual([`${prefix}literal:${text}`]);
  });

  it.each(TEXTS)(
    'an escaped %p followed by * matches only keys that start with it',
    async (text) => {
      const matched = await scanKeys(redis, `${escapeGlob(`${prefix}literal:${text}`)}*`);
      const expected = TEXTS.filter((other) => other.startsWith(text)).map(
        (other) => `${prefix}literal:${other}`,
      );
      expect(matched).toEqual(expected.sort());
    },
  );

  const firsts = [...new Map(ARG_LISTS.map(([first]) => [encodeKey([first]), first])).values()];

  it.each(firsts.map((first) => [first]))(
    'glob`${%p}:*` matches only the keys whose first argument is that value',
    async (first) => {
      const matched = await scanKeys(redis, escapeGlob(`${prefix}args:`) + glob`${first}:*`);
      const expected = ARG_LISTS.filter((args) => encodeKey([args[0]]) === encodeKey([first]));
      expect(matched).toEqual(expected.map((args) => `${prefix}args:${encodeKey(args)}`).sort());
    },
  );
});
