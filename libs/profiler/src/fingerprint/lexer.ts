import type { ParamSource, SqlDialect, Token, TokenType } from './fingerprint.types';
import {
  numericValue,
  undoubleQuotes,
  unescapeMysql,
  unescapePostgresE,
  unescapePostgresUnicode,
} from './literals';
import {
  blockCommentEnd,
  identEnd,
  isDigit,
  isIdentPart,
  isIdentStart,
  lineCommentEnd,
  numberEnd,
  quotedEnd,
  uescapeClause,
} from './scan';

/** How the content of a string literal is escaped. */
type StringMode = 'plain' | 'mysql' | 'pgE' | 'pgU';

/** Operators after which `-`/`+` starts a signed number rather than a subtraction. */
const SIGN_OPS = '=<>!+-*/%^&|~[:';

/** Keywords after which `-`/`+` starts a signed number (`LIMIT -1`, `THEN -2`). */
const SIGN_WORDS = new Set([
  ...'SELECT WHERE AND OR NOT CASE WHEN THEN ELSE LIMIT OFFSET'.split(' '),
  ...'BETWEEN HAVING ON LIKE RETURN DEFAULT'.split(' '),
]);

/**
 * Splits SQL into tokens in one pass over its char codes, dropping comments and whitespace
 * (remembered as `space` on the next token) and turning literals and input parameters into
 * placeholder tokens with their {@link ParamSource}. Never throws: unterminated strings and
 * comments run to the end of the input.
 * @internal
 */
export function tokenize(sql: string, dialect: SqlDialect): Token[] {
  return new Lexer(sql, dialect).run();
}

class Lexer {
  private readonly tokens: Token[] = [];
  private readonly pg: boolean;
  private readonly mysql: boolean;
  private readonly sqlite: boolean;
  private i = 0;
  private space = false;
  /** mysql: `?` seen so far; sqlite: largest parameter index assigned so far (1-based). */
  private lastParam = 0;
  /** sqlite: index (1-based) of each named parameter, by name with its prefix. */
  private readonly named = new Map<string, number>();

  constructor(
    private readonly sql: string,
    private readonly dialect: SqlDialect,
  ) {
    this.pg = dialect === 'postgres';
    this.mysql = dialect === 'mysql';
    this.sqlite = dialect === 'sqlite';
  }

  run(): Token[] {
    const { sql } = this;
    while (this.i < sql.length) this.step(sql.charCodeAt(this.i));
    return this.tokens;
  }

  private step(c: number): void {
    const { sql, i } = this;
    const next = sql.charCodeAt(i + 1); // NaN at the end
    if (c <= 32) return this.skip(i + 1);
    switch (c) {
      case 45: // -- comment; on mysql only when followed by whitespace
        if (next === 45 && (!this.mysql || !(sql.charCodeAt(i + 2) > 32))) {
          return this.skip(lineCommentEnd(sql, i + 2));
        }
        break;
      case 35: // #
        if (this.mysql) return this.skip(lineCommentEnd(sql, i + 1));
        break;
      case 47: // /*
        if (next === 42) return this.skip(blockCommentEnd(sql, i + 2, this.pg));
        break;
      case 39: // '
        return this.string(i + 1, 39, this.mysql ? 'mysql' : 'plain');
      case 34: // " is a string on mysql, an identifier elsewhere
        return this.mysql ? this.string(i + 1, 34, 'mysql') : this.quotedIdent(i, i + 1, 34);
      case 96: // `
        if (!this.pg) return this.quotedIdent(i, i + 1, 96);
        break;
      case 91: // [
        if (this.sqlite) return this.quotedIdent(i, i + 1, 93);
        break;
      case 36: // $
        if (this.pg) return this.dollar(i, next);
        if (this.sqlite && isIdentPart(next)) return this.namedParam(i);
        if (this.mysql && isIdentPart(next)) return this.word(i);
        break;
      case 63: // ?
        if (this.mysql) return this.param(i + 1, this.lastParam++);
        if (this.sqlite) return this.sqliteQuestion(i);
        break;
      case 58: // :
      case 64: // @
        if (this.sqlite && isIdentPart(next)) return this.namedParam(i);
        break;
      case 40:
        return this.punct('open', '(');
      case 41:
        return this.punct('close', ')');
      case 44:
        return this.punct('comma', ',');
      case 59:
        return this.punct('semi', ';');
      case 46: // .5 is a number, t.5 is not
        if (isDigit(next) && !this.afterName()) return this.number(i);
        break;
    }
    if (isDigit(c)) return this.number(i);
    if (isIdentStart(c)) return this.prefixedOrWord(i, c, next);
    this.punct('op', sql[i]);
  }

  /** Moves past whitespace or a comment, which separates tokens like whitespace. */
  private skip(to: number): void {
    this.i = to;
    this.space = true;
  }

  private push(type: TokenType, text: string, end: number, source?: ParamSource): void {
    const token: Token = { type, text, space: this.space };
    if (source) token.source = source;
    this.tokens.push(token);
    this.space = false;
    this.i = end;
  }

  private punct(type: TokenType, text: string): void {
    this.push(type, text, this.i + 1);
  }

  private afterName(): boolean {
    const last = this.tokens[this.tokens.length - 1];
    return !this.space && (last?.type === 'word' || last?.type === 'ident');
  }

  /** A string literal whose content starts at `from`, just after the opening quote. */
  private string(from: number, quote: number, mode: StringMode): void {
    const { sql } = this;
    const close = quotedEnd(sql, from, quote, mode === 'mysql' || mode === 'pgE');
    const raw = sql.slice(from, close);
    const q = String.fromCharCode(quote);
    let end = Math.min(close + 1, sql.length);
    let value: string;
    if (mode === 'plain') value = undoubleQuotes(raw, q);
    else if (mode === 'mysql') value = unescapeMysql(raw, q);
    else if (mode === 'pgE') value = unescapePostgresE(raw);
    else {
      const [escape, clauseEnd] = uescapeClause(sql, end);
      value = unescapePostgresUnicode(raw, escape);
      end = clauseEnd;
    }
    this.push('ph', '', end, { literal: value });
  }

  /** `"x"`, `` `x` ``, sqlite `[x]`, postgres `U&"x"`; `from` is just after the opening quote. */
  private quotedIdent(start: number, from: number, quote: number): void {
    const end = Math.min(quotedEnd(this.sql, from, quote, false) + 1, this.sql.length);
    this.push('ident', this.sql.slice(start, end), end);
  }

  /** Postgres `$1` parameter, `$$...$$` / `$tag$...$tag$` string, or a lone `$`. */
  private dollar(i: number, next: number): void {
    const { sql } = this;
    let j = i + 1;
    if (isDigit(next)) {
      while (isDigit(sql.charCodeAt(j))) j++;
      const index = Number(sql.slice(i + 1, j)) - 1;
      // $0 is no parameter (postgres rejects it): keep it as written.
      return index < 0 ? this.push('word', sql.slice(i, j), j) : this.param(j, index);
    }
    if (isIdentStart(next)) {
      j++;
      while (isIdentPart(sql.charCodeAt(j)) && sql.charCodeAt(j) !== 36) j++;
    }
    if (sql.charCodeAt(j) !== 36) return this.punct('op', '$');
    const tag = sql.slice(i, j + 1);
    const close = sql.indexOf(tag, j + 1);
    const end = close < 0 ? sql.length : close;
    this.push('ph', '', close < 0 ? end : end + tag.length, { literal: sql.slice(j + 1, end) });
  }

  private param(end: number, index: number): void {
    this.push('ph', '', end, { param: index });
  }

  /** SQLite numbering: `?NNN` is NNN; `?` is one more than the largest index so far. */
  private sqliteQuestion(i: number): void {
    let j = i + 1;
    while (isDigit(this.sql.charCodeAt(j))) j++;
    if (j === i + 1) return this.param(j, this.lastParam++);
    const index = Number(this.sql.slice(i + 1, j));
    this.lastParam = Math.max(this.lastParam, index);
    this.param(j, index - 1);
  }

  /** SQLite `:name`, `@name`, `$name`: a new name takes the next index, a repeat reuses it. */
  private namedParam(i: number): void {
    const end = identEnd(this.sql, i + 1);
    const name = this.sql.slice(i, end);
    let index = this.named.get(name);
    if (index === undefined) {
      index = ++this.lastParam;
      this.named.set(name, index);
    }
    this.param(end, index - 1);
  }

  /** Prefixed strings (`E'..'`, `B'..'`, `X'..'`, `N'..'`, `U&'..'`, `U&"..."`) or a word. */
  private prefixedOrWord(i: number, c: number, next: number): void {
    const lower = c | 32;
    if (next === 39) {
      if (lower === 120) return this.string(i + 2, 39, 'plain'); // X'..', every dialect
      if (!this.sqlite && (lower === 98 || lower === 110)) {
        // B'..' and N'..'; mysql N'..' strings take backslash escapes
        return this.string(i + 2, 39, lower === 110 && this.mysql ? 'mysql' : 'plain');
      }
      if (this.pg && lower === 101) return this.string(i + 2, 39, 'pgE');
    }
    if (this.pg && lower === 117 && next === 38) {
      const quote = this.sql.charCodeAt(i + 2);
      if (quote === 39) return this.string(i + 3, 39, 'pgU');
      if (quote === 34) return this.quotedIdent(i, i + 3, 34);
    }
    this.word(i);
  }

  private word(i: number): void {
    const end = identEnd(this.sql, i + 1);
    this.push('word', this.sql.slice(i, end), end);
  }

  private number(i: number): void {
    const end = numberEnd(this.sql, i, this.dialect);
    if (end < 0) return this.word(i);
    const text = this.sql.slice(i, end);
    const { tokens } = this;
    const sign = tokens[tokens.length - 1];
    if (
      sign?.type === 'op' &&
      (sign.text === '-' || sign.text === '+') &&
      this.signContext(tokens[tokens.length - 2])
    ) {
      // `= -5` and `= 5` share a fingerprint: the sign belongs to the literal.
      tokens.pop();
      this.space = sign.space;
      return this.push('ph', '', end, { literal: numericValue(text, sign.text === '-') });
    }
    this.push('ph', '', end, { literal: numericValue(text, false) });
  }

  private signContext(before: Token | undefined): boolean {
    if (!before || before.type === 'open' || before.type === 'comma') return true;
    if (before.type === 'op') return SIGN_OPS.includes(before.text);
    return before.type === 'word' && SIGN_WORDS.has(before.text.toUpperCase());
  }
}
