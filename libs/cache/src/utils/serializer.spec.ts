import fc from 'fast-check';
import { CacheSerializationError, deserialize, serialize } from './serializer';

/**
 * Deep equality that checks types: a Buffer must come back a Buffer, a Uint8Array a Uint8Array
 * (not a Buffer), a Date a Date with the same time, Maps and Sets with the same entries in the
 * same order, -0 as -0, `undefined` properties as present. Plain objects compare without their
 * prototype (a null-prototype object comes back with Object.prototype).
 */
function sameValue(actual: unknown, expected: unknown): boolean {
  if (typeof actual !== typeof expected) return false;
  if (typeof actual !== 'object' || actual === null || expected === null) {
    return Object.is(actual, expected);
  }
  const a = actual as object;
  const e = expected as object;
  if (Buffer.isBuffer(e)) return Buffer.isBuffer(a) && a.equals(e);
  if (e instanceof Uint8Array) {
    return (
      !Buffer.isBuffer(a) &&
      a instanceof Uint8Array &&
      Object.getPrototypeOf(a) === Uint8Array.prototype &&
      Buffer.from(a).equals(e)
    );
  }
  if (e instanceof Date) return a instanceof Date && Object.is(a.getTime(), e.getTime());
  if (e instanceof Map) {
    return (
      a instanceof Map &&
      a.size === e.size &&
      [...a].every(([k, v], i) => {
        const [ek, ev] = [...e][i];
        return sameValue(k, ek) && sameValue(v, ev);
      })
    );
  }
  if (e instanceof Set) {
    return a instanceof Set && sameValue([...a], [...e]);
  }
  if (Array.isArray(e)) {
    return Array.isArray(a) && a.length === e.length && e.every((item, i) => sameValue(a[i], item));
  }
  if (Array.isArray(a) || a instanceof Map || a instanceof Set || a instanceof Date) return false;
  if (a instanceof Uint8Array) return false;
  const keys = Object.keys(a);
  const expectedKeys = Object.keys(e);
  return (
    keys.length === expectedKeys.length &&
    expectedKeys.every(
      (key) =>
        Object.prototype.hasOwnProperty.call(a, key) &&
        sameValue((a as Record<string, unknown>)[key], (e as Record<string, unknown>)[key]),
    )
  );
}

const roundTrip = (value: unknown): unknown => deserialize(serialize(value));

describe('serialize / deserialize', () => {
  it.each<[string, unknown]>([
    ['a Date', new Date('2024-01-01T12:34:56.789Z')],
    ['an invalid Date', new Date(Number.NaN)],
    [
      'a Map with any keys',
      new Map<unknown, unknown>([
        [{ id: 1 }, 'o'],
        [1, 'n'],
        ['1', 's'],
      ]),
    ],
    ['a Set', new Set([1, 'a', { b: 2 }])],
    ['a BigInt', 123456789012345678901234567890n],
    ['a negative BigInt', -5n],
    ['a Buffer', Buffer.from([0, 1, 254, 255])],
    ['an empty Buffer', Buffer.alloc(0)],
    ['a Uint8Array', new Uint8Array([0, 1, 254, 255])],
    ['a Uint8Array view', new Uint8Array([9, 1, 2, 9]).subarray(1, 3)],
    ['undefined at top level', undefined],
    ['undefined in an array', [1, undefined, 3]],
    ['undefined in an object', { a: undefined, b: 1 }],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['-0', -0],
    ['-0 nested', { x: [-0] }],
    ['null', null],
    ['plain JSON', { id: 1, name: 'x', tags: ['a', 'b'], nested: { ok: true, none: null } }],
    ['a string', 'hello'],
    ['an empty string', ''],
    ['unicode and escapes', { 'k"ey\n': 'é😀\u0000"\\', lone: '\ud800' }],
    [
      'nested combos',
      {
        at: new Date(0),
        index: new Map([['k', new Set([1n, Number.NaN, undefined])]]),
        files: [Buffer.from('hi'), new Uint8Array([7])],
        deep: [[{ when: [new Date(1)] }]],
      },
    ],
    ['a Map whose values are Maps', new Map([[new Map([[1, 2]]), new Map([[3, 4]])]])],
    ['an object with a __proto__ own key', JSON.parse('{"__proto__": {"x": 1}}')],
    [
      'a __proto__ own key holding a Date',
      Object.defineProperty({}, '__proto__', { value: new Date(5), enumerable: true }),
    ],
  ])('round-trips %s', (_, value) => {
    expect(sameValue(roundTrip(value), value)).toBe(true);
  });

  it('keeps __proto__ keys as data, never as the prototype', () => {
    const value = Object.defineProperty({}, '__proto__', {
      value: { at: new Date(5) },
      enumerable: true,
    });
    const back = roundTrip(value) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).at).toBeUndefined();
  });

  it('stores plain JSON data as plain JSON', () => {
    const value = { id: 1, tags: ['a'], price: 19.99, active: true, note: null, text: '~x' };
    expect(serialize(value)).toBe(JSON.stringify(value));
    expect(serialize('~u')).toBe('"~u"');
    expect(serialize([1, 'a'])).toBe('[1,"a"]');
  });

  it('tags only what JSON cannot say', () => {
    expect(serialize({ at: new Date(0) })).toBe('~{"at":"~d0"}');
    expect(serialize(undefined)).toBe('~"~u"');
    expect(serialize(new Map([['a', 1n]]))).toBe('~["~M","a","~b1"]');
    expect(serialize(new Set([Number.NaN]))).toBe('~["~S","~n"]');
  });

  it.each<[string, unknown]>([
    ['a string equal to a tag', '~u'],
    [
      'strings equal to each tag',
      ['~', '~~', '~u', '~n', '~i', '~-i', '~-0', '~d0', '~b1', '~B', '~U'],
    ],
    ['tag strings next to a tagged value', ['~u', '~d0', '~~', new Date(0), '~M']],
    ['an array that starts like a Map', ['~M', 1, 2]],
    ['an array that starts like a Set, tagged', ['~S', 1, undefined]],
    ['an array that starts like an escaped tag', ['~~M', new Date(0)]],
    ['tag-looking keys and values', { '~u': '~u', '~M': ['~M'], at: new Date(0) }],
    [
      'a Map keyed by tag strings',
      new Map([
        ['~M', '~S'],
        ['~u', undefined],
      ]),
    ],
    ['a Set of tag strings', new Set(['~S', '~M', '~'])],
  ])('is not fooled by %s', (_, value) => {
    expect(sameValue(roundTrip(value), value)).toBe(true);
  });

  it('turns class instances into plain objects of their own enumerable properties', () => {
    class Task {
      readonly kind = 'task';
      constructor(
        readonly id: number,
        readonly due: Date,
      ) {}
      get overdue(): boolean {
        return this.due.getTime() < Date.now();
      }
      describe(): string {
        return `task ${this.id}`;
      }
    }
    const back = roundTrip([new Task(1, new Date(0))]) as unknown[];
    expect(Object.getPrototypeOf(back[0])).toBe(Object.prototype);
    expect(sameValue(back, [{ kind: 'task', id: 1, due: new Date(0) }])).toBe(true);
    expect(
      serialize(
        new (class Plain {
          a = 1;
        })(),
      ),
    ).toBe('{"a":1}');
  });

  it('honours toJSON like JSON does, except for Date and Buffer', () => {
    class Money {
      constructor(readonly cents: number) {}
      toJSON(key: string) {
        return { cents: this.cents, key, at: new Date(0) };
      }
    }
    expect(
      sameValue(roundTrip({ price: new Money(5) }), {
        price: { cents: 5, key: 'price', at: new Date(0) },
      }),
    ).toBe(true);
    expect(roundTrip([new URL('https://a.io/x')])).toEqual(['https://a.io/x']);
    expect(roundTrip({ toJSON: () => 'replaced' })).toBe('replaced');
    expect(roundTrip(new Date(3))).toEqual(new Date(3));
    expect(Buffer.isBuffer(roundTrip(Buffer.from('x')))).toBe(true);
    class Itself {
      a = 1;
      toJSON(): this {
        return this;
      }
    }
    expect(roundTrip(new Itself())).toEqual({ a: 1 });
  });

  it('unboxes boxed primitives and turns holes into undefined', () => {
    expect(roundTrip([Object(1), Object('s'), Object(false)])).toEqual([1, 's', false]);
    // eslint-disable-next-line no-sparse-arrays
    const back = roundTrip([1, , 3]) as unknown[];
    expect(back).toHaveLength(3);
    expect(1 in back).toBe(true);
    expect(back[1]).toBeUndefined();
  });

  it.each<[string, unknown, RegExp]>([
    ['a function', () => 1, /value .*is a function/],
    [
      'a function property',
      { user: { onSave() {} } },
      /value\.user\.onSave for the cache: it is a function/,
    ],
    ['a function next to a Date', { at: new Date(0), cb: () => 1 }, /value\.cb .*is a function/],
    ['a symbol', Symbol('s'), /is a symbol/],
    ['a symbol in an array', [1, [Symbol('s')]], /value\[1\]\[0\] .*is a symbol/],
    ['a function in a Map value', new Map([['k', () => 1]]), /value \(Map entry "k"\) .*function/],
    ['a function as a Map key', new Map([[() => 1, 1]]), /value \(a Map key\) .*function/],
    ['a function in a Set', new Set([() => 1]), /value \(a Set member\) .*function/],
    [
      'a function returned by toJSON',
      { toJSON: () => () => 1 },
      /value \(toJSON result\) .*function/,
    ],
  ])('throws CacheSerializationError for %s', (_, value, message) => {
    expect(() => serialize(value)).toThrow(CacheSerializationError);
    expect(() => serialize(value)).toThrow(message);
  });

  it('throws CacheSerializationError for circular references, on both paths', () => {
    const plain: Record<string, unknown> = { a: [1] };
    (plain.a as unknown[]).push(plain);
    expect(() => serialize(plain)).toThrow(/value\.a\[1\] .*circular reference/);
    const tagged: Record<string, unknown> = { at: new Date(0) };
    tagged.self = tagged;
    expect(() => serialize(tagged)).toThrow(/value\.self .*circular reference/);
    const map = new Map<string, unknown>();
    map.set('m', map);
    expect(() => serialize(map)).toThrow(CacheSerializationError);
    const set = new Set<unknown>();
    set.add([set]);
    expect(() => serialize(set)).toThrow(CacheSerializationError);
  });

  it('accepts shared references that are not circular', () => {
    const shared = { id: 1 };
    expect(roundTrip([shared, shared, { shared }])).toEqual([
      { id: 1 },
      { id: 1 },
      { shared: { id: 1 } },
    ]);
    const at = new Date(0);
    expect(sameValue(roundTrip([at, at]), [new Date(0), new Date(0)])).toBe(true);
  });

  it('says what went wrong, with the name and the cause', () => {
    const failure = new Error('getter failed');
    const value = {
      get broken(): never {
        throw failure;
      },
    };
    let error: unknown;
    try {
      serialize(value);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CacheSerializationError);
    expect((error as Error).name).toBe('CacheSerializationError');
    expect((error as Error).message).toMatch(/getter failed/);
    expect((error as Error).cause).toBe(failure);
    expect(() => serialize(() => 1)).toThrow(/the value is not cached/);
  });

  it.each(['', 'not json', '{', '~', '~{', '~"~x"', '~"~"', '~["~M",1]'])(
    'rejects text it did not write: %p',
    (text) => {
      let error: unknown;
      try {
        deserialize(text);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(CacheSerializationError);
      expect((error as Error).message).toMatch(/^cannot deserialize a cached value: /);
      expect((error as Error).cause).toBeInstanceOf(Error);
    },
  );
});

// ---------------------------------------------------------------- properties

const tildeString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string().map((s) => `~${s}`),
  fc.constantFrom('~', '~~', '~u', '~n', '~i', '~-i', '~-0', '~d0', '~b1', '~B', '~U', '~M', '~S'),
);

const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('leaf'),
    tie('array'),
    tie('object'),
    tie('map'),
    tie('set'),
  ),
  leaf: fc.oneof(
    tildeString,
    fc.double(),
    fc.integer(),
    fc.bigInt(),
    fc.boolean(),
    fc.constantFrom(null, undefined),
    fc.date({ noInvalidDate: false }),
    fc.uint8Array({ maxLength: 4 }),
    fc.uint8Array({ maxLength: 4 }).map((bytes) => Buffer.from(bytes)),
  ),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(fc.oneof(tildeString, fc.constant('__proto__')), tie('value'), {
    maxKeys: 4,
  }),
  map: fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 3 }).map((e) => new Map(e)),
  set: fc.array(tie('value'), { maxLength: 3 }).map((members) => new Set(members)),
}));

/** -0 is the one JSON value JSON.stringify cannot keep, so serialize tags it. */
function hasNegativeZero(item: unknown): boolean {
  if (Object.is(item, -0)) return true;
  if (typeof item !== 'object' || item === null) return false;
  return Object.values(item).some(hasNegativeZero);
}

describe('serializer properties', () => {
  it('round-trips any value built from the supported types', () => {
    fc.assert(
      fc.property(value, (item) => {
        const text = serialize(item);
        expect(typeof text).toBe('string');
        expect(sameValue(deserialize(text), item)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('stores JSON data as exactly JSON.stringify does', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (item) => {
        fc.pre(!hasNegativeZero(item));
        expect(serialize(item)).toBe(JSON.stringify(item));
        expect(sameValue(deserialize(serialize(item)), item)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
