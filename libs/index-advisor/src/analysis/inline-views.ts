/** A view: where it lives and the SELECT it stands for. */
export interface ViewDefinition {
  schema: string;
  name: string;
  /** The view's query (`pg_get_viewdef`), without a trailing semicolon. */
  definition: string;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Rewrites a statement for analysis only (the planner still sees the original) so that every view
 * it reads after FROM or JOIN becomes a CTE of the view's definition: the analysis then resolves
 * the view's columns and predicates to its base tables, as it does for CTEs. Views of views are
 * followed up to `depth` levels. A `WITH RECURSIVE` statement is left alone.
 * @internal
 */
export function inlineViews(sql: string, views: ViewDefinition[], depth = 3): string {
  let out = sql;
  for (let level = 0; level < depth; level++) {
    const used: ViewDefinition[] = [];
    for (const view of views) {
      const name = `(?:${escape(quote(view.name))}|${/^[a-z_][a-z0-9_]*$/.test(view.name) ? `${escape(view.name)}\\b` : '(?!)'})`;
      const schema = `(?:(?:${escape(quote(view.schema))}|${escape(view.schema)})\\s*\\.\\s*)?`;
      const reference = new RegExp(`\\b(FROM|JOIN)(\\s+)${schema}${name}`, 'gi');
      if (!reference.test(out)) continue;
      // Already a CTE of this statement under that name: nothing to inline.
      if (new RegExp(`(?:WITH|,)\\s*${name}\\s+AS\\s*\\(`, 'i').test(out)) continue;
      out = out.replace(
        reference,
        (_, keyword: string, space: string) => `${keyword}${space}${quote(view.name)}`,
      );
      used.push(view);
    }
    if (used.length === 0) break;
    const ctes = used.map((v) => `${quote(v.name)} AS (${v.definition})`).join(', ');
    if (/^\s*WITH\s+RECURSIVE\b/i.test(out)) return sql;
    out = /^\s*WITH\b/i.test(out)
      ? out.replace(/^\s*WITH\b/i, `WITH ${ctes},`)
      : `WITH ${ctes} ${out}`;
  }
  return out;
}
