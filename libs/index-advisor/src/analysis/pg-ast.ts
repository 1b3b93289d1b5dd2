import type {
  A_Const,
  A_Expr,
  FuncCall,
  Node,
  ParseResult,
  RangeVar,
  SelectStmt,
  SortBy,
  SubLink,
  WithClause,
} from 'libpg-query';
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

/**
 * Translates a libpg-query parse tree into the statement model. Identifiers arrive as Postgres
 * resolves them: unquoted ones already lower-cased by the parser, quoted ones exact.
 * @internal
 */
export function fromPgParseResult(result: ParseResult): SqlStatement[] {
  return (result.stmts ?? []).map((raw) => statement(raw.stmt));
}

function statement(node: Node | undefined): SqlStatement {
  if (!node) return { type: 'other' };
  if ('SelectStmt' in node) return select(node.SelectStmt);
  if ('UpdateStmt' in node) {
    const u = node.UpdateStmt;
    if (!u.relation) return { type: 'other' };
    return {
      type: 'update',
      with: ctes(u.withClause),
      target: u.relation.alias?.aliasname ?? u.relation.relname ?? '',
      from: [table(u.relation), ...nodes(u.fromClause).map(fromItem)],
      where: optExpr(u.whereClause),
      extra: [...targetValues(u.targetList), ...targetValues(u.returningList)],
      orderBy: [],
      limit: false,
    };
  }
  if ('DeleteStmt' in node) {
    const d = node.DeleteStmt;
    if (!d.relation) return { type: 'other' };
    return {
      type: 'delete',
      with: ctes(d.withClause),
      target: d.relation.alias?.aliasname ?? d.relation.relname ?? '',
      from: [table(d.relation), ...nodes(d.usingClause).map(fromItem)],
      where: optExpr(d.whereClause),
      extra: targetValues(d.returningList),
      orderBy: [],
      limit: false,
    };
  }
  if ('InsertStmt' in node) {
    const i = node.InsertStmt;
    if (!i.relation) return { type: 'other' };
    const conflict = i.onConflictClause;
    return {
      type: 'insert',
      with: ctes(i.withClause),
      table: { schema: i.relation.schemaname, name: i.relation.relname ?? '' },
      source: i.selectStmt ? statement(i.selectStmt) : undefined,
      extra: [
        ...targetValues(i.returningList),
        ...targetValues(conflict?.targetList),
        ...(conflict?.whereClause ? [expr(conflict.whereClause)] : []),
      ],
    };
  }
  return { type: 'other' };
}

function select(s: SelectStmt): SqlSelect {
  const q = emptySelect();
  q.with = ctes(s.withClause);
  q.limit = s.limitCount !== undefined && !isNullConst(s.limitCount);
  if (s.op && s.op !== 'SETOP_NONE') {
    // The arms are analyzed on their own; a sort over the whole union cannot use one index.
    q.setArms = [...setArms(s.larg), ...setArms(s.rarg)];
    return q;
  }
  q.targets = nodes(s.targetList).flatMap((n) =>
    'ResTarget' in n && n.ResTarget.val
      ? [{ expr: expr(n.ResTarget.val), alias: n.ResTarget.name }]
      : [],
  );
  // VALUES (...) rows: kept as targets so that subqueries in them are still analyzed.
  for (const row of nodes(s.valuesLists)) {
    const items = 'List' in row ? nodes(row.List.items) : [row];
    q.targets.push(...items.map((n) => ({ expr: expr(n) })));
  }
  q.from = nodes(s.fromClause).map(fromItem);
  q.where = optExpr(s.whereClause);
  q.groupBy = nodes(s.groupClause).map(expr);
  q.having = optExpr(s.havingClause);
  q.orderBy = nodes(s.sortClause).flatMap((n) => ('SortBy' in n ? [sortItem(n.SortBy)] : []));
  q.distinct = s.distinctClause !== undefined;
  return q;
}

function setArms(arm: SelectStmt | undefined): SqlStatement[] {
  if (!arm) return [];
  if (arm.op && arm.op !== 'SETOP_NONE') return [...setArms(arm.larg), ...setArms(arm.rarg)];
  return [select(arm)];
}

function sortItem(s: SortBy): SqlSortItem {
  return { expr: expr(s.node), direction: s.sortby_dir === 'SORTBY_DESC' ? 'DESC' : 'ASC' };
}

function ctes(w: WithClause | undefined): SqlCte[] {
  return nodes(w?.ctes).flatMap((n) => {
    if (!('CommonTableExpr' in n)) return [];
    const c = n.CommonTableExpr;
    return [
      {
        name: c.ctename ?? '',
        query: statement(c.ctequery),
        columnAliases: strings(c.aliascolnames),
        materialized: w?.recursive === true || c.ctematerialized === 'CTEMaterializeAlways',
      },
    ];
  });
}

function table(r: RangeVar): SqlFrom {
  return { kind: 'table', schema: r.schemaname, name: r.relname ?? '', alias: r.alias?.aliasname };
}

function fromItem(node: Node): SqlFrom {
  if ('RangeVar' in node) return table(node.RangeVar);
  if ('JoinExpr' in node) {
    const j = node.JoinExpr;
    const type =
      j.jointype === 'JOIN_LEFT'
        ? 'left'
        : j.jointype === 'JOIN_RIGHT'
          ? 'right'
          : j.jointype === 'JOIN_FULL'
            ? 'full'
            : 'inner';
    return {
      kind: 'join',
      type,
      left: j.larg ? fromItem(j.larg) : { kind: 'opaque', args: [] },
      right: j.rarg ? fromItem(j.rarg) : { kind: 'opaque', args: [] },
      on: optExpr(j.quals),
      using: strings(j.usingClause),
    };
  }
  if ('RangeSubselect' in node) {
    const r = node.RangeSubselect;
    return {
      kind: 'derived',
      query: statement(r.subquery),
      alias: r.alias?.aliasname,
      columnAliases: strings(r.alias?.colnames),
    };
  }
  if ('RangeFunction' in node) {
    const f = node.RangeFunction;
    return { kind: 'opaque', alias: f.alias?.aliasname, args: childExprs(f.functions) };
  }
  return { kind: 'opaque', args: [] };
}

const COMPARE: Record<string, CompareOp> = {
  '=': '=',
  '<>': '<>',
  '!=': '<>',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
};

function optExpr(node: Node | undefined): SqlExpr | undefined {
  return node ? expr(node) : undefined;
}

function expr(node: Node | undefined): SqlExpr {
  if (!node) return { kind: 'null' };
  if ('ColumnRef' in node) {
    const fields = nodes(node.ColumnRef.fields);
    const path = fields.flatMap((f) => ('String' in f ? [f.String.sval ?? ''] : []));
    const last = fields[fields.length - 1];
    return last && 'A_Star' in last ? { kind: 'star', path } : { kind: 'column', path };
  }
  if ('ParamRef' in node) return { kind: 'param' };
  if ('A_Const' in node) return constant(node.A_Const);
  if ('TypeCast' in node) {
    const arg = expr(node.TypeCast.arg);
    return isValue(arg) ? arg : call('cast', [arg]);
  }
  if ('A_Expr' in node) return aExpr(node.A_Expr);
  if ('BoolExpr' in node) {
    const args = nodes(node.BoolExpr.args).map(expr);
    if (node.BoolExpr.boolop === 'NOT_EXPR') return { kind: 'not', arg: args[0] ?? nullExpr() };
    return { kind: node.BoolExpr.boolop === 'OR_EXPR' ? 'or' : 'and', args };
  }
  if ('NullTest' in node) {
    const negated = node.NullTest.nulltesttype === 'IS_NOT_NULL';
    return { kind: 'isNull', negated, arg: expr(node.NullTest.arg) };
  }
  if ('BooleanTest' in node) {
    const arg = expr(node.BooleanTest.arg);
    switch (node.BooleanTest.booltesttype) {
      case 'IS_TRUE':
        return { kind: 'isBool', value: true, negated: false, arg };
      case 'IS_NOT_TRUE':
        return { kind: 'isBool', value: true, negated: true, arg };
      case 'IS_FALSE':
        return { kind: 'isBool', value: false, negated: false, arg };
      case 'IS_NOT_FALSE':
        return { kind: 'isBool', value: false, negated: true, arg };
      default:
        return call('is_unknown', [arg]);
    }
  }
  if ('SubLink' in node) return subLink(node.SubLink);
  if ('FuncCall' in node) return funcCall(node.FuncCall);
  if ('RowExpr' in node) return { kind: 'row', items: nodes(node.RowExpr.args).map(expr) };
  if ('NamedArgExpr' in node) return expr(node.NamedArgExpr.arg);
  if ('CollateClause' in node) return call('collate', [expr(node.CollateClause.arg)]);
  if ('SQLValueFunction' in node) return call('sql_value_function', []);
  return call('?', childExprs(Object.values(node)[0]));
}

function nullExpr(): SqlExpr {
  return { kind: 'null' };
}

function call(name: string, args: SqlExpr[], aggregate = false): SqlExpr {
  return { kind: 'call', name, args, aggregate };
}

function isValue(e: SqlExpr): boolean {
  return e.kind === 'param' || e.kind === 'literal' || e.kind === 'null';
}

function constant(c: A_Const): SqlExpr {
  if (c.isnull) return { kind: 'null' };
  // Protobuf JSON omits default values: `0` arrives as `{ ival: {} }`, `false` as `{ boolval: {} }`.
  if (c.ival) return { kind: 'literal', value: c.ival.ival ?? 0 };
  if (c.fval) return { kind: 'literal', value: Number(c.fval.fval ?? 0) };
  if (c.boolval) return { kind: 'literal', value: c.boolval.boolval ?? false };
  if (c.sval) return { kind: 'literal', value: c.sval.sval ?? '' };
  if (c.bsval) return { kind: 'literal', value: c.bsval.bsval ?? '' };
  return { kind: 'null' };
}

function isNullConst(node: Node): boolean {
  return 'A_Const' in node && node.A_Const.isnull === true;
}

function aExpr(a: A_Expr): SqlExpr {
  const op = operatorName(a.name);
  const left = expr(a.lexpr);
  const rightNodes = a.rexpr && 'List' in a.rexpr ? nodes(a.rexpr.List.items) : [];
  switch (a.kind) {
    case 'AEXPR_OP':
      if (!a.lexpr) return call(op, [expr(a.rexpr)]);
      if (COMPARE[op]) return { kind: 'compare', op: COMPARE[op], left, right: expr(a.rexpr) };
      if (op === '~~' || op === '~~*' || op === '!~~' || op === '!~~*') {
        return { kind: 'like', negated: op.startsWith('!'), arg: left, pattern: likePattern(a) };
      }
      return call(op, [left, expr(a.rexpr)]);
    case 'AEXPR_OP_ANY': {
      if (op !== '=') return call(`${op} any`, [left, expr(a.rexpr)]);
      const array = a.rexpr && 'A_ArrayExpr' in a.rexpr ? a.rexpr.A_ArrayExpr : undefined;
      const values = array ? nodes(array.elements).map(expr) : [expr(a.rexpr)];
      return { kind: 'in', negated: false, left, values };
    }
    case 'AEXPR_IN':
      return { kind: 'in', negated: op === '<>', left, values: rightNodes.map(expr) };
    case 'AEXPR_LIKE':
    case 'AEXPR_ILIKE':
      return { kind: 'like', negated: op.startsWith('!'), arg: left, pattern: likePattern(a) };
    case 'AEXPR_BETWEEN':
    case 'AEXPR_NOT_BETWEEN':
    case 'AEXPR_BETWEEN_SYM':
    case 'AEXPR_NOT_BETWEEN_SYM': {
      const [low, high] = rightNodes.map(expr);
      return {
        kind: 'between',
        negated: a.kind.startsWith('AEXPR_NOT'),
        arg: left,
        low: low ?? nullExpr(),
        high: high ?? nullExpr(),
      };
    }
    default:
      return call(op || String(a.kind), [
        left,
        ...(rightNodes.length ? rightNodes.map(expr) : [expr(a.rexpr)]),
      ]);
  }
}

/** `x LIKE p ESCAPE e` arrives as `x ~~ like_escape(p, e)`: the pattern is `p`. */
function likePattern(a: A_Expr): SqlExpr {
  const r = a.rexpr;
  if (r && 'FuncCall' in r && operatorName(r.FuncCall.funcname) === 'like_escape') {
    return expr(nodes(r.FuncCall.args)[0]);
  }
  return expr(r);
}

function subLink(s: SubLink): SqlExpr {
  const query = statement(s.subselect);
  if (s.subLinkType === 'ANY_SUBLINK') {
    const op = operatorName(s.operName) || '=';
    if (op === '=') return { kind: 'inQuery', negated: false, left: expr(s.testexpr), query };
  }
  const sub: SqlExpr = { kind: 'subquery', query };
  return s.testexpr ? call('sublink', [expr(s.testexpr), sub]) : sub;
}

function funcCall(f: FuncCall): SqlExpr {
  const name = operatorName(f.funcname);
  const args = [...nodes(f.args), ...nodes(f.agg_order)].map(expr);
  if (f.agg_filter) args.push(expr(f.agg_filter));
  // Window PARTITION BY / ORDER BY columns are read too.
  if (f.over) args.push(...childExprs(f.over));
  const aggregate =
    f.agg_star === true ||
    f.agg_distinct === true ||
    f.over !== undefined ||
    f.agg_filter !== undefined ||
    isAggregateName(name);
  return call(name, args, aggregate);
}

function operatorName(names: Node[] | undefined): string {
  const list = nodes(names);
  const last = list[list.length - 1];
  return last && 'String' in last ? (last.String.sval ?? '') : '';
}

function targetValues(list: Node[] | undefined): SqlExpr[] {
  return nodes(list).flatMap((n) =>
    'ResTarget' in n && n.ResTarget.val ? [expr(n.ResTarget.val)] : [],
  );
}

function strings(list: Node[] | undefined): string[] {
  return nodes(list).flatMap((n) => ('String' in n ? [n.String.sval ?? ''] : []));
}

function nodes(list: Node[] | undefined): Node[] {
  return list ?? [];
}

/** The expressions inside a node this translator does not model (CASE, arrays, COALESCE...). */
function childExprs(value: unknown): SqlExpr[] {
  if (Array.isArray(value)) return value.flatMap(childExprs);
  if (typeof value !== 'object' || value === null) return [];
  const keys = Object.keys(value);
  if (keys.length === 1 && /^[A-Z]/.test(keys[0])) {
    return keys[0] === 'TypeName' ? [] : [expr(value as Node)];
  }
  return Object.values(value).flatMap(childExprs);
}
