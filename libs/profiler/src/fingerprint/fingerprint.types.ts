/** The SQL dialects whose lexical rules {@link fingerprintSql} knows. */
export type SqlDialect = 'postgres' | 'mysql' | 'sqlite';

/**
 * What a statement does, from its first keyword (`WITH` statements: from the main statement
 * after the CTE list). `EXPLAIN` is `'other'`; `PRAGMA` is `'select'` unless it assigns.
 */
export type StatementKind =
  'select' | 'insert' | 'update' | 'delete' | 'transaction' | 'ddl' | 'other';

/**
 * Where the value of one placeholder of the normalized text comes from: `param` is a 0-based
 * index into the statement's original parameters (`$3` -> 2); `literal` is a value that was
 * written in the SQL (a string unescaped, a number as a JS number when it is exact, else as the
 * text written). Example: `WHERE a = $2 LIMIT 10` -> `[{ param: 1 }, { literal: 10 }]`.
 */
export type ParamSource = { param: number } | { literal: string | number };

/**
 * The normalized shape of one SQL statement: the same query with different values, list lengths,
 * batch sizes, whitespace or comments gets the same fingerprint.
 */
export interface Fingerprint {
  /** First 16 hex chars of `sha256(dialect + '\n' + text)`; stable across processes. */
  id: string;
  /** Normalized SQL: literals replaced by placeholders (`$1..$n` on postgres, `?` elsewhere). */
  text: string;
  /** What the statement does. */
  kind: StatementKind;
  /** One entry per placeholder in `text`, in order. */
  sources: ParamSource[];
}

/**
 * Lexical token types: `ph` is a placeholder (an input parameter or a replaced literal), `ident`
 * a quoted identifier, `word` a keyword or bare identifier, `op` any other single character.
 * @internal
 */
export type TokenType = 'word' | 'ident' | 'ph' | 'open' | 'close' | 'comma' | 'semi' | 'op';

/** @internal */
export interface Token {
  type: TokenType;
  /** Source text (unused for `ph`). */
  text: string;
  /** Whether whitespace or a comment came before the token. */
  space: boolean;
  /** Set on `ph` tokens only. */
  source?: ParamSource;
}
