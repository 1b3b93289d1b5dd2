/**
 * Pure scanners over the char codes of a SQL string: each takes a start index and returns where
 * the construct ends, never reading a character twice.
 */
import type { SqlDialect } from './fingerprint.types';

/** @internal */
export function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** @internal */
export function isHexDigit(code: number): boolean {
  return isDigit(code) || ((code | 32) >= 97 && (code | 32) <= 102);
}

/** Whether `code` may start an unquoted identifier (letters, `_`, any non-ASCII). @internal */
export function isIdentStart(code: number): boolean {
  return ((code | 32) >= 97 && (code | 32) <= 122) || code === 95 || code >= 128;
}

/** Whether `code` may continue an unquoted identifier (also digits and `$`). @internal */
export function isIdentPart(code: number): boolean {
  return isIdentStart(code) || isDigit(code) || code === 36;
}

/** End of the identifier characters starting at `from`. @internal */
export function identEnd(sql: string, from: number): number {
  let j = from;
  while (j < sql.length && isIdentPart(sql.charCodeAt(j))) j++;
  return j;
}

/** End of a `--`/`#` comment whose text starts at `from`: the line break, not consumed. @internal */
export function lineCommentEnd(sql: string, from: number): number {
  let j = from;
  while (j < sql.length) {
    const code = sql.charCodeAt(j);
    if (code === 10 || code === 13) break;
    j++;
  }
  return j;
}

/** End (exclusive) of a block comment whose text starts at `from`; postgres nests them. @internal */
export function blockCommentEnd(sql: string, from: number, nested: boolean): number {
  const n = sql.length;
  if (!nested) {
    const end = sql.indexOf('*/', from);
    return end < 0 ? n : end + 2;
  }
  let depth = 1;
  let j = from;
  while (j < n && depth > 0) {
    const code = sql.charCodeAt(j);
    const next = sql.charCodeAt(j + 1);
    if (code === 42 && next === 47) depth--;
    else if (code === 47 && next === 42) depth++;
    j += (code === 42 && next === 47) || (code === 47 && next === 42) ? 2 : 1;
  }
  return Math.min(j, n);
}

/**
 * Index of the quote closing a quoted text whose content starts at `from` (doubled quotes and,
 * when `backslash`, backslash escapes stay inside), or the length of `sql` if unterminated.
 * @internal
 */
export function quotedEnd(sql: string, from: number, quote: number, backslash: boolean): number {
  const n = sql.length;
  let j = from;
  while (j < n) {
    const code = sql.charCodeAt(j);
    if (code === quote) {
      if (sql.charCodeAt(j + 1) !== quote) return j;
      j += 2;
    } else {
      j += backslash && code === 92 ? 2 : 1;
    }
  }
  return n;
}

/** End of digits from `from`; postgres 16 also allows `_` between digits (`1_000`). */
function digitsEnd(sql: string, from: number, underscores: boolean): number {
  let j = from;
  while (j < sql.length) {
    const code = sql.charCodeAt(j);
    if (isDigit(code) || (underscores && code === 95 && isDigit(sql.charCodeAt(j + 1)))) j++;
    else break;
  }
  return j;
}

/**
 * End of the numeric literal at `i` (`42`, `4.2`, `.5`, `1e-3`, `0x1F`; `0b101` on postgres and
 * mysql, `0o17` on postgres), or -1 when its digits run into letters (`1st`), which makes the
 * whole run a name, as MySQL reads it.
 * @internal
 */
export function numberEnd(sql: string, i: number, dialect: SqlDialect): number {
  const pg = dialect === 'postgres';
  const radix = sql.charCodeAt(i) === 48 ? sql.charCodeAt(i + 1) | 32 : 0;
  const after = sql.charCodeAt(i + 2);
  if (radix === 120 && isHexDigit(after)) {
    let j = i + 2;
    while (j < sql.length && isHexDigit(sql.charCodeAt(j))) j++;
    return j;
  }
  const max = radix === 98 && dialect !== 'sqlite' ? 49 : radix === 111 && pg ? 55 : 0;
  if (after >= 48 && after <= max) {
    let j = i + 2; // 0b101, 0o17
    while (j < sql.length && sql.charCodeAt(j) >= 48 && sql.charCodeAt(j) <= max) j++;
    return j;
  }
  let j = digitsEnd(sql, i, pg);
  const integer = j;
  if (sql.charCodeAt(j) === 46) j = digitsEnd(sql, j + 1, pg);
  if ((sql.charCodeAt(j) | 32) === 101) {
    const sign = sql.charCodeAt(j + 1);
    const k = sign === 43 || sign === 45 ? j + 2 : j + 1;
    if (isDigit(sql.charCodeAt(k))) j = digitsEnd(sql, k, pg);
  }
  return j === integer && isIdentPart(sql.charCodeAt(j)) ? -1 : j;
}

/**
 * After a postgres `U&'...'` ending at `from`: the escape character and the end of an optional
 * `UESCAPE 'c'` clause, or `['\\', from]` when there is none.
 * @internal
 */
export function uescapeClause(sql: string, from: number): [string, number] {
  let j = from;
  while (j < sql.length && sql.charCodeAt(j) <= 32) j++;
  if (sql.slice(j, j + 7).toUpperCase() !== 'UESCAPE' || isIdentPart(sql.charCodeAt(j + 7))) {
    return ['\\', from];
  }
  j += 7;
  while (j < sql.length && sql.charCodeAt(j) <= 32) j++;
  return sql[j] === "'" && sql[j + 2] === "'" ? [sql[j + 1], j + 3] : ['\\', from];
}
