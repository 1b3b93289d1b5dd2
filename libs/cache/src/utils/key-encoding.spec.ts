import fc from 'fast-check';
import {
  CacheKeyError,
  encodeKey,
  encodeKeyPart,
  escapeGlob,
  finalizeKey,
  glob,
} from './key-encoding';

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

class Vector {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

class Money {
  constructor(
    private readonly cents: bigint,
    private readonly currency: string,
  ) {}

  toJSON(): string {
    return `${this.cents} ${this.currency}`;
  }
}

const date = new Date('2024-01-01T00:00:00.000Z');

describe('encodeKey', () => {
  it.each<[string, unknown, string]>([
    ['a readable string and number', ['u42', 7], 'u42:7'],
    ['no arguments', [], ''],
    ['an empty string', [''], '""'],
    ['a string that reads as a number', ['42'], '"42"'],
    ['a string with a separator or a space', ['a:b', 'x y'], '"a:b":"x y"'],
    [
      'emails, paths, slugs and uuids bare',
      ['a@b.io', '/api/x', 'my-post_2'],
      'a@b.io:/api/x:my-post_2',
    ],
    ['a uuid', ['550e8400-e29b-41d4-a716-446655440000'], '550e8400-e29b-41d4-a716-446655440000'],
    ['an object with sorted keys', [{ status: 'open', limit: 10 }], '{limit:10,status:open}'],
    ['numbers', [-1.5, 1e21, Number.NaN, Number.NEGATIVE_INFINITY], '-1.5:1e+21:NaN:-Infinity'],
    ['-0 as 0', [-0], '0'],
    ['a bigint', [12n], '12n'],
    ['the words', [true, false, null, undefined], 'true:false:null:undefined'],
    [
      'the words as strings',
      ['true', 'null', 'undefined', 'NaN'],
      '"true":"null":"undefined":"NaN"',
    ],
    ['dates', [date, new Date(Number.NaN)], '@2024-01-01T00:00:00.000Z:@invalid'],
    ['bytes', [Buffer.from([0, 255]), new Uint8Array([1])], '#00ff:#01'],
    ['nested arrays', [[1, [2, 'a']]], '[1,[2,a]]'],
    [
      'a Map sorted by key',
      [
        new Map<unknown, unknown>([
          ['b', 1],
          [2, 'x'],
        ]),
      ],
      'Map(2=>x,b=>1)',
    ],
    ['a Set sorted', [new Set(['b', 1])], 'Set(1,b)'],
    ['a class instance', [new Point(1, 2)], 'Point{x:1,y:2}'],
    ['an instance with toJSON', [new Money(150n, 'EUR')], 'Money<"150 EUR">'],
    ['a URL', [new URL('https://a.io/x')], 'URL<"https://a.io/x">'],
    ['another typed array', [new Int32Array([1, 2])], 'Int32Array[1,2]'],
    ['undefined properties', [{ a: undefined }], '{a:undefined}'],
    ['odd object keys', [{ 'a b': 1, '': 2 }], '{"":2,"a b":1}'],
  ])('writes %s', (_, args, key) => {
    expect(encodeKey(args)).toBe(key);
  });

  it.each<[string, unknown, unknown]>([
    ["'1' and 1", ['1'], [1]],
    ["'1n' and 1n", ['1n'], [1n]],
    ['1n and 1', [1n], [1]],
    ['undefined and null', [undefined], [null]],
    ['undefined and no argument', [undefined], []],
    ["'' and no argument", [''], []],
    ["'undefined' and undefined", ['undefined'], [undefined]],
    ["'null' and null", ['null'], [null]],
    ["'true' and true", ['true'], [true]],
    ["'false' and false", ['false'], [false]],
    ["'NaN' and NaN", ['NaN'], [Number.NaN]],
    ["'Infinity' and Infinity", ['Infinity'], [Number.POSITIVE_INFINITY]],
    ["'-Infinity' and -Infinity", ['-Infinity'], [Number.NEGATIVE_INFINITY]],
    ['Infinity and -Infinity', [Number.POSITIVE_INFINITY], [Number.NEGATIVE_INFINITY]],
    ['{a: undefined} and {}', [{ a: undefined }], [{}]],
    ['{a: undefined} and {a: null}', [{ a: undefined }], [{ a: null }]],
    ['a Date and its ISO string', [date], [date.toISOString()]],
    ['a Date and its time', [date], [date.getTime()]],
    ["a Date and '@' + ISO", [date], [`@${date.toISOString()}`]],
    ['an invalid Date and NaN', [new Date(Number.NaN)], [Number.NaN]],
    ["an invalid Date and '@invalid'", [new Date(Number.NaN)], ['@invalid']],
    ['an invalid Date and epoch', [new Date(Number.NaN)], [new Date(0)]],
    ['a Buffer and its text', [Buffer.from('ab')], ['ab']],
    ['a Buffer and its hex', [Buffer.from('ab')], ['#6162']],
    ['a Buffer and its bytes as numbers', [Buffer.from('ab')], [[0x61, 0x62]]],
    ['an empty Buffer and an empty string', [Buffer.alloc(0)], ['']],
    ['a Map and an object', [new Map([['a', 1]])], [{ a: 1 }]],
    ['a Map and its entries', [new Map([['a', 1]])], [[['a', 1]]]],
    ['a Map key 1 and key "1"', [new Map([[1, 1]])], [new Map([['1', 1]])]],
    ['a Set and an array', [new Set([1])], [[1]]],
    ['an empty Set and an empty Map', [new Set()], [new Map()]],
    ['[] and {}', [[]], [{}]],
    ['one array and two arguments', [[1, 2]], [1, 2]],
    ["'a:b' and 'a', 'b'", ['a:b'], ['a', 'b']],
    ["'a,b' and ['a', 'b']", ['a,b'], [['a', 'b']]],
    ["['a,b'] and ['a', 'b'] nested", [['a,b']], [['a', 'b']]],
    ['two classes with the same fields', [new Point(1, 2)], [new Vector(1, 2)]],
    ['a class instance and a plain object', [new Point(1, 2)], [{ x: 1, y: 2 }]],
    ["a class instance and 'Point{x:1,y:2}'", [new Point(1, 2)], ['Point{x:1,y:2}']],
    ['an Int32Array and an array', [new Int32Array([1])], [[1]]],
    ['an Int32Array and a Float64Array', [new Int32Array([1])], [new Float64Array([1])]],
    ['nested objects', [{ a: { b: 1 } }], [{ a: { b: '1' } }]],
    ['object key "a:b" and nested keys', [{ 'a:b': 1 }], [{ a: { b: 1 } }]],
    ['object key "a:1,b" and two keys', [{ 'a:1,b': 2 }], [{ a: 1, b: 2 }]],
    ['a string with a quote', ['"a"'], ['a']],
    ['a string with a backslash', ['a\\b'], ['a\\\\b']],
  ])('tells %s apart', (_, a, b) => {
    expect(encodeKey(a)).not.toBe(encodeKey(b));
  });

  it.each<[string, unknown, unknown]>([
    ['objects whatever their key order', [{ a: 1, b: 2 }], [{ b: 2, a: 1 }]],
    [
      'nested objects whatever their key order',
      [{ x: { a: [1], b: 2 } }],
      [{ x: { b: 2, a: [1] } }],
    ],
    ['-0 and 0', [-0], [0]],
    [
      'Maps whatever their order',
      [
        new Map([
          ['a', 1],
          ['b', 2],
        ]),
      ],
      [
        new Map([
          ['b', 2],
          ['a', 1],
        ]),
      ],
    ],
    ['Sets whatever their order', [new Set([1, 'a', 2])], [new Set([2, 1, 'a'])]],
    [
      'a Buffer and a Uint8Array with the same bytes',
      [Buffer.from([1, 2])],
      [new Uint8Array([1, 2])],
    ],
    [
      'a view and a copy of the same bytes',
      [new Uint8Array([9, 1, 2, 9]).subarray(1, 3)],
      [Buffer.from([1, 2])],
    ],
    // eslint-disable-next-line no-sparse-arrays
    ['a hole and undefined', [[, 1]], [[undefined, 1]]],
    [
      'a null-prototype object and a plain one',
      [Object.assign(Object.create(null), { a: 1 })],
      [{ a: 1 }],
    ],
    ['a single value and a one-element list', 'u42', ['u42']],
    ['a single object and a one-element list', { a: 1 }, [{ a: 1 }]],
  ])('gives the same key to %s', (_, a, b) => {
    expect(encodeKey(a)).toBe(encodeKey(b));
  });

  it('encodes a shared (not circular) object each time it appears', () => {
    const shared = { id: 1 };
    expect(encodeKey([shared, [shared]])).toBe('{id:1}:[{id:1}]');
  });

  it.each<[string, unknown, RegExp]>([
    ['a function', [() => 1], /args\[0\] is a function/],
    ['a symbol deep inside', [1, { a: { b: [Symbol('s')] } }], /args\[1\]\.a\.b\[0\] is a symbol/],
    [
      'a function property of a class instance',
      [{ handler: { run() {} } }],
      /args\[0\]\.handler\.run/,
    ],
    ['a function as a Map value', [new Map([['k', () => 1]])], /args\[0\]\.get\(k\) is a function/],
    ['a function as a Map key', [new Map([[() => 1, 1]])], /args\[0\] \(a Map key\) is a function/],
    ['a function in a Set', [new Set([() => 1])], /args\[0\] \(a Set member\) is a function/],
    ['a Promise', [Promise.resolve(1)], /args\[0\] is a Promise/],
    ['an Error', [new Error('x')], /args\[0\] is an Error/],
    [
      'a WeakMap',
      [new WeakMap()],
      /args\[0\] is a WeakMap object, whose state is not in enumerable/,
    ],
    ['a RegExp', [/x/], /args\[0\] is a RegExp/],
    ['a boxed number', [Object(1)], /args\[0\] is a Number/],
    ['an ArrayBuffer', [new ArrayBuffer(2)], /args\[0\] is a ArrayBuffer object/],
    [
      'a function next to a toJSON that is not a method',
      [{ toJSON: 1, x: () => 1 }],
      /args\[0\]\.x is a function/,
    ],
  ])('throws CacheKeyError for %s', (_, args, message) => {
    expect(() => encodeKey(args)).toThrow(CacheKeyError);
    expect(() => encodeKey(args)).toThrow(message);
  });

  it('names the fix in the message and the error', () => {
    let error: unknown;
    try {
      encodeKey([() => 1]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CacheKeyError);
    expect((error as Error).name).toBe('CacheKeyError');
    expect((error as Error).message).toMatch(/pass a `key` function to @Cached\(\)/);
  });

  it('throws CacheKeyError for circular references', () => {
    const object: Record<string, unknown> = { a: 1 };
    object.self = object;
    expect(() => encodeKey([object])).toThrow(/args\[0\]\.self refers back .*circular/);
    const list: unknown[] = [1];
    list.push(list);
    expect(() => encodeKey(list)).toThrow(CacheKeyError);
    const map = new Map<string, unknown>();
    map.set('m', { map });
    expect(() => encodeKey([map])).toThrow(CacheKeyError);
    expect(() => encodeKeyPart(object)).toThrow(/value\.self refers back/);
  });

  it('lets errors thrown by toJSON through', () => {
    const failing = new (class Failing {
      toJSON(): never {
        throw new TypeError('boom');
      }
    })();
    expect(() => encodeKey([failing])).toThrow(TypeError);
  });
});

describe('encodeKeyPart', () => {
  it('writes one argument as encodeKey does', () => {
    expect(encodeKeyPart('u42')).toBe('u42');
    expect(encodeKeyPart('42')).toBe('"42"');
    expect(encodeKeyPart(42)).toBe('42');
    expect(encodeKeyPart([1, 2])).toBe('[1,2]');
    expect(encodeKey([[1, 2], 'x'])).toBe(`${encodeKeyPart([1, 2])}:${encodeKeyPart('x')}`);
  });
});

// ---------------------------------------------------------------- properties

/**
 * The equality encodeKey must respect: -0 equals 0, NaN equals NaN, a Buffer equals a Uint8Array
 * with the same bytes, object key order is irrelevant, `{a: undefined}` differs from `{}`, Maps
 * and Sets are multisets of (structurally compared) entries, class instances are equal only to
 * instances of the same class.
 */
function sameKey(a: unknown, b: unknown): boolean {
  if (typeof a !== typeof b) return false;
  if (typeof a === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b));
  if (typeof a !== 'object' || a === null || b === null) return a === b;
  const x = a as object;
  const y = b as object;
  if (x instanceof Uint8Array || y instanceof Uint8Array) {
    return x instanceof Uint8Array && y instanceof Uint8Array && Buffer.from(x).equals(y);
  }
  if (x instanceof Date || y instanceof Date) {
    return x instanceof Date && y instanceof Date && sameKey(x.getTime(), y.getTime());
  }
  if (Array.isArray(x) || Array.isArray(y)) {
    return (
      Array.isArray(x) &&
      Array.isArray(y) &&
      x.length === y.length &&
      x.every((item, i) => sameKey(item, y[i]))
    );
  }
  if (x instanceof Map || y instanceof Map) {
    return x instanceof Map && y instanceof Map && sameMultiset([...x], [...y], sameKey);
  }
  if (x instanceof Set || y instanceof Set) {
    return x instanceof Set && y instanceof Set && sameMultiset([...x], [...y], sameKey);
  }
  if (kind(x) !== kind(y)) return false;
  const keys = Object.keys(x).sort();
  const other = Object.keys(y).sort();
  return (
    keys.length === other.length &&
    keys.every(
      (key, i) =>
        key === other[i] &&
        sameKey((x as Record<string, unknown>)[key], (y as Record<string, unknown>)[key]),
    )
  );
}

function kind(object: object): unknown {
  const proto: unknown = Object.getPrototypeOf(object);
  return proto === null ? Object.prototype : proto;
}

/** Greedy matching is exact here because `equal` is an equivalence relation. */
function sameMultiset<T>(a: T[], b: T[], equal: (x: T, y: T) => boolean): boolean {
  if (a.length !== b.length) return false;
  const unused = [...b];
  return a.every((item) => {
    const index = unused.findIndex((candidate) => equal(item, candidate));
    if (index < 0) return false;
    unused.splice(index, 1);
    return true;
  });
}

/** A copy with every object's keys, Map and Set in reverse order, bytes as the other class. */
function reshuffle(value: unknown): unknown {
  if (typeof value === 'number') return Object.is(value, -0) ? 0 : value === 0 ? -0 : value;
  if (typeof value !== 'object' || value === null) return value;
  if (Buffer.isBuffer(value)) return new Uint8Array(value);
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (value instanceof Date) return new Date(value.getTime());
  if (Array.isArray(value)) return value.map(reshuffle);
  if (value instanceof Map) {
    return new Map([...value].reverse().map(([k, v]) => [reshuffle(k), reshuffle(v)]));
  }
  if (value instanceof Set) return new Set([...value].reverse().map(reshuffle));
  const copy = Object.create(Object.getPrototypeOf(value)) as Record<string, unknown>;
  for (const key of Object.keys(value).reverse()) {
    Object.defineProperty(copy, key, {
      value: reshuffle((value as Record<string, unknown>)[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

/** Characters the encoding itself uses, so that collisions would be likely if it were wrong. */
const trickyString = fc.string({
  unit: fc.constantFrom(...'a1-.ne+:,"\\[]{}()<>=#@~ IN_é'.split('')),
  maxLength: 6,
});
const lookalike = fc.constantFrom(
  ...['', 'true', 'false', 'null', 'undefined', 'NaN', 'Infinity', '-Infinity', '1', '-1'],
  ...['1n', '-0', '0', '1e+21', '1.5', '@invalid', '#', '#01', '[]', '{}', 'Map()', 'Set()'],
);
const anyString = fc.oneof(trickyString, lookalike, fc.string(), fc.string({ unit: 'binary' }));
const key = fc.oneof(trickyString, fc.constantFrom('a', 'b', '__proto__', 'constructor'));

const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('leaf'),
    tie('array'),
    tie('object'),
    tie('map'),
    tie('set'),
    tie('instance'),
  ),
  leaf: fc.oneof(
    anyString,
    fc.double(),
    fc.integer({ min: -3, max: 3 }),
    fc.bigInt({ min: -3n, max: 3n }),
    fc.boolean(),
    fc.constantFrom(null, undefined),
    fc.date({ noInvalidDate: false, min: new Date(-1), max: new Date(1) }),
    fc.date({ noInvalidDate: false }),
    fc.uint8Array({ maxLength: 3 }),
    fc.uint8Array({ maxLength: 3 }).map((bytes) => Buffer.from(bytes)),
  ),
  array: fc.array(tie('value'), { maxLength: 3 }),
  object: fc.dictionary(key, tie('value'), { maxKeys: 3 }),
  map: fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 3 }).map((e) => new Map(e)),
  set: fc.array(tie('value'), { maxLength: 3 }).map((members) => new Set(members)),
  instance: fc
    .tuple(fc.constantFrom(Point, Vector), tie('value'), tie('value'))
    .map(([Class, x, y]) => new Class(x as number, y as number)),
}));
const args = fc.array(value, { maxLength: 3 });

/**
 * A small domain where distinct values that could be confused meet often: each value next to
 * strings that look like it, numbers next to bigints, dates next to their times.
 */
const confusable = fc.constantFrom<unknown>(
  ...[0, 1, -1, 1.5, 1e21, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
  ...[1n, -1n, true, false, null, undefined, '', 'a', 'a:b', 'a,b', '"a"', '[]', '{}'],
  ...['1', '-1', '1.5', '1e+21', 'NaN', 'Infinity', '-Infinity', '1n', '-1n', 'true', 'null'],
  ...['undefined', '@invalid', '#', '#01', 'Map()', 'Set()', 'Point{x:1,y:2}', 'x=>1'],
  new Date(0),
  new Date(Number.NaN),
  new Date(0).toISOString(),
  `@${new Date(0).toISOString()}`,
  Buffer.from([1]),
  Buffer.alloc(0),
  [],
  {},
  new Map(),
  new Set(),
);
const { small } = fc.letrec((tie) => ({
  small: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    confusable,
    fc.array(tie('small'), { maxLength: 2 }),
    fc.dictionary(fc.constantFrom('a', 'b', '1', '', 'a:b', 'a:1,b'), tie('small'), { maxKeys: 2 }),
    fc.array(fc.tuple(tie('small'), tie('small')), { maxLength: 2 }).map((e) => new Map(e)),
    fc.array(tie('small'), { maxLength: 2 }).map((members) => new Set(members)),
    fc
      .tuple(fc.constantFrom(Point, Vector), confusable)
      .map(([Class, x]) => new Class(1, x as number)),
  ),
}));
const smallArgs = fc.array(small, { maxLength: 3 });

/** Lists built from the text of `list`'s key: each would collide with it if the key leaked. */
function impostors(list: unknown[]): unknown[][] {
  const key = encodeKey(list);
  const parts = key.split(':');
  return [
    list.map((item) => encodeKeyPart(item)),
    [list.map((item) => encodeKeyPart(item))],
    [key],
    parts,
    parts.map(Number),
    parts.map((part) => part.replace(/^"|"$/g, '')),
    key.split(/[:,]/),
  ];
}

describe('encodeKey properties', () => {
  it('gives distinct argument lists distinct keys, and equal ones equal keys', () => {
    const anyArgs = fc.oneof(smallArgs, args);
    fc.assert(
      fc.property(anyArgs, anyArgs, (a, b) => {
        expect(encodeKey(a) === encodeKey(b)).toBe(sameKey(a, b));
      }),
      { numRuns: 3000 },
    );
  });

  it('never lets two unequal lists of a batch, or lists made from their keys, share a key', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(smallArgs, args), { maxLength: 40 }), (batch) => {
        const byKey = new Map<string, unknown[]>();
        for (const list of [...batch, ...batch.flatMap(impostors)]) {
          const encoded = encodeKey(list);
          const first = byKey.get(encoded);
          if (first) expect(sameKey(first, list)).toBe(true);
          else byKey.set(encoded, list);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('ignores key order, Map/Set order, -0 and the byte array class', () => {
    fc.assert(
      fc.property(fc.oneof(smallArgs, args), (list) => {
        const copy = reshuffle(list);
        expect(sameKey(copy, list)).toBe(true);
        expect(encodeKey(copy)).toBe(encodeKey(list));
      }),
      { numRuns: 1000 },
    );
  });

  it('never writes a bare string another value could produce', () => {
    fc.assert(
      fc.property(anyString, value, (text, other) => {
        if (typeof other !== 'string') expect(encodeKey([text])).not.toBe(encodeKey([other]));
      }),
      { numRuns: 2000 },
    );
  });
});

// ---------------------------------------------------------------- finalizeKey

describe('finalizeKey', () => {
  const long = (n: number) => `tasks:v1:${'x'.repeat(n - 9)}`;

  it('returns keys of at most maxLength unchanged', () => {
    expect(finalizeKey('tasks:v1:u42')).toBe('tasks:v1:u42');
    expect(finalizeKey(long(200))).toBe(long(200));
    expect(finalizeKey(long(50), 50)).toBe(long(50));
  });

  it('shortens longer keys to exactly maxLength, keeping a readable prefix and a hash', () => {
    const key = finalizeKey(long(201));
    expect(key).toHaveLength(200);
    expect(key).toMatch(/^tasks:v1:x{147}#[\w-]{43}$/);
    expect(finalizeKey(long(5000), 60)).toMatch(/^tasks:v1:x{7}#[\w-]{43}$/);
  });

  it('is deterministic', () => {
    expect(finalizeKey(long(300))).toBe(finalizeKey(long(300)));
  });

  it('keeps keys that differ only after the prefix distinct', () => {
    const base = long(300);
    const keys = new Set(
      [base, `${base}y`, `${base.slice(0, -1)}y`, long(301)].map((k) => finalizeKey(k)),
    );
    expect(keys.size).toBe(4);
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (a, b) => {
        fc.pre(a !== b);
        expect(finalizeKey(base + a)).not.toBe(finalizeKey(base + b));
      }),
    );
  });

  it('never ends the prefix on half a surrogate pair', () => {
    const key = finalizeKey(`${'x'.repeat(155)}😀${'y'.repeat(100)}`);
    expect(key.length).toBeLessThanOrEqual(200);
    expect(key).toMatch(/^x{155}#/);
  });

  it('rejects a maxLength too short for the hash', () => {
    expect(() => finalizeKey(long(100), 43)).toThrow(/maxLength must be an integer >= 44/);
  });
});

// ---------------------------------------------------------------- globs

/** Redis's glob semantics (util.c stringmatchlen, case-sensitive), over UTF-16 units. */
function redisGlobMatch(pattern: string, text: string): boolean {
  const match = (p: number, s: number): boolean => {
    while (p < pattern.length && s < text.length) {
      const c = pattern[p];
      if (c === '*') {
        while (pattern[p + 1] === '*') p++;
        if (p === pattern.length - 1) return true;
        for (let i = s; i < text.length; i++) if (match(p + 1, i)) return true;
        return false;
      }
      if (c === '[') {
        p++;
        const negate = pattern[p] === '^';
        if (negate) p++;
        let hit = false;
        for (;;) {
          if (pattern[p] === '\\' && p + 1 < pattern.length) {
            p++;
            if (pattern[p] === text[s]) hit = true;
          } else if (p >= pattern.length) {
            p--;
            break;
          } else if (pattern[p] === ']') {
            break;
          } else if (p + 2 < pattern.length && pattern[p + 1] === '-') {
            const [low, high] = [pattern[p], pattern[p + 2]].sort();
            if (text[s] >= low && text[s] <= high) hit = true;
            p += 2;
          } else if (pattern[p] === text[s]) {
            hit = true;
          }
          p++;
        }
        if (hit === negate) return false;
      } else if (c !== '?') {
        if (c === '\\' && p + 1 < pattern.length) p++;
        if (pattern[p] !== text[s]) return false;
      }
      p++;
      s++;
      if (s === text.length) while (pattern[p] === '*') p++;
    }
    return p === pattern.length && s === text.length;
  };
  return match(0, 0);
}

describe('escapeGlob', () => {
  it('checks the matcher against known Redis behaviour', () => {
    expect(redisGlobMatch('a*', 'abc')).toBe(true);
    expect(redisGlobMatch('a?c', 'abc')).toBe(true);
    expect(redisGlobMatch('a[bx]c', 'abc')).toBe(true);
    expect(redisGlobMatch('a[^b]c', 'abc')).toBe(false);
    expect(redisGlobMatch('a[a-c]c', 'abc')).toBe(true);
    expect(redisGlobMatch('a\\*', 'a*')).toBe(true);
    expect(redisGlobMatch('a\\*', 'ab')).toBe(false);
  });

  it.each([
    ['plain', 'plain'],
    ['a*b', 'a\\*b'],
    ['a?b', 'a\\?b'],
    ['[x]', '\\[x\\]'],
    ['a\\b', 'a\\\\b'],
    ['^-', '^-'],
  ])('escapes %p as %p', (text, pattern) => {
    expect(escapeGlob(text)).toBe(pattern);
  });

  it('makes a pattern that matches only the text itself', () => {
    const glob = fc.string({ unit: fc.constantFrom(...'ab*?[]\\^-'.split('')), maxLength: 8 });
    fc.assert(
      fc.property(glob, glob, (text, other) => {
        expect(redisGlobMatch(escapeGlob(text), other)).toBe(text === other);
        expect(redisGlobMatch(escapeGlob(text), text)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('glob', () => {
  it('keeps literal parts as glob syntax and escapes the values as encoded arguments', () => {
    expect(glob`tasks:v1:${'u42'}:*`).toBe('tasks:v1:u42:*');
    expect(glob`tasks:v1:${'42'}:*`).toBe('tasks:v1:"42":*');
    expect(glob`tasks:v1:${42}:*`).toBe('tasks:v1:42:*');
    expect(glob`tasks:v1:${'a*'}`).toBe('tasks:v1:"a\\*"');
    expect(glob`tasks:v1:${[1, 2]}`).toBe('tasks:v1:\\[1,2\\]');
    expect(glob`tasks:v1:*`).toBe('tasks:v1:*');
  });

  it('matches the keys whose first argument is the value, and no others', () => {
    fc.assert(
      fc.property(args, args, fc.array(value, { maxLength: 2 }), (a, b, rest) => {
        fc.pre(a.length > 0 && b.length > 0);
        const pattern = glob`tasks:v1:${a[0]}:*`;
        const keyA = `tasks:v1:${encodeKey([a[0], ...rest, 'end'])}`;
        const keyB = `tasks:v1:${encodeKey([b[0], ...rest, 'end'])}`;
        expect(redisGlobMatch(pattern, keyA)).toBe(true);
        if (!sameKey(a[0], b[0])) expect(redisGlobMatch(pattern, keyB)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});
