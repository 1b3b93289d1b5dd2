import { createHash } from 'node:crypto';
import { describeValue } from '@nest-perf/core';
import { InvalidCursorError, ToolkitOptionsError } from './toolkit.errors';

/**
 * A value a keyset cursor can hold: one key column of the last row of a page (never null).
 *
 * @example const key: CursorValue[] = [new Date(), 42];
 */
export type CursorValue = string | number | boolean | bigint | Date;

const VERSION = 1;
/**
 * Longer cursors are rejected before decoding: no real key needs this much. Fixed at 4096.
 *
 * @example @MaxLength(MAX_CURSOR_LENGTH) cursor?: string;
 */
export const MAX_CURSOR_LENGTH = 4096;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

// Plain JSON for strings, finite numbers and booleans; a tagged pair for the rest. Plain values
// are never arrays, so an array always means a tag.
type EncodedValue = string | number | boolean | ['d', string] | ['n', string];

interface Payload {
  v: number;
  s: string;
  k: EncodedValue[];
  c: string;
}

/**
 * Encodes key values as an opaque, URL-safe cursor (base64url JSON with a checksum). Dates and
 * bigints round-trip with their type. `scope` binds the cursor to one ordering: decoding with
 * another scope fails. The checksum catches garbled or hand-edited cursors; it is not a signature,
 * and it need not be one, because cursor values only ever reach SQL as bound parameters.
 *
 * @param values the key values, in `orderBy` order (no null/undefined)
 * @param scope what the cursor is for, e.g. `'Task:createdAt:DESC,id:DESC'`; default `''`
 * @throws ToolkitOptionsError for values a cursor cannot hold (null, NaN, objects)
 * @example encodeCursor([new Date('2026-01-01T00:00:00Z'), 42]) // 'eyJ2IjoxLCJzIjoiIiwia...'
 */
export function encodeCursor(values: readonly CursorValue[], scope = ''): string {
  const problems: string[] = [];
  const k = values.map((value, i) => encodeValue(value, i, problems));
  if (problems.length > 0) throw new ToolkitOptionsError('encodeCursor', problems);
  const payload: Payload = { v: VERSION, s: scope, k, c: checksum(scope, k) };
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

/**
 * Decodes a cursor made by {@link encodeCursor} with the same `scope`.
 *
 * @param cursor the cursor string as the client sent it
 * @param scope the scope it must have been made for; default `''`
 * @param arity how many values it must hold; default: any number
 * @throws InvalidCursorError when the cursor is garbled, edited, too long, or made for another scope
 * @example decodeCursor(encodeCursor([7, 'a'])) // [7, 'a']
 */
export function decodeCursor(cursor: string, scope = '', arity?: number): CursorValue[] {
  if (typeof cursor !== 'string' || cursor.length === 0) {
    throw new InvalidCursorError(`expected a non-empty string, got ${describeValue(cursor)}`);
  }
  if (cursor.length > MAX_CURSOR_LENGTH) {
    throw new InvalidCursorError(`longer than ${MAX_CURSOR_LENGTH} characters`);
  }
  if (!BASE64URL.test(cursor)) throw new InvalidCursorError('not base64url');
  const bytes = Buffer.from(cursor, 'base64url');
  // Node skips characters it cannot place; only the canonical spelling is accepted.
  if (bytes.toString('base64url') !== cursor) throw new InvalidCursorError('not base64url');
  let payload: unknown;
  try {
    payload = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new InvalidCursorError('not a cursor made by this API', { cause: error });
  }
  if (!isPayload(payload)) throw new InvalidCursorError('not a cursor made by this API');
  if (payload.v !== VERSION) throw new InvalidCursorError(`unknown cursor version ${payload.v}`);
  if (payload.c !== checksum(payload.s, payload.k)) {
    throw new InvalidCursorError('checksum mismatch (the cursor was changed)');
  }
  if (payload.s !== scope) {
    throw new InvalidCursorError('it was made for a different query order');
  }
  if (arity !== undefined && payload.k.length !== arity) {
    throw new InvalidCursorError(`expected ${arity} key values, found ${payload.k.length}`);
  }
  return payload.k.map(decodeValue);
}

function encodeValue(value: CursorValue, index: number, problems: string[]): EncodedValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isFinite(value)) return value;
      break;
    case 'bigint':
      return ['n', value.toString()];
    case 'object':
      if (value instanceof Date && !Number.isNaN(value.getTime())) {
        return ['d', value.toISOString()];
      }
      break;
  }
  problems.push(
    `key value ${index} is ${value instanceof Date ? 'an invalid Date' : describeValue(value)}; ` +
      'a cursor holds strings, finite numbers, booleans, bigints and Dates (keys must be NOT NULL)',
  );
  return '';
}

function decodeValue(value: EncodedValue): CursorValue {
  if (!Array.isArray(value)) return value;
  return value[0] === 'd' ? new Date(value[1]) : BigInt(value[1]);
}

function isPayload(input: unknown): input is Payload {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return false;
  const p = input as Record<string, unknown>;
  return (
    typeof p.v === 'number' &&
    typeof p.s === 'string' &&
    typeof p.c === 'string' &&
    Array.isArray(p.k) &&
    p.k.length > 0 &&
    p.k.every(isEncodedValue)
  );
}

function isEncodedValue(value: unknown): value is EncodedValue {
  if (typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (!Array.isArray(value) || value.length !== 2 || typeof value[1] !== 'string') return false;
  if (value[0] === 'd') return !Number.isNaN(Date.parse(value[1]));
  return value[0] === 'n' && /^-?\d+$/.test(value[1]);
}

function checksum(scope: string, values: EncodedValue[]): string {
  return createHash('sha256')
    .update(JSON.stringify([scope, values]))
    .digest('base64url')
    .slice(0, 12);
}
