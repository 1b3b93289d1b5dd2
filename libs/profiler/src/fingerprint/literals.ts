/**
 * Decoding of the literal values that the lexer replaces by placeholders. Each decoder runs only
 * on the content of one literal, and only when it holds an escape, so the whole normalization
 * stays linear in the length of the statement.
 */
import { isHexDigit } from './scan';

/** Content of a quoted string whose only escape is the doubled quote (`'it''s'`). @internal */
export function undoubleQuotes(raw: string, quote: string): string {
  return raw.includes(quote + quote) ? raw.split(quote + quote).join(quote) : raw;
}

const MYSQL_ESCAPES: Record<string, string> = {
  '0': '\0',
  b: '\b',
  n: '\n',
  r: '\r',
  t: '\t',
  Z: '\x1a',
  // MySQL keeps the backslash of \% and \_ so that LIKE patterns can use them.
  '%': '\\%',
  _: '\\_',
};

/** Content of a MySQL `'...'`/`"..."` string: backslash escapes and doubled quotes. @internal */
export function unescapeMysql(raw: string, quote: string): string {
  if (raw.indexOf('\\') < 0) return undoubleQuotes(raw, quote);
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i];
    if (ch === '\\' && i + 1 < raw.length) {
      const next = raw[++i];
      out += MYSQL_ESCAPES[next] ?? next;
    } else if (ch === quote && raw[i + 1] === quote) {
      out += quote;
      i++;
    } else {
      out += ch;
    }
  }
  return out;
}

const PG_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Reads up to `max` digits of base `radix` (8 or 16) at `start`; returns the end index. */
function digitsEnd(raw: string, start: number, max: number, radix: number): number {
  let end = start;
  while (end < raw.length && end - start < max) {
    const code = raw.charCodeAt(end);
    if (radix === 16 ? !isHexDigit(code) : code < 48 || code > 55) break;
    end++;
  }
  return end;
}

function codePoint(hex: string, fallback: string): string {
  const value = Number.parseInt(hex, 16);
  return value <= 0x10ffff ? String.fromCodePoint(value) : fallback;
}

/** Content of a postgres `E'...'` string (C-style backslash escapes). @internal */
export function unescapePostgresE(raw: string): string {
  if (raw.indexOf('\\') < 0) return undoubleQuotes(raw, "'");
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i];
    if (ch === "'" && raw[i + 1] === "'") {
      out += "'";
      i++;
    } else if (ch !== '\\' || i + 1 >= raw.length) {
      out += ch;
    } else {
      const next = raw[++i];
      const code = raw.charCodeAt(i);
      if (code >= 48 && code <= 55) {
        const end = digitsEnd(raw, i, 3, 8);
        out += String.fromCharCode(Number.parseInt(raw.slice(i, end), 8) & 0xff);
        i = end - 1;
      } else if (next === 'x' && isHexDigit(raw.charCodeAt(i + 1))) {
        const end = digitsEnd(raw, i + 1, 2, 16);
        out += String.fromCharCode(Number.parseInt(raw.slice(i + 1, end), 16));
        i = end - 1;
      } else if ((next === 'u' || next === 'U') && isHexDigit(raw.charCodeAt(i + 1))) {
        const end = digitsEnd(raw, i + 1, next === 'u' ? 4 : 8, 16);
        out += codePoint(raw.slice(i + 1, end), raw.slice(i - 1, end));
        i = end - 1;
      } else {
        out += PG_ESCAPES[next] ?? next;
      }
    }
  }
  return out;
}

/** Content of a postgres `U&'...'` string, `escape` being `\` or the UESCAPE character. @internal */
export function unescapePostgresUnicode(raw: string, escape: string): string {
  const text = undoubleQuotes(raw, "'");
  if (text.indexOf(escape) < 0) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch !== escape) {
      out += ch;
    } else if (text[i + 1] === escape) {
      out += escape;
      i++;
    } else {
      const plus = text[i + 1] === '+';
      const start = plus ? i + 2 : i + 1;
      const end = digitsEnd(text, start, plus ? 6 : 4, 16);
      out += end > start ? codePoint(text.slice(start, end), text.slice(i, end)) : ch;
      i = end > start ? end - 1 : i;
    }
  }
  return out;
}

/** True for an exact decimal: at most 15 significant digits always survive a JS number. */
function fitsDouble(text: string): boolean {
  let digits = 0;
  let leading = true;
  let trailingZeros = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 101 || code === 69) break; // exponent
    if (code < 48 || code > 57) continue;
    if (leading && code === 48) continue;
    leading = false;
    digits++;
    trailingZeros = code === 48 ? trailingZeros + 1 : 0;
  }
  return digits - trailingZeros <= 15;
}

/**
 * The value of a numeric literal: a JS number when it converts exactly (safe integers, decimals
 * with at most 15 significant digits), else the text as written. `negative` is a folded unary
 * minus. @internal
 */
export function numericValue(text: string, negative: boolean): string | number {
  const clean = text.includes('_') ? text.split('_').join('') : text;
  const value = Number(clean);
  const code = clean.charCodeAt(1) | 32;
  const prefixed = clean.charCodeAt(0) === 48 && (code === 120 || code === 111 || code === 98);
  const integer = prefixed || !/[.eE]/.test(clean);
  const exact = integer ? Number.isSafeInteger(value) : Number.isFinite(value) && fitsDouble(clean);
  if (!exact) return negative ? `-${text}` : text;
  return negative && value !== 0 ? -value : value;
}
