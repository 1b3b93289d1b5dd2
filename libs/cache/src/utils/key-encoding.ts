import { createHash } from 'node:crypto';

/**
 * Thrown when a method's arguments (or what a `key` function returned) cannot be turned into a
 * cache key: a function, a symbol, a promise, an error or another object whose state is hidden
 * from its enumerable properties, or a circular reference.
 *
 * @example
 * encodeKey([() => 1]); // CacheKeyError: cannot build a cache key: args[0] is a function; ...
 */
export class CacheKeyError extends Error {
  override readonly name = 'CacheKeyError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Encodes a method's argument list into the `<key>` part of `<namespace>:<version>:<key>`:
 * deterministic, injective (two argument lists get the same key only when they are equal in the
 * sense below), and readable in redis-cli.
 *
 * Arguments are joined with `:`. Each argument is written as:
 * - a string: as-is when it is made of `A-Z a-z 0-9 _ - . @ / + ~ $ % & !`, does not start with
 *   `@`, and could not be read as another value (`42`, `1e+21`, `7n`, `true`, `null`,
 *   `undefined`, `NaN`, `Infinity`, `-Infinity`); otherwise JSON-quoted (`"42"`, `"a b"`, `""`)
 * - a number: `String(n)` (`7`, `-1.5`, `1e+21`, `NaN`, `Infinity`); `-0` is written `0`, as
 *   `Map` and `Set` treat them as the same key; a bigint: `7n`
 * - `true`, `false`, `null`, `undefined`
 * - a Date: `@` and its ISO time (`@2024-01-01T00:00:00.000Z`), an invalid Date `@invalid`
 * - a Buffer or Uint8Array: `#` and its bytes in hex (`#00ff`); the two are not told apart
 * - an array: `[a,b]` (holes count as `undefined`); another typed array: `Int32Array[1,2]`
 * - a plain object: `{k:v,...}` with keys sorted; a property set to `undefined` is kept, so
 *   `{a:undefined}` and `{}` differ; symbol keys are ignored, as in JSON
 * - a Map: `Map(k=>v,...)` sorted by encoded key then value; a Set: `Set(a,b)` sorted
 * - a class instance: its constructor name and own enumerable properties (`Point{x:1,y:2}`),
 *   or, when it has a `toJSON` method (ObjectId, Decimal, URL, Luxon), its name and what
 *   `toJSON` returns (`URL<"https://a.io/">`). Classes that share a name are not told apart.
 *
 * A value that is not an array is encoded as a one-element argument list:
 * `encodeKey(x) === encodeKey([x])`.
 *
 * @param value the argument list, or the value a `key` function returned
 * @throws CacheKeyError for functions, symbols, promises, errors, other built-in objects whose
 *   state is not in enumerable properties (WeakMap, RegExp, ArrayBuffer...) and circular
 *   references: pass a `key` function to `@Cached()` for such arguments
 * @example
 * encodeKey(['u42', 7]); // 'u42:7'
 * encodeKey(['42', { status: 'open', limit: 10 }]); // '"42":{limit:10,status:open}'
 */
export function encodeKey(value: unknown): string {
  if (!Array.isArray(value)) return encodeKeyPart(value);
  // The hit path: one short string argument costs a table scan and nothing else.
  if (value.length === 1 && typeof value[0] === 'string') return encodeString(value[0]);
  try {
    let key = '';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) key += ':';
      try {
        key += encodeValue(value[i], undefined);
      } catch (error) {
        throw at(error, i);
      }
    }
    return key;
  } catch (error) {
    throw toKeyError(error, 'args');
  }
}

/**
 * Encodes one argument exactly as {@link encodeKey} writes it inside a key, so patterns built
 * from it (see {@link glob}) match the keys it is part of.
 *
 * @throws CacheKeyError as {@link encodeKey} does
 * @example encodeKeyPart('u42'); // 'u42'; encodeKeyPart('42') // '"42"'; encodeKeyPart(42) // '42'
 */
export function encodeKeyPart(value: unknown): string {
  if (typeof value === 'string') return encodeString(value);
  try {
    return encodeValue(value, undefined);
  } catch (error) {
    throw toKeyError(error, 'value');
  }
}

/** Length of a SHA-256 digest in base64url. @internal */
const HASH_LENGTH = 43;

/**
 * Keeps Redis keys short: a key longer than `maxLength` UTF-16 code units becomes its first
 * `maxLength - 44` characters, `#`, and the base64url SHA-256 of the whole key, exactly
 * `maxLength` long. The prefix keeps `namespace:version:` so `SCAN MATCH tasks:v1:*` still finds
 * it; the hash keeps distinct keys distinct (a clash needs a SHA-256 collision, or an untouched
 * key of exactly `maxLength` characters deliberately ending in another key's hash). Keys of at
 * most `maxLength` are returned unchanged.
 *
 * @param fullKey `<namespace>:<version>:<key>`
 * @param maxLength the longest key to store, at least 44; default 200
 * @example finalizeKey('tasks:v1:' + 'x'.repeat(300)).length; // 200
 */
export function finalizeKey(fullKey: string, maxLength = 200): string {
  if (fullKey.length <= maxLength) return fullKey;
  if (!Number.isInteger(maxLength) || maxLength < HASH_LENGTH + 1) {
    throw new RangeError(`finalizeKey: maxLength must be an integer >= 44 (got ${maxLength})`);
  }
  let cut = maxLength - HASH_LENGTH - 1;
  // Never end the prefix on half a surrogate pair: Redis would store U+FFFD there.
  const last = fullKey.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  const hash = createHash('sha256').update(fullKey).digest('base64url');
  return `${fullKey.slice(0, cut)}#${hash}`;
}

/**
 * Escapes the characters Redis glob patterns (`SCAN MATCH`, `KEYS`) treat specially, `*`, `?`,
 * `[`, `]` and `\`, each with a backslash, so the result matches only `text` itself. (`^` and
 * `-` are only special inside `[...]`, which an escaped pattern never opens.)
 *
 * @example escapeGlob('a*b[1]'); // 'a\\*b\\[1\\]'
 */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * A tagged template for Redis glob patterns over cache keys: the literal parts are glob syntax
 * and are kept as written; each interpolated value is encoded as {@link encodeKey} writes one
 * argument ({@link encodeKeyPart}) and then escaped ({@link escapeGlob}), so it matches exactly
 * the keys whose argument at that position is that value. Interpolate argument values only; write
 * namespace and version literally, and escape the parts of a key built by hand as a string with
 * {@link escapeGlob} instead.
 *
 * @example
 * glob`tasks:v1:${'u42'}:*`; // 'tasks:v1:u42:*' (every key whose first argument is 'u42')
 * glob`tasks:v1:${'42'}:*`; // 'tasks:v1:"42":*' (the string '42', not the number 42)
 * glob`tasks:v1:${'a*'}`; // 'tasks:v1:"a\\*"' (only the literal star)
 */
export function glob(literals: TemplateStringsArray, ...values: unknown[]): string {
  let pattern = literals[0];
  for (let i = 0; i < values.length; i++) {
    pattern += escapeGlob(encodeKeyPart(values[i])) + literals[i + 1];
  }
  return pattern;
}

// ------------------------------------------------------------------ encoder

/**
 * Characters a string may be written with, unquoted. Everything the encoding itself uses
 * (`: , " \ [ ] { } ( ) < > = # @`), whitespace, glob metacharacters and non-ASCII are out.
 * @internal
 */
const BARE = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.@/+~$%&!') {
  BARE[c.charCodeAt(0)] = 1;
}

/** Strings that read as a number or bigint once written bare (`42`, `-1.5`, `7n`). @internal */
const NUMERIC = /^-?\d+(?:\.\d+)?(?:e[+-]\d+)?n?$/;

/** A property name, an index, or text written as-is (`.toJSON()`). @internal */
type PathSegment = string | number | { raw: string };

/** Why a value cannot be encoded, with the path to it; becomes a CacheKeyError. @internal */
class Unencodable {
  readonly path: PathSegment[] = [];
  constructor(readonly problem: string) {}
}

/** Records one more path segment (innermost first) on the way out. @internal */
function at(error: unknown, segment: PathSegment): unknown {
  if (error instanceof Unencodable) error.path.push(segment);
  return error;
}

/** @internal */
function toKeyError(error: unknown, root: string): unknown {
  if (!(error instanceof Unencodable)) return error;
  let path = root;
  for (const segment of error.path.reverse()) {
    if (typeof segment === 'object') path += segment.raw;
    else if (typeof segment === 'number') path += `[${segment}]`;
    else
      path += /^[A-Za-z_$][\w$]*$/.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`;
  }
  return new CacheKeyError(
    `cannot build a cache key: ${path} ${error.problem}; pass a \`key\` function to @Cached() ` +
      'that returns only strings, numbers, booleans, dates, arrays and plain objects',
  );
}

/** @internal */
function encodeString(s: string): string {
  const length = s.length;
  if (length === 0) return '""';
  for (let i = 0; i < length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || BARE[c] === 0) return JSON.stringify(s);
  }
  const first = s.charCodeAt(0);
  if (first === 64 /* @ */) return JSON.stringify(s);
  if ((first >= 48 && first <= 57) || first === 45 /* - */) {
    return NUMERIC.test(s) || s === '-Infinity' ? JSON.stringify(s) : s;
  }
  switch (s) {
    case 'true':
    case 'false':
    case 'null':
    case 'undefined':
    case 'NaN':
    case 'Infinity':
      return JSON.stringify(s);
    default:
      return s;
  }
}

/** An object key: always a string, so only the delimiters need quoting. @internal */
function encodeName(s: string): string {
  if (s.length === 0) return '""';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || BARE[c] === 0) return JSON.stringify(s);
  }
  return s;
}

/** @internal */
function encodeValue(value: unknown, ancestors: object[] | undefined): string {
  switch (typeof value) {
    case 'string':
      return encodeString(value);
    case 'number':
      // String() already writes -0 as 0, and NaN/Infinity as words that strings cannot be.
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'undefined';
    case 'bigint':
      return `${value}n`;
    case 'object':
      return value === null ? 'null' : encodeObject(value, ancestors ?? []);
    default:
      throw new Unencodable(`is a ${typeof value}`);
  }
}

/** @internal */
function encodeObject(object: object, ancestors: object[]): string {
  if (ancestors.includes(object)) {
    throw new Unencodable('refers back to an enclosing object (circular reference)');
  }
  ancestors.push(object);
  const encoded = encodeObjectBody(object, ancestors);
  ancestors.pop();
  return encoded;
}

/** @internal */
function encodeObjectBody(object: object, ancestors: object[]): string {
  if (Array.isArray(object)) return encodeList(object, ancestors, '[', ']');
  const proto: unknown = Object.getPrototypeOf(object);
  if (proto === Object.prototype || proto === null) return encodeProperties(object, ancestors);
  if (object instanceof Date) {
    const time = Date.prototype.getTime.call(object);
    // Date.prototype's own method, so a subclass cannot change what the time is written as.
    return Number.isNaN(time) ? '@invalid' : `@${Date.prototype.toISOString.call(object)}`;
  }
  if (object instanceof Uint8Array) {
    return `#${Buffer.from(object.buffer, object.byteOffset, object.byteLength).toString('hex')}`;
  }
  if (object instanceof Map) return encodeMap(object, ancestors);
  if (object instanceof Set) {
    const members: string[] = [];
    try {
      for (const member of object) members.push(encodeValue(member, ancestors));
    } catch (error) {
      throw at(error, { raw: ' (a Set member)' });
    }
    return `Set(${sortStrings(members).join(',')})`;
  }
  if (object instanceof Error) throw new Unencodable('is an Error');
  if (object instanceof Promise) throw new Unencodable('is a Promise');
  const name = className(object);
  if (ArrayBuffer.isView(object) && !(object instanceof DataView)) {
    return name + encodeList(object as unknown as ArrayLike<unknown>, ancestors, '[', ']');
  }
  const toJSON = (object as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    const json: unknown = toJSON.call(object, '');
    try {
      return `${name}<${encodeValue(json, ancestors)}>`;
    } catch (error) {
      throw at(error, { raw: '.toJSON()' });
    }
  }
  if (Object.keys(object).length === 0 && isBuiltIn(object)) {
    throw new Unencodable(`is a ${name} object, whose state is not in enumerable properties`);
  }
  return name + encodeProperties(object, ancestors);
}

/** @internal */
function encodeList(
  list: ArrayLike<unknown>,
  ancestors: object[],
  open: string,
  close: string,
): string {
  let out = open;
  for (let i = 0; i < list.length; i++) {
    if (i > 0) out += ',';
    const item = list[i];
    try {
      out += typeof item === 'string' ? encodeString(item) : encodeValue(item, ancestors);
    } catch (error) {
      throw at(error, i);
    }
  }
  return out + close;
}

/** @internal */
function encodeProperties(object: object, ancestors: object[]): string {
  const keys = sortStrings(Object.keys(object));
  const record = object as Record<string, unknown>;
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const item = record[key];
    if (i > 0) out += ',';
    out += encodeName(key) + ':';
    try {
      out += typeof item === 'string' ? encodeString(item) : encodeValue(item, ancestors);
    } catch (error) {
      throw at(error, key);
    }
  }
  return out + '}';
}

/** @internal */
function encodeMap(map: Map<unknown, unknown>, ancestors: object[]): string {
  const entries: [string, string][] = [];
  for (const [key, item] of map) {
    let encodedKey = '';
    try {
      encodedKey = encodeValue(key, ancestors);
      entries.push([encodedKey, encodeValue(item, ancestors)]);
    } catch (error) {
      throw at(error, { raw: encodedKey ? `.get(${encodedKey})` : ' (a Map key)' });
    }
  }
  // Keys that encode alike (two equal objects) are ordered by value, so the order is canonical.
  entries.sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1]));
  let out = 'Map(';
  for (let i = 0; i < entries.length; i++) {
    if (i > 0) out += ',';
    out += `${entries[i][0]}=>${entries[i][1]}`;
  }
  return out + ')';
}

/**
 * Sorts by UTF-16 code units, like `Array#sort()`, which costs ~150 ns even for four keys; an
 * insertion sort of a small object's keys costs a third of that.
 * @internal
 */
function sortStrings(list: string[]): string[] {
  if (list.length > 16) return list.sort();
  for (let i = 1; i < list.length; i++) {
    const item = list[i];
    let j = i - 1;
    while (j >= 0 && list[j] > item) {
      list[j + 1] = list[j];
      j--;
    }
    list[j + 1] = item;
  }
  return list;
}

/** @internal */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The constructor name as written before `{`, `[` or `<`; quoted unless an identifier. @internal */
function className(object: object): string {
  const ctor: unknown = (object as { constructor?: unknown }).constructor;
  const name = typeof ctor === 'function' ? ctor.name : '';
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
}

/**
 * True for instances of built-in classes (URLSearchParams, WeakMap, RegExp, boxed numbers...)
 * whose state lives in internal slots: with no enumerable properties, every instance would get
 * the same key.
 * @internal
 */
function isBuiltIn(object: object): boolean {
  const ctor: unknown = (object as { constructor?: unknown }).constructor;
  // Objects from another realm (vm) have a native `Object` constructor but are plain data.
  if (typeof ctor !== 'function' || ctor.name === 'Object') return false;
  return (
    (globalThis as Record<string, unknown>)[ctor.name] === ctor ||
    Function.prototype.toString.call(ctor).endsWith('{ [native code] }')
  );
}
