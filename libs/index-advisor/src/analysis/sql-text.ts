/**
 * Rewrites normalized SQLite/MySQL text into a form node-sql-parser accepts without changing its
 * meaning: every placeholder (`?`, `?1`, and `$1` on SQLite) becomes a named parameter `:pN`,
 * since the SQLite grammar rejects `LIMIT ?` and `?1`; on SQLite, backslashes inside string
 * literals are doubled (SQLite has no backslash escapes, the parser does, so TypeORM's
 * `ESCAPE '\'` would read as an unterminated string) and `[bracketed]` identifiers become
 * `"quoted"` ones; on MySQL, index hints (`USE INDEX (i)`, which the grammar rejects and which
 * do not change what a query reads) are dropped. Strings and quoted identifiers are copied
 * untouched otherwise; comments become a space.
 * @internal
 */
export function prepareForNodeSqlParser(sql: string, dialect: 'mysql' | 'sqlite'): string {
  const sqlite = dialect === 'sqlite';
  let out = '';
  let param = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c === "'" || c === '"' || c === '`') {
      const end = quotedEnd(sql, i, c, !sqlite && c !== '`');
      const body = sql.slice(i, end);
      out += sqlite && c === "'" ? body.replace(/\\/g, '\\\\') : body;
      i = end;
    } else if (c === '[' && sqlite) {
      const close = sql.indexOf(']', i + 1);
      const end = close < 0 ? sql.length : close;
      out += `"${sql.slice(i + 1, end).replace(/"/g, '""')}"`;
      i = end + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? sql.length : nl;
      out += ' ';
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? sql.length : close + 2;
      out += ' ';
    } else if (!sqlite && /[a-z_]/i.test(c) && !/[\w$]/.test(sql[i - 1] ?? '')) {
      INDEX_HINT.lastIndex = i;
      const hint = /[ufi]/i.test(c) ? INDEX_HINT.exec(sql) : null;
      WORD.lastIndex = i;
      const word = hint ? hint[0] : (WORD.exec(sql)?.[0] ?? c);
      out += hint ? ' ' : word;
      i += word.length;
    } else if (c === '?' || (c === '$' && sqlite && /[0-9]/.test(sql[i + 1] ?? ''))) {
      i++;
      while (i < sql.length && /[0-9]/.test(sql[i])) i++;
      out += `:p${++param}`;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const INDEX_HINT =
  /(USE|FORCE|IGNORE)\s+(INDEX|KEY)(\s+FOR\s+(JOIN|ORDER\s+BY|GROUP\s+BY))?\s*\([^)]*\)/iy;
const WORD = /[\w$]+/y;

/** Index just past the closing quote; doubled quotes (and backslashes, if they escape) skip. */
function quotedEnd(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashEscapes && c === '\\') {
      i += 2;
    } else if (c === quote) {
      if (sql[i + 1] !== quote) return i + 1;
      i += 2;
    } else {
      i++;
    }
  }
  return sql.length;
}
