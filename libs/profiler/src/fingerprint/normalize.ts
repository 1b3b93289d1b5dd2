import type { ParamSource, SqlDialect, StatementKind, Token } from './fingerprint.types';

/** Words allowed next to placeholders in a collapsible `VALUES` row. */
const ROW_WORDS = new Set(['NULL', 'DEFAULT', 'TRUE', 'FALSE']);

function upper(token: Token | undefined): string {
  return token?.type === 'word' ? token.text.toUpperCase() : '';
}

/**
 * If `tokens[open]` starts `(ph, ph, ...)` (placeholders or one of `words`), the index of its `)`;
 * else -1. A lookahead reads only tokens that cannot start another lookahead, so all of them
 * together read each token at most once and normalization stays linear.
 */
function placeholderList(tokens: Token[], open: number, words: Set<string> | null): number {
  let j = open + 1;
  for (;;) {
    const t = tokens[j];
    if (t?.type !== 'ph' && !(words && t?.type === 'word' && words.has(t.text.toUpperCase()))) {
      return -1;
    }
    const sep = tokens[j + 1];
    if (sep?.type === 'close') return j + 1;
    if (sep?.type !== 'comma') return -1;
    j += 2;
  }
}

/**
 * Collapses `IN (ph, ph, ...)` to `IN (ph)` and multi-row `VALUES (..), (..)` made only of
 * placeholders/NULL/DEFAULT/TRUE/FALSE to its first row, so that list lengths and batch sizes
 * share one fingerprint. Also drops trailing semicolons.
 * @internal
 */
export function collapseLists(tokens: Token[], dialect: SqlDialect): Token[] {
  const out: Token[] = [];
  const n = tokens.length;
  for (let i = 0; i < n; i++) {
    const t = tokens[i];
    out.push(t);
    if (t.type !== 'word' || tokens[i + 1]?.type !== 'open' || t.text.length > 6) continue;
    const keyword = t.text.toUpperCase();
    if (keyword === 'IN') {
      const close = placeholderList(tokens, i + 1, null);
      if (close > 0) {
        out.push(tokens[i + 1], tokens[i + 2], tokens[close]);
        i = close;
      }
    } else if (keyword === 'VALUES' || (keyword === 'VALUE' && dialect === 'mysql')) {
      const first = placeholderList(tokens, i + 1, ROW_WORDS);
      if (first < 0) continue;
      let last = first;
      while (tokens[last + 1]?.type === 'comma' && tokens[last + 2]?.type === 'open') {
        const close = placeholderList(tokens, last + 2, ROW_WORDS);
        if (close < 0) break;
        last = close;
      }
      const end = tokens[last + 1];
      // Collapse only when every row qualified, i.e. the row list ended after the last one.
      if (last === first || (end?.type === 'comma' && tokens[last + 2]?.type === 'open')) continue;
      for (let k = i + 1; k <= first; k++) out.push(tokens[k]);
      i = last;
    }
  }
  while (out.length > 0 && out[out.length - 1].type === 'semi') out.pop();
  return out;
}

/**
 * Writes tokens back as text: one space where the input had whitespace or a comment, none after
 * `(` or before `)`, `,`, `;`, always one after `,`. Placeholders are numbered `$1..$n` on
 * postgres and written `?` elsewhere.
 * @internal
 */
export function render(
  tokens: Token[],
  dialect: SqlDialect,
): { text: string; sources: ParamSource[] } {
  const sources: ParamSource[] = [];
  let text = '';
  let prev: Token | undefined;
  for (const t of tokens) {
    if (prev && t.type !== 'close' && t.type !== 'comma' && t.type !== 'semi') {
      if (prev.type === 'comma' || (t.space && prev.type !== 'open')) text += ' ';
    }
    if (t.type === 'ph') {
      sources.push(t.source as ParamSource);
      text += dialect === 'postgres' ? `$${sources.length}` : '?';
    } else {
      text += t.text;
    }
    prev = t;
  }
  return { text, sources };
}

const FIRST_WORD_KINDS: Record<string, StatementKind> = {
  SELECT: 'select',
  VALUES: 'select',
  TABLE: 'select',
  SHOW: 'select',
  INSERT: 'insert',
  REPLACE: 'insert',
  UPDATE: 'update',
  DELETE: 'delete',
  BEGIN: 'transaction',
  COMMIT: 'transaction',
  END: 'transaction',
  ROLLBACK: 'transaction',
  ABORT: 'transaction',
  SAVEPOINT: 'transaction',
  RELEASE: 'transaction',
  XA: 'transaction',
  CREATE: 'ddl',
  ALTER: 'ddl',
  DROP: 'ddl',
  TRUNCATE: 'ddl',
  COMMENT: 'ddl',
  RENAME: 'ddl',
};

/** Statements that may follow a `WITH` list. */
const MAIN_AFTER_WITH = new Set([
  'SELECT',
  'VALUES',
  'TABLE',
  'INSERT',
  'REPLACE',
  'UPDATE',
  'DELETE',
]);

/**
 * The {@link StatementKind} of a statement, from its first keyword (after any opening
 * parentheses). `WITH`: the first SELECT/INSERT/UPDATE/DELETE outside every parenthesis.
 * @internal
 */
export function statementKind(tokens: Token[]): StatementKind {
  let i = 0;
  while (tokens[i]?.type === 'open') i++;
  const first = upper(tokens[i]);
  const known = FIRST_WORD_KINDS[first];
  if (known) return known;
  switch (first) {
    case 'WITH':
      return kindAfterWith(tokens, i + 1);
    case 'START':
    case 'PREPARE':
      return upper(tokens[i + 1]) === 'TRANSACTION' ? 'transaction' : 'other';
    case 'SET': {
      const scope = upper(tokens[i + 1]);
      const next = scope === 'SESSION' || scope === 'LOCAL' || scope === 'GLOBAL' ? 2 : 1;
      return upper(tokens[i + next]) === 'TRANSACTION' ? 'transaction' : 'other';
    }
    case 'PRAGMA':
      // PRAGMA x = y writes a setting; PRAGMA x and PRAGMA x(arg) read.
      return tokens.some((t) => t.type === 'op' && t.text === '=') ? 'other' : 'select';
    default:
      return 'other';
  }
}

function kindAfterWith(tokens: Token[], from: number): StatementKind {
  let depth = 0;
  for (let i = from; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.type === 'open') {
      // `WITH a AS (...) (SELECT ...)`: a parenthesis right after the last CTE holds the statement.
      if (depth === 0 && tokens[i - 1]?.type === 'close') return statementKind(tokens.slice(i));
      depth++;
    } else if (t.type === 'close') depth--;
    else if (depth === 0 && t.type === 'word') {
      const word = t.text.toUpperCase();
      if (MAIN_AFTER_WITH.has(word)) return FIRST_WORD_KINDS[word];
    }
  }
  return 'other';
}
