import type { Origin, Resolved, Source } from './scope';
import type { CompareOp, SqlExpr } from './sql-model';
import type { TableAccess } from './sql-analysis';

/** One table occurrence in a statement, filled in by the collector. @internal */
export interface Occurrence {
  table: string;
  schema?: string;
  equality: string[];
  inList: string[];
  range: string[];
  orderBy: TableAccess['orderBy'];
  joinKeys: string[];
  groupBy: string[];
  substring: string[];
  nullChecks: TableAccess['nullChecks'];
  constants: TableAccess['constants'];
  /** Every column the statement reads from this occurrence, in order of first use. */
  reads: string[];
  readsAll: boolean;
  /** The modified table of INSERT/UPDATE/DELETE: its rows are fetched whole anyway. */
  isTarget: boolean;
  hasLimit: boolean;
}

type Resolve = (path: string[]) => Resolved | undefined;

/** A column operand, resolved: `outer` when it belongs to an enclosing query. */
interface ColumnTerm extends Origin {
  source?: Source;
}

/**
 * Records the index-relevant conjuncts of a WHERE/ON clause. `filtered` limits which sources
 * the clause filters (the nullable side of an outer join); undefined means all of them. Join
 * keys (`a.x = b.y`, and correlations with an outer query) are recorded on both sides always;
 * a correlation is also an equality for the subquery's table. Columns of an outer query are
 * never filtered by a subquery's clause.
 * @internal
 */
export function constrain(where: SqlExpr, resolve: Resolve, filtered: Set<Source> | undefined) {
  const column = (e: SqlExpr): ColumnTerm | undefined => {
    if (e.kind !== 'column') return undefined;
    const r = resolve(e.path);
    return r?.origin ? { ...r.origin, source: r.source } : undefined;
  };
  const filters = (t: ColumnTerm): boolean =>
    t.source !== undefined && (filtered === undefined || filtered.has(t.source));

  const compare = (op: CompareOp, left: SqlExpr, right: SqlExpr): void => {
    if (left.kind === 'row' && right.kind === 'row' && left.items.length === right.items.length) {
      // (a, b) = ($1, $2) is two equalities; (a, b) < ($1, $2) is a range on both (keyset).
      left.items.forEach((l, i) => compare(op, l, right.items[i]));
      return;
    }
    const l = column(left);
    const r = column(right);
    if (l && r) {
      if (op === '=' && l.occ !== r.occ) {
        pushUnique(l.occ.joinKeys, l.column);
        pushUnique(r.occ.joinKeys, r.column);
        // Correlated (EXISTS, LATERAL, scalar subquery): the outer value is fixed for each run
        // of the subquery, so for the subquery's table this is an equality like `= $1`.
        const inner = !l.source ? r : !r.source ? l : undefined;
        if (inner && filters(inner)) pushUnique(inner.occ.equality, inner.column);
      }
      return;
    }
    const col = l ?? r;
    const value = l ? right : left;
    if (!col || !isValue(value) || !filters(col)) return;
    if (op === '=') {
      pushUnique(col.occ.equality, col.column);
      if (value.kind === 'literal') addConstant(col, value.value);
    } else if (op !== '<>') {
      pushUnique(col.occ.range, col.column);
    }
  };

  for (const c of conjuncts(where)) {
    switch (c.kind) {
      case 'compare':
        compare(c.op, c.left, c.right);
        break;
      case 'in': {
        if (c.negated || !c.values.every(isValue)) break;
        for (const t of rowColumns(c.left, column))
          if (filters(t)) pushUnique(t.occ.inList, t.column);
        break;
      }
      case 'inQuery':
        if (c.negated) break;
        for (const t of rowColumns(c.left, column))
          if (filters(t)) pushUnique(t.occ.inList, t.column);
        break;
      case 'between': {
        const t = column(c.arg);
        if (!c.negated && t && filters(t) && isValue(c.low) && isValue(c.high)) {
          pushUnique(t.occ.range, t.column);
        }
        break;
      }
      case 'like': {
        const t = column(c.arg);
        const p = c.pattern;
        const substring =
          p.kind === 'param' || (p.kind === 'literal' && String(p.value).startsWith('%'));
        if (!c.negated && t && filters(t) && substring) pushUnique(t.occ.substring, t.column);
        break;
      }
      case 'isNull': {
        const t = column(c.arg);
        if (t && filters(t)) addNullCheck(t, !c.negated);
        break;
      }
      case 'isBool': {
        const t = column(c.arg);
        if (!c.negated && t && filters(t)) booleanColumn(t, c.value);
        break;
      }
      case 'column': {
        const t = column(c);
        if (t && filters(t)) booleanColumn(t, true);
        break;
      }
      case 'not': {
        if (c.arg.kind === 'isNull') {
          const n = column(c.arg.arg);
          if (n && filters(n)) addNullCheck(n, c.arg.negated);
          break;
        }
        const t = column(c.arg);
        if (t && filters(t)) booleanColumn(t, false);
        break;
      }
      case 'or': {
        // Only a disjunction of equalities on ONE column is usable (it is an IN list).
        const branches = c.args.flatMap(disjuncts);
        const cols = branches.map((b) => {
          if (b.kind === 'compare' && b.op === '=') {
            const l = column(b.left);
            const r = column(b.right);
            if (l && !r && isValue(b.right)) return l;
            if (r && !l && isValue(b.left)) return r;
          }
          if (b.kind === 'in' && !b.negated && b.values.every(isValue)) return column(b.left);
          return undefined;
        });
        const first = cols[0];
        const same = cols.every(
          (t) => t && first && t.occ === first.occ && t.column === first.column,
        );
        if (first && same && filters(first)) pushUnique(first.occ.inList, first.column);
        break;
      }
      default:
        break;
    }
  }
}

function booleanColumn(t: ColumnTerm, value: boolean): void {
  pushUnique(t.occ.equality, t.column);
  addConstant(t, value);
}

function addConstant(t: ColumnTerm, value: string | number | boolean): void {
  if (!t.occ.constants.some((c) => c.column === t.column && c.value === value)) {
    t.occ.constants.push({ column: t.column, value });
  }
}

function addNullCheck(t: ColumnTerm, isNull: boolean): void {
  if (!t.occ.nullChecks.some((n) => n.column === t.column && n.isNull === isNull)) {
    t.occ.nullChecks.push({ column: t.column, isNull });
  }
}

function rowColumns(e: SqlExpr, column: (e: SqlExpr) => ColumnTerm | undefined): ColumnTerm[] {
  const items = e.kind === 'row' ? e.items : [e];
  return items.flatMap((i) => column(i) ?? []);
}

function conjuncts(e: SqlExpr): SqlExpr[] {
  return e.kind === 'and' ? e.args.flatMap(conjuncts) : [e];
}

function disjuncts(e: SqlExpr): SqlExpr[] {
  return e.kind === 'or' ? e.args.flatMap(disjuncts) : [e];
}

/**
 * A value fixed for the duration of one index probe: parameters, literals, and expressions
 * over them (casts, `now()`, uncorrelated scalar subqueries), but no column of any query.
 */
function isValue(e: SqlExpr): boolean {
  switch (e.kind) {
    case 'param':
    case 'literal':
    case 'subquery':
      return true;
    case 'call':
      return !e.aggregate && e.args.every(isValue);
    case 'row':
      return e.items.every(isValue);
    default:
      return false;
  }
}

/** Appends `value` unless present. @internal */
export function pushUnique(list: string[], value: string): void {
  if (!list.includes(value)) list.push(value);
}

/** The public view of an occurrence. @internal */
export function occurrenceAccess(o: Occurrence): TableAccess {
  const inList = o.inList.filter((c) => !o.equality.includes(c));
  return {
    table: o.table,
    ...(o.schema !== undefined ? { schema: o.schema } : {}),
    equality: [...o.equality],
    inList,
    range: o.range.filter((c) => !o.equality.includes(c) && !inList.includes(c)),
    orderBy: o.orderBy.map((x) => ({ ...x })),
    joinKeys: [...o.joinKeys],
    groupBy: [...o.groupBy],
    substring: [...o.substring],
    nullChecks: o.nullChecks.map((x) => ({ ...x })),
    constants: o.constants.map((x) => ({ ...x })),
    selected: o.isTarget ? [] : o.readsAll ? '*' : [...o.reads],
    hasLimit: o.hasLimit,
  };
}
