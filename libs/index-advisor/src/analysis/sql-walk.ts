import type { SqlExpr, SqlFrom, SqlSortItem, SqlStatement } from './sql-model';

/* Walks over the statement model shared by the collector's passes. */

/**
 * Whether the outer query can see through a derived table to its base tables: a plain
 * SELECT, without set operation, LIMIT, DISTINCT, GROUP BY, HAVING or aggregate.
 * @internal
 */
export function isTransparentSelect(s: SqlStatement): boolean {
  return (
    s.type === 'select' &&
    s.setArms.length === 0 &&
    !s.limit &&
    !s.distinct &&
    s.groupBy.length === 0 &&
    s.having === undefined &&
    !s.targets.some((t) => hasAggregate(t.expr))
  );
}

function hasAggregate(e: SqlExpr): boolean {
  if (e.kind === 'call' && e.aggregate) return true;
  return children(e).some(hasAggregate);
}

/** References to a table named `name` (no schema) anywhere in a statement. @internal */
export function countRefs(s: SqlStatement, name: string, c: { key(name: string): string }): number {
  const target = c.key(name);
  const inFrom = (f: SqlFrom): number => {
    if (f.kind === 'table') return f.schema === undefined && c.key(f.name) === target ? 1 : 0;
    if (f.kind === 'join') return inFrom(f.left) + inFrom(f.right) + (f.on ? inExpr(f.on) : 0);
    if (f.kind === 'derived') return countRefs(f.query, name, c);
    return f.args.reduce((n, a) => n + inExpr(a), 0);
  };
  const inExpr = (e: SqlExpr): number => {
    if (e.kind === 'subquery') return countRefs(e.query, name, c);
    if (e.kind === 'inQuery') return inExpr(e.left) + countRefs(e.query, name, c);
    return children(e).reduce((n, child) => n + inExpr(child), 0);
  };
  const inSort = (items: SqlSortItem[]) => items.reduce((n, i) => n + inExpr(i.expr), 0);
  const ctes = s.type === 'other' ? 0 : s.with.reduce((n, w) => n + countRefs(w.query, name, c), 0);
  switch (s.type) {
    case 'select':
      return (
        ctes +
        s.setArms.reduce((n, arm) => n + countRefs(arm, name, c), 0) +
        s.from.reduce((n, f) => n + inFrom(f), 0) +
        [...s.targets.map((t) => t.expr), ...s.groupBy].reduce((n, e) => n + inExpr(e), 0) +
        (s.where ? inExpr(s.where) : 0) +
        (s.having ? inExpr(s.having) : 0) +
        inSort(s.orderBy)
      );
    case 'update':
    case 'delete':
      return (
        ctes +
        s.from.reduce((n, f) => n + inFrom(f), 0) +
        (s.where ? inExpr(s.where) : 0) +
        s.extra.reduce((n, e) => n + inExpr(e), 0)
      );
    case 'insert':
      return (
        ctes +
        (s.source ? countRefs(s.source, name, c) : 0) +
        s.extra.reduce((n, e) => n + inExpr(e), 0)
      );
    default:
      return 0;
  }
}

/** The direct sub-expressions of an expression (subqueries excluded). @internal */
export function children(e: SqlExpr): SqlExpr[] {
  switch (e.kind) {
    case 'and':
    case 'or':
    case 'call':
      return e.args;
    case 'not':
      return [e.arg];
    case 'compare':
      return [e.left, e.right];
    case 'in':
      return [e.left, ...e.values];
    case 'inQuery':
      return [e.left];
    case 'between':
      return [e.arg, e.low, e.high];
    case 'like':
      return [e.arg, e.pattern];
    case 'isNull':
    case 'isBool':
      return [e.arg];
    case 'row':
      return e.items;
    default:
      return [];
  }
}
