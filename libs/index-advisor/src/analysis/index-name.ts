import { createHash } from 'node:crypto';
import type { IndexCandidate } from './candidates';
import type { SqlDialect } from './sql-analysis';

/** Postgres truncates identifiers to 63 bytes (NAMEDATALEN - 1); MySQL allows 64 characters. */
export const MAX_INDEX_NAME_BYTES = 63;

const HASH_LENGTH = 8;

/**
 * A deterministic, readable index name: `IDX_<table>_<columns>` with `_desc` after descending
 * columns and `_gin` for GIN indexes, then `_` and 8 hex digits hashing the whole definition
 * (schema, table, columns and directions, INCLUDE, WHERE, method, opclass), so two different
 * definitions never share a name. At most {@link MAX_INDEX_NAME_BYTES} UTF-8 bytes: the
 * readable part is cut (on a character boundary), never the hash. Runs of characters other
 * than letters, digits and `_` become one `_`.
 *
 * @example
 * indexName({ table: 'tasks', columns: [{ name: 'user_id', direction: 'ASC' },
 *   { name: 'created_at', direction: 'DESC' }], method: 'btree', reason: '' });
 * // 'IDX_tasks_user_id_created_at_desc_<8 hex digits>'
 */
export function indexName(candidate: IndexCandidate): string {
  const parts = ['IDX', candidate.table];
  for (const c of candidate.columns)
    parts.push(c.name, ...(c.direction === 'DESC' ? ['desc'] : []));
  if (candidate.method !== 'btree') parts.push(candidate.method);
  const readable = parts.map((p) => p.replace(/[^\p{L}\p{N}_]+/gu, '_')).join('_');
  const suffix = `_${definitionHash(candidate)}`;
  return `${truncateBytes(readable, MAX_INDEX_NAME_BYTES - suffix.length).replace(/_+$/, '')}${suffix}`;
}

/**
 * Quotes one identifier for SQL: `"name"` with `"` doubled on Postgres and SQLite, `` `name` ``
 * with `` ` `` doubled on MySQL. Quote a schema and a table separately.
 *
 * @example
 * quoteIdent('UserAccounts', 'postgres'); // '"UserAccounts"'
 * quoteIdent('odd`name', 'mysql'); // '`odd``name`'
 */
export function quoteIdent(name: string, dialect: SqlDialect): string {
  return dialect === 'mysql' ? `\`${name.replace(/`/g, '``')}\`` : `"${name.replace(/"/g, '""')}"`;
}

function definitionHash(c: IndexCandidate): string {
  const definition = JSON.stringify([
    c.schema ?? null,
    c.table,
    c.columns.map((col) => [col.name, col.direction]),
    c.include ?? [],
    c.where ?? null,
    c.method,
    c.opclass ?? null,
  ]);
  return createHash('sha256').update(definition).digest('hex').slice(0, HASH_LENGTH);
}

/** The longest prefix of `text` that fits in `maxBytes` UTF-8 bytes, whole characters only. */
function truncateBytes(text: string, maxBytes: number): string {
  let bytes = 0;
  let out = '';
  for (const char of text) {
    bytes += Buffer.byteLength(char, 'utf8');
    if (bytes > maxBytes) break;
    out += char;
  }
  return out;
}
