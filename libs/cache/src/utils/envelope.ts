/**
 * How an entry is stored in L2: one header line, then the serialized value.
 *   `<expiresAt>|<namespace token>|<tags JSON or empty>\n<value>`
 * Tokens are base-36, so `|` and the newline cannot occur before the tags part; JSON escapes
 * newlines, so the first newline always ends the header.
 * @internal
 */
export interface Envelope {
  expiresAt: number;
  nsToken: string;
  tagKeys: string[] | undefined;
  tagTokens: string[] | undefined;
  payload: string;
}

/** @internal */
export function encodeEnvelope(
  expiresAt: number,
  tokens: readonly string[],
  cells: ReadonlyArray<{ key: string }>,
  payload: string,
): string {
  const tags =
    cells.length > 1 ? JSON.stringify([cells.slice(1).map((c) => c.key), tokens.slice(1)]) : '';
  return `${expiresAt}|${tokens[0]}|${tags}\n${payload}`;
}

/** @internal Returns undefined for text that is not an envelope (e.g. written by something else). */
export function decodeEnvelope(text: string): Envelope | undefined {
  const bar1 = text.indexOf('|');
  const bar2 = text.indexOf('|', bar1 + 1);
  const newline = text.indexOf('\n', bar2 + 1);
  if (bar1 < 1 || bar2 < 0 || newline < 0) return undefined;
  const expiresAt = Number(text.slice(0, bar1));
  if (!Number.isFinite(expiresAt)) return undefined;
  let tagKeys: string[] | undefined;
  let tagTokens: string[] | undefined;
  if (newline > bar2 + 1) {
    try {
      [tagKeys, tagTokens] = JSON.parse(text.slice(bar2 + 1, newline)) as [string[], string[]];
    } catch {
      return undefined;
    }
    if (!Array.isArray(tagKeys) || !Array.isArray(tagTokens)) return undefined;
  }
  return {
    expiresAt,
    nsToken: text.slice(bar1 + 1, bar2),
    tagKeys,
    tagTokens,
    payload: text.slice(newline + 1),
  };
}
