/**
 * Thrown by {@link serialize} for a value that cannot be stored (a function, a symbol, a circular
 * reference), and by {@link deserialize} for text it did not write. The original error, if any,
 * is the `cause`. Never a failure of the user's call: the cache does not store such a value, and
 * treats an entry it cannot read as a miss.
 *
 * @example
 * serialize({ onDone: () => 1 }); // CacheSerializationError: cannot serialize value.onDone ...
 */
export class CacheSerializationError extends Error {
  override readonly name = 'CacheSerializationError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** First character of the tagged format; JSON text never starts with it. @internal */
const TAGGED = 126; // '~'

/**
 * Turns a cached value into text for Redis, keeping the types JSON loses.
 *
 * A value made only of strings, finite numbers, booleans, `null`, arrays and objects is stored as
 * plain `JSON.stringify` output, so reading it back costs one `JSON.parse`. Anything else is
 * stored as `~` followed by JSON in which special values are tagged strings (`"~d1704067200000"`
 * for a Date, `"~u"` for `undefined`) or tagged arrays (`["~M",k,v,...]` for a Map); user strings
 * that start with `~` get a second one, so they are never read as tags.
 *
 * Round-trips: Date (also invalid ones), Map (any keys), Set, BigInt, Buffer (back as Buffer),
 * Uint8Array (back as Uint8Array), `undefined` (top level, array items, object properties), NaN,
 * Infinity, -Infinity, -0, and any nesting of these.
 *
 * Like JSON: class instances become plain objects of their own enumerable properties (prototypes,
 * getters and methods are not kept; other typed arrays become index-keyed objects); an object's
 * `toJSON` method is honoured (its result is stored, with the same rules), except for Date and
 * Buffer, which keep their type; boxed primitives are unboxed; symbol keys are ignored; array
 * holes come back as `undefined`.
 *
 * @throws CacheSerializationError for functions, symbols and circular references anywhere in the
 *   value (dropping them silently, as JSON does, would hide bugs): the caller skips storing it
 * @example
 * serialize({ id: 1, tags: ['a'] }); // '{"id":1,"tags":["a"]}'
 * serialize({ at: new Date(0) }); // '~{"at":"~d0"}'
 */
export function serialize(value: unknown): string {
  try {
    if (isPlain(value, undefined)) return JSON.stringify(value);
    return '~' + encode(value, '', []);
  } catch (error) {
    if (error instanceof Unserializable) {
      let path = 'value';
      for (const segment of error.path.reverse()) {
        if (typeof segment === 'object') path += segment.raw;
        else if (typeof segment === 'number') path += `[${segment}]`;
        else
          path += /^[A-Za-z_$][\w$]*$/.test(segment)
            ? `.${segment}`
            : `[${JSON.stringify(segment)}]`;
      }
      throw new CacheSerializationError(
        `cannot serialize ${path} for the cache: it ${error.problem}; the value is not cached. ` +
          'Return plain data from cached methods (or map it first)',
      );
    }
    throw new CacheSerializationError(
      `cannot serialize the value for the cache: ${(error as Error)?.message ?? String(error)}`,
      { cause: error },
    );
  }
}

/**
 * Reads back what {@link serialize} wrote. Plain JSON costs exactly one `JSON.parse` with no
 * reviver; only `~`-tagged text is walked to restore Dates, Maps and the rest.
 *
 * @throws CacheSerializationError when the text is not something {@link serialize} wrote
 * @example deserialize('~{"at":"~d0"}'); // { at: new Date(0) }
 */
export function deserialize(text: string): unknown {
  try {
    if (text.charCodeAt(0) !== TAGGED) return JSON.parse(text);
    return revive(JSON.parse(text.slice(1)));
  } catch (error) {
    throw new CacheSerializationError(
      `cannot deserialize a cached value: ${(error as Error)?.message ?? String(error)}`,
      { cause: error },
    );
  }
}

// ------------------------------------------------------------------ serialize

/** A property name, an index, or text written as-is (` (a Map key)`). @internal */
type PathSegment = string | number | { raw: string };

/** Why a value cannot be stored, with the path to it. @internal */
class Unserializable {
  readonly path: PathSegment[] = [];
  constructor(readonly problem: string) {}
}

/** Adds one path segment (innermost first) on the way out. @internal */
function at(error: unknown, segment: PathSegment): unknown {
  if (error instanceof Unserializable) error.path.push(segment);
  return error;
}

/** @internal */
function circular(): Unserializable {
  return new Unserializable('refers back to an enclosing object (circular reference)');
}

/**
 * True when `JSON.stringify(value)` gives back an equal value through `JSON.parse`. Throws for
 * what can never be stored, so the plain path rejects the same values the tagged one does.
 * @internal
 */
function isPlain(value: unknown, ancestors: object[] | undefined): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      // JSON writes NaN and Infinity as null, and -0 as 0.
      return Number.isFinite(value) && (value !== 0 || 1 / value > 0);
    case 'object':
      return value === null || isPlainObject(value, ancestors ?? []);
    case 'undefined':
    case 'bigint':
      return false;
    default:
      throw new Unserializable(`is a ${typeof value}`);
  }
}

/** @internal */
function isPlainObject(object: object, ancestors: object[]): boolean {
  if (ancestors.includes(object)) throw circular();
  // A `false` answer abandons this walk, so only the `true` paths need to pop.
  ancestors.push(object);
  if (Array.isArray(object)) {
    for (let i = 0; i < object.length; i++) {
      try {
        if (!isPlain(object[i], ancestors)) return false;
      } catch (error) {
        throw at(error, i);
      }
    }
  } else {
    const proto: unknown = Object.getPrototypeOf(object);
    if (
      proto !== Object.prototype &&
      proto !== null &&
      (object instanceof Date ||
        object instanceof Map ||
        object instanceof Set ||
        object instanceof Uint8Array ||
        object instanceof Number ||
        object instanceof String ||
        object instanceof Boolean)
    ) {
      return false;
    }
    // toJSON is left to the tagged path so it runs once, not once here and once in JSON.
    if (typeof (object as { toJSON?: unknown }).toJSON === 'function') return false;
    const record = object as Record<string, unknown>;
    for (const key of Object.keys(object)) {
      try {
        if (!isPlain(record[key], ancestors)) return false;
      } catch (error) {
        throw at(error, key);
      }
    }
  }
  ancestors.pop();
  return true;
}

/** JSON text for `value` with special values tagged. `key` is what JSON passes to toJSON. @internal */
function encode(value: unknown, key: string, ancestors: object[]): string {
  switch (typeof value) {
    case 'string':
      return quote(value.charCodeAt(0) === TAGGED ? '~' + value : value);
    case 'number':
      if (Number.isFinite(value)) return value === 0 && 1 / value < 0 ? '"~-0"' : String(value);
      return Number.isNaN(value) ? '"~n"' : value > 0 ? '"~i"' : '"~-i"';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return '"~u"';
    case 'bigint':
      return `"~b${value}"`;
    case 'object':
      if (value === null) return 'null';
      if (ancestors.includes(value)) throw circular();
      ancestors.push(value);
      try {
        return encodeObject(value, key, ancestors);
      } finally {
        ancestors.pop();
      }
    default:
      throw new Unserializable(`is a ${typeof value}`);
  }
}

/** @internal */
function encodeObject(object: object, key: string, ancestors: object[]): string {
  if (Array.isArray(object)) {
    let out = '[';
    for (let i = 0; i < object.length; i++) {
      if (i > 0) out += ',';
      try {
        out += encode(object[i], String(i), ancestors);
      } catch (error) {
        throw at(error, i);
      }
    }
    return out + ']';
  }
  const proto: unknown = Object.getPrototypeOf(object);
  if (proto !== Object.prototype && proto !== null) {
    if (object instanceof Date) return `"~d${Date.prototype.getTime.call(object)}"`;
    if (Buffer.isBuffer(object)) return `"~B${object.toString('base64')}"`;
    if (object instanceof Uint8Array) {
      const bytes = Buffer.from(object.buffer, object.byteOffset, object.byteLength);
      return `"~U${bytes.toString('base64')}"`;
    }
    if (object instanceof Map) return encodeMap(object, ancestors);
    if (object instanceof Set) {
      let out = '["~S"';
      try {
        for (const member of object) out += ',' + encode(member, '', ancestors);
      } catch (error) {
        throw at(error, { raw: ' (a Set member)' });
      }
      return out + ']';
    }
    if (object instanceof Number || object instanceof String || object instanceof Boolean) {
      return encode(object.valueOf(), key, ancestors);
    }
  }
  const toJSON = (object as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    const json: unknown = toJSON.call(object, key);
    if (json !== object) {
      try {
        return encode(json, key, ancestors);
      } catch (error) {
        throw at(error, { raw: ' (toJSON result)' });
      }
    }
  }
  const record = object as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const name of Object.keys(object)) {
    if (!first) out += ',';
    first = false;
    try {
      out += quote(name) + ':' + encode(record[name], name, ancestors);
    } catch (error) {
      throw at(error, name);
    }
  }
  return out + '}';
}

/**
 * `JSON.stringify(text)`, twice as fast for the usual string that needs no escapes.
 * @internal
 */
function quote(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 32 || c === 34 || c === 92 || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(text);
  }
  return '"' + text + '"';
}

/** @internal */
function encodeMap(map: Map<unknown, unknown>, ancestors: object[]): string {
  let out = '["~M"';
  for (const [key, item] of map) {
    try {
      out += ',' + encode(key, '', ancestors);
    } catch (error) {
      throw at(error, { raw: ' (a Map key)' });
    }
    try {
      out += ',' + encode(item, '', ancestors);
    } catch (error) {
      const raw =
        typeof key === 'string' ? ` (Map entry ${JSON.stringify(key)})` : ' (a Map value)';
      throw at(error, { raw });
    }
  }
  return out + ']';
}

// ------------------------------------------------------------------ deserialize

/** Restores tagged values in a freshly parsed tree, in place where it can. @internal */
function revive(value: unknown): unknown {
  if (typeof value === 'string') return value.charCodeAt(0) === TAGGED ? decodeTag(value) : value;
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const tag: unknown = value[0];
    if (tag === '~M') {
      if (value.length % 2 === 0) throw new Error('a Map with a key but no value');
      const map = new Map<unknown, unknown>();
      for (let i = 1; i < value.length; i += 2) map.set(revive(value[i]), revive(value[i + 1]));
      return map;
    }
    if (tag === '~S') {
      const set = new Set<unknown>();
      for (let i = 1; i < value.length; i++) set.add(revive(value[i]));
      return set;
    }
    for (let i = 0; i < value.length; i++) value[i] = revive(value[i]);
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const raw = record[key];
    const revived = revive(raw);
    // Safe for a `__proto__` key too: JSON.parse made it an own data property, which shadows the
    // prototype setter.
    if (revived !== raw) record[key] = revived;
  }
  return record;
}

/** @internal */
function decodeTag(text: string): unknown {
  switch (text) {
    case '~u':
      return undefined;
    case '~n':
      return Number.NaN;
    case '~i':
      return Number.POSITIVE_INFINITY;
    case '~-i':
      return Number.NEGATIVE_INFINITY;
    case '~-0':
      return -0;
  }
  const body = text.slice(2);
  switch (text.charCodeAt(1)) {
    case TAGGED:
      return text.slice(1);
    case 98 /* b */:
      return BigInt(body);
    case 100 /* d */:
      return new Date(Number(body));
    case 66 /* B */:
      return Buffer.from(body, 'base64');
    case 85 /* U */:
      return new Uint8Array(Buffer.from(body, 'base64'));
    default:
      throw new Error(`unknown tag ${JSON.stringify(text.slice(0, 12))}`);
  }
}
