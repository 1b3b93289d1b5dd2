/**
 * Compiles a Redis glob (`*`, `?`, `[abc]`, `[^a]`, `[a-z]`, backslash escapes) to a RegExp, so
 * L1 applies the same pattern that SCAN MATCH applies in Redis.
 * @internal
 */
export function globToRegExp(glob: string): RegExp {
  let out = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '\\' && i + 1 < glob.length) out += escapeRe(glob[++i]);
    else if (c === '*') out += '[\\s\\S]*';
    else if (c === '?') out += '[\\s\\S]';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) {
        out += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, close);
      const negate = body.startsWith('^');
      if (negate) body = body.slice(1);
      let cls = '';
      for (let j = 0; j < body.length; j++) {
        if (body[j] === '\\' && j + 1 < body.length) cls += escapeRe(body[++j]);
        else if (body[j] === '-' && j > 0 && j + 1 < body.length) cls += '-';
        else cls += escapeRe(body[j]);
      }
      out += `[${negate ? '^' : ''}${cls}]`;
      i = close;
    } else out += escapeRe(c);
  }
  return new RegExp(`${out}$`);
}

function escapeRe(c: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(c) ? `\\${c}` : c;
}
