import { emptySelect, isAggregateName } from './sql-model';
import type {
  CompareOp,
  SqlCte,
  SqlExpr,
  SqlFrom,
  SqlSelect,
  SqlSortItem,
  SqlStatement,
} from './sql-model';

/** node-sql-parser's AST, read defensively: its shape varies between node kinds and versions. */
type Rec = Record<string, unknown>;

/**
 * Translates node-sql-parser ASTs (SQLite, MySQL) into the statement model. Identifiers keep
 * the case they were written in; on SQLite a `"double-quoted"` word the parser took for a
 * string is an identifier (that is how SQLite resolves it), on MySQL it is a string.
 * @internal
 */
export function fromNodeSqlParser(ast: unknown, dialect: 'mysql' | 'sqlite'): SqlStatement[] {
  const t = new Translator(dialect);
  return (Array.isArray(ast) ? ast : [ast]).map((s) => t.statement(s));
}

const COMPARE: Record<string, CompareOp> = {
  '=': '=',
  '==': '=',
  '<=>': '=',
  '<>': '<>',
  '!=': '<>',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
};

class Translator {
  constructor(private readonly dialect: 'mysql' | 'sqlite') {}

  statement(value: unknown): SqlStatement {
    const s = rec(value);
    if (!s) return { type: 'other' };
    if (rec(s.ast)) return this.statement(s.ast);
    const type = str(s.type)?.toLowerCase();
    if (type === 'select') return this.select(s);
    if (type === 'update' || type === 'delete') {
      const tables = arr(s.table);
      const from = this.fromList(type === 'delete' && arr(s.from).length ? arr(s.from) : tables);
      const first = rec(tables[0]);
      const target = first ? (name(first.as) ?? name(first.table) ?? '') : '';
      return {
        type,
        with: this.ctes(s.with),
        target,
        from,
        where: this.optExpr(s.where),
        extra: arr(s.set).map((item) => this.expr(rec(item)?.value)),
        orderBy: this.orderBy(s.orderby),
        limit: this.hasLimit(s.limit),
      };
    }
    if (type === 'insert' || type === 'replace') {
      const first = rec(arr(s.table)[0]);
      const values = rec(s.values);
      const source = values && str(values.type) === 'select' ? this.statement(values) : undefined;
      return {
        type: 'insert',
        with: this.ctes(s.with),
        table: { schema: name(first?.db) ?? undefined, name: name(first?.table) ?? '' },
        source,
        extra: source ? [] : this.children(values),
      };
    }
    return { type: 'other' };
  }

  private select(s: Rec): SqlSelect {
    const q = emptySelect();
    q.with = this.ctes(s.with);
    const next = rec(s._next);
    if (next) {
      const arms: SqlStatement[] = [];
      for (let arm: Rec | undefined = s; arm; arm = rec(arm._next)) {
        arms.push(this.select({ ...arm, _next: null, with: null }));
      }
      q.setArms = arms;
      return q;
    }
    q.targets = arr(s.columns).flatMap((c) => {
      const col = rec(c);
      if (!col) return c === '*' ? [{ expr: { kind: 'star', path: [] } as SqlExpr }] : [];
      return [{ expr: this.expr(col.expr), alias: name(col.as) ?? undefined }];
    });
    q.from = this.fromList(arr(s.from));
    q.where = this.optExpr(s.where);
    const group = rec(s.groupby);
    q.groupBy = (group ? arr(group.columns) : arr(s.groupby)).map((g) => this.expr(g));
    q.having = this.optExpr(s.having);
    q.orderBy = this.orderBy(s.orderby);
    q.limit = this.hasLimit(s.limit);
    const distinct = rec(s.distinct)?.type ?? s.distinct;
    q.distinct = typeof distinct === 'string' && distinct.toUpperCase() === 'DISTINCT';
    return q;
  }

  private ctes(value: unknown): SqlCte[] {
    return arr(value).flatMap((c) => {
      const cte = rec(c);
      if (!cte) return [];
      return [
        {
          name: name(cte.name) ?? '',
          query: this.statement(cte.stmt),
          columnAliases: arr(cte.columns).flatMap((col) => name(rec(col)?.column ?? col) ?? []),
          materialized: cte.recursive === true,
        },
      ];
    });
  }

  private orderBy(value: unknown): SqlSortItem[] {
    return arr(value).map((o) => {
      const item = rec(o) ?? {};
      const direction = str(item.type)?.toUpperCase() === 'DESC' ? 'DESC' : 'ASC';
      return { expr: this.expr(item.expr), direction };
    });
  }

  private hasLimit(value: unknown): boolean {
    return arr(rec(value)?.value).length > 0;
  }

  /** node-sql-parser lists joined tables flat, each carrying its join; rebuild the tree. */
  private fromList(items: unknown[]): SqlFrom[] {
    const roots: SqlFrom[] = [];
    for (const raw of items) {
      const item = rec(raw);
      if (!item) continue;
      const source = this.fromItem(item);
      const join = str(item.join)?.toUpperCase();
      const left = roots[roots.length - 1];
      if (!join || !left) {
        roots.push(source);
        continue;
      }
      const type = join.startsWith('LEFT')
        ? 'left'
        : join.startsWith('RIGHT')
          ? 'right'
          : join.startsWith('FULL')
            ? 'full'
            : 'inner';
      roots[roots.length - 1] = {
        kind: 'join',
        type,
        left,
        right: source,
        on: this.optExpr(item.on),
        using: arr(item.using).flatMap((u) => name(u) ?? []),
      };
    }
    return roots;
  }

  private fromItem(item: Rec): SqlFrom {
    const alias = name(item.as) ?? undefined;
    const table = name(item.table);
    if (table !== null && !rec(item.expr)) {
      return { kind: 'table', schema: name(item.db) ?? undefined, name: table, alias };
    }
    const inner = rec(item.expr);
    if (inner && rec(inner.ast)) {
      return { kind: 'derived', query: this.statement(inner.ast), alias, columnAliases: [] };
    }
    return { kind: 'opaque', alias, args: inner ? [this.expr(inner)] : [] };
  }

  private optExpr(value: unknown): SqlExpr | undefined {
    return value === null || value === undefined ? undefined : this.expr(value);
  }

  expr(value: unknown): SqlExpr {
    const e = rec(value);
    if (!e) return { kind: 'null' };
    if (rec(e.ast)) return { kind: 'subquery', query: this.statement(e.ast) };
    const type = str(e.type) ?? '';
    switch (type) {
      case 'column_ref': {
        const column = name(e.column) ?? '';
        const path = [name(e.db), name(e.schema), name(e.table)].filter(
          (p): p is string => p !== null,
        );
        return column === '*'
          ? { kind: 'star', path }
          : { kind: 'column', path: [...path, column] };
      }
      case 'double_quote_string':
        return this.dialect === 'sqlite'
          ? { kind: 'column', path: [String(e.value)] }
          : { kind: 'literal', value: this.unquote(String(e.value)) };
      case 'backticks_quote_string':
        return { kind: 'column', path: [String(e.value)] };
      case 'origin':
        return e.value === '?' ? { kind: 'param' } : call(String(e.value), []);
      case 'param':
      case 'var':
        return { kind: 'param' };
      case 'number':
        return { kind: 'literal', value: Number(e.value) };
      case 'bool':
        return { kind: 'literal', value: e.value === true };
      case 'null':
        return { kind: 'null' };
      case 'star':
        return { kind: 'star', path: [] };
      case 'binary_expr':
        return this.binary(e);
      case 'unary_expr':
        return str(e.operator)?.toUpperCase() === 'NOT'
          ? { kind: 'not', arg: this.expr(e.expr) }
          : call(String(e.operator), [this.expr(e.expr)]);
      case 'expr_list': {
        const items = arr(e.value).map((v) => this.expr(v));
        return items.length === 1 ? items[0] : { kind: 'row', items };
      }
      case 'function':
        return this.func(e);
      case 'aggr_func': {
        const args = rec(e.args);
        const inner = args && rec(args.expr);
        const list = inner && str(inner.type) !== 'star' ? [this.expr(inner)] : [];
        return call(name(e.name) ?? 'aggregate', [...list, ...this.children(e.over)], true);
      }
      case 'cast': {
        const arg = this.expr(e.expr);
        return arg.kind === 'param' || arg.kind === 'literal' ? arg : call('cast', [arg]);
      }
      default:
        if (type.endsWith('string'))
          return { kind: 'literal', value: this.unquote(String(e.value)) };
        return call(type || '?', this.children(e), e.over !== null && e.over !== undefined);
    }
  }

  private binary(e: Rec): SqlExpr {
    const op = (str(e.operator) ?? '').toUpperCase();
    const left = this.expr(e.left);
    const right = rec(e.right);
    if (op === 'AND' || op === 'OR') {
      return { kind: op === 'AND' ? 'and' : 'or', args: [left, this.expr(e.right)] };
    }
    if (COMPARE[op]) {
      const any = right && this.anyArgs(right);
      if (any && COMPARE[op] === '=') return this.membership(left, any, false);
      return { kind: 'compare', op: COMPARE[op], left, right: this.expr(e.right) };
    }
    if (op === 'IN' || op === 'NOT IN') {
      const list = right && str(right.type) === 'expr_list' ? arr(right.value) : [e.right];
      return this.membership(left, list, op === 'NOT IN');
    }
    if (op === 'BETWEEN' || op === 'NOT BETWEEN') {
      const [low, high] = arr(right?.value).map((v) => this.expr(v));
      return {
        kind: 'between',
        negated: op.startsWith('NOT'),
        arg: left,
        low: low ?? { kind: 'null' },
        high: high ?? { kind: 'null' },
      };
    }
    if (/^(NOT )?I?LIKE$/.test(op)) {
      return { kind: 'like', negated: op.startsWith('NOT'), arg: left, pattern: this.expr(right) };
    }
    if (op === 'IS' || op === 'IS NOT') {
      const r = this.expr(e.right);
      if (r.kind === 'null') return { kind: 'isNull', negated: op === 'IS NOT', arg: left };
      if (r.kind === 'literal' && typeof r.value === 'boolean') {
        return { kind: 'isBool', value: r.value, negated: op === 'IS NOT', arg: left };
      }
    }
    return call(op, [left, this.expr(e.right)]);
  }

  /** `x IN (list)`, `x IN (SELECT ...)` and `x = ANY (...)`. */
  private membership(left: SqlExpr, list: unknown[], negated: boolean): SqlExpr {
    const only = rec(list[0]);
    if (list.length === 1 && only && rec(only.ast)) {
      return { kind: 'inQuery', negated, left, query: this.statement(only.ast) };
    }
    return { kind: 'in', negated, left, values: list.map((v) => this.expr(v)) };
  }

  private anyArgs(e: Rec): unknown[] | undefined {
    if (str(e.type) !== 'function') return undefined;
    const fn = (name(e.name) ?? '').toUpperCase();
    return fn === 'ANY' || fn === 'SOME' ? arr(rec(e.args)?.value) : undefined;
  }

  private func(e: Rec): SqlExpr {
    const fn = name(e.name) ?? '';
    const args = arr(rec(e.args)?.value).map((v) => this.expr(v));
    const upper = fn.toUpperCase();
    if (upper === 'NOT' && args.length === 1) return { kind: 'not', arg: args[0] };
    if (upper === 'EXISTS' && args[0]?.kind === 'subquery') return args[0];
    const over = e.over !== null && e.over !== undefined;
    if (over) args.push(...this.children(e.over));
    return call(fn, args, over || isAggregateName(fn));
  }

  /** Every expression-like object under `value` (for node kinds not modelled above). */
  private children(value: unknown): SqlExpr[] {
    if (Array.isArray(value)) return value.flatMap((v) => this.children(v));
    const e = rec(value);
    if (!e) return [];
    return Object.entries(e).flatMap(([key, v]) => {
      if (key === 'type') return [];
      const child = rec(v);
      if (child && (typeof child.type === 'string' || rec(child.ast))) return [this.expr(child)];
      return Array.isArray(v) || child ? this.children(v) : [];
    });
  }

  /** A string literal's value: the parser keeps escapes as written. */
  private unquote(raw: string): string {
    const text = raw.replace(/''/g, "'");
    // SQLite text was pre-processed with doubled backslashes; MySQL uses backslash escapes.
    return this.dialect === 'sqlite' ? text.replace(/\\\\/g, '\\') : text.replace(/\\(.)/g, '$1');
  }
}

function call(name: string, args: SqlExpr[], aggregate = false): SqlExpr {
  return { kind: 'call', name, args, aggregate };
}

function rec(value: unknown): Rec | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Rec)
    : undefined;
}

function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A name given as a string, `{ value }`, `{ expr: { value } }` or `{ name: [{ value }] }`. */
function name(value: unknown): string | null {
  if (typeof value === 'string') return value;
  const r = rec(value);
  if (!r) return null;
  if (typeof r.value === 'string') return r.value;
  if (rec(r.expr)) return name(r.expr);
  const parts = arr(r.name);
  if (parts.length) return parts.map((p) => name(p) ?? '').join('.');
  return typeof r.name === 'string' ? r.name : null;
}
