import type { SqlCte, SqlExpr, SqlFrom, SqlSelect, SqlSortItem, SqlStatement } from './sql-model';
import { children, countRefs, isTransparentSelect } from './sql-walk';
import { constrain, occurrenceAccess, pushUnique } from './predicates';
import type { Occurrence } from './predicates';
import { ScopeResolver } from './scope';
import type { Block, Origin, Resolved, Scope, Source } from './scope';
import type { TableAccess } from './sql-analysis';

/**
 * Walks a statement model and records, per table occurrence, how the statement reads it.
 *
 * Scoping follows SQL: aliases hide table names, a subquery sees its outer query (correlation),
 * a CTE hides a table of the same name. A derived table (subquery in FROM, or a CTE read once
 * and not MATERIALIZED, which Postgres inlines) that does not aggregate, group, limit or
 * de-duplicate is "transparent": the outer query's predicates and sort on its columns are
 * credited to the base table columns they come from. Other derived tables are opaque: their
 * own predicates count, the outer query's do not.
 * @internal
 */
export function collectAccesses(statements: SqlStatement[], caseSensitive: boolean): TableAccess[] {
  const c = new Collector(caseSensitive);
  for (const s of statements) c.statement(s, undefined, { ctes: undefined, outerLimit: false });
  const seen = new Set<string>();
  return c.occurrences.map(occurrenceAccess).filter((a) => {
    const key = JSON.stringify(a);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

interface CteEntry {
  cte: SqlCte;
  inline: boolean;
  parent?: Scope;
  block?: Block;
}

interface CteEnv {
  entries: Map<string, CteEntry>;
  parent?: CteEnv;
}

interface Context {
  ctes?: CteEnv;
  /** The query that reads this (transparent) block has a LIMIT. */
  outerLimit: boolean;
}

interface PendingJoin {
  on?: SqlExpr;
  using: string[];
  left: Source[];
  right: Source[];
  /** Sources whose rows the ON clause filters (the nullable side of an outer join, or both). */
  filtered: Set<Source>;
}

class Collector {
  readonly occurrences: Occurrence[] = [];

  private readonly scopes: ScopeResolver;

  constructor(caseSensitive: boolean) {
    this.scopes = new ScopeResolver(caseSensitive);
  }

  key(name: string): string {
    return this.scopes.key(name);
  }

  statement(s: SqlStatement, parent: Scope | undefined, ctx: Context): Block | undefined {
    if (s.type === 'select') return this.select(s, parent, ctx);
    if (s.type === 'other') return undefined;
    const ctes = this.registerCtes(s, parent, ctx.ctes);
    const inner: Context = { ctes, outerLimit: false };
    const scope: Scope = { sources: [], parent, ambiguous: false };
    if (s.type === 'insert') {
      const occ = this.occurrence(s.table.name, s.table.schema, false);
      occ.isTarget = true;
      scope.sources.push({
        kind: 'base',
        names: this.scopes.qualifiedNames(s.table.name, s.table.schema),
        occ,
      });
      if (s.source) this.statement(s.source, undefined, inner);
      for (const e of s.extra) this.reads(e, scope, inner);
      return undefined;
    }
    const joins = this.addFrom(s.from, scope, { ctes, outerLimit: s.limit });
    const target = scope.sources.find((src) => this.scopes.matches(src, [s.target]));
    if (target?.kind === 'base') target.occ.isTarget = true;
    this.applyJoins(joins, scope, inner);
    if (s.where) {
      this.reads(s.where, scope, inner);
      constrain(s.where, this.resolver(scope), undefined);
    }
    for (const e of s.extra) this.reads(e, scope, inner);
    this.sort(s.orderBy, scope, new Map(), [], inner);
    this.finish(scope);
    return undefined;
  }

  private select(q: SqlSelect, parent: Scope | undefined, ctx: Context): Block {
    const ctes = this.registerCtes(q, parent, ctx.ctes);
    const inner: Context = { ctes, outerLimit: false };
    if (q.setArms.length) {
      for (const arm of q.setArms) this.statement(arm, parent, inner);
      return opaque();
    }
    const scope: Scope = { sources: [], parent, ambiguous: false };
    const joins = this.addFrom(q.from, scope, { ctes, outerLimit: q.limit || ctx.outerLimit });
    const aliases = new Map<string, SqlExpr>();
    for (const t of q.targets) {
      if (t.alias) aliases.set(this.key(t.alias), t.expr);
      if (t.expr.kind === 'star') this.star(t.expr.path, scope);
      else this.reads(t.expr, scope, inner);
    }
    this.applyJoins(joins, scope, inner);
    if (q.where) {
      this.reads(q.where, scope, inner);
      constrain(q.where, this.resolver(scope), undefined);
    }
    const targets = q.targets.map((t) => t.expr);
    for (const g of q.groupBy) {
      const e = this.outputRef(g, aliases, targets);
      if (!e) continue;
      this.reads(e, scope, inner);
      const origin = e.kind === 'column' ? this.scopes.resolve(e.path, scope)?.origin : undefined;
      if (origin) pushUnique(origin.occ.groupBy, origin.column);
    }
    if (q.having) this.reads(q.having, scope, inner);
    this.sort(q.orderBy, scope, aliases, targets, inner);
    this.finish(scope);
    return this.block(q, scope);
  }

  /** The output columns of a block, for the query that reads it as a derived table. */
  private block(q: SqlSelect, scope: Scope): Block {
    const transparent = isTransparentSelect(q);
    const columns = new Map<string, Origin | undefined>();
    let starScope: Scope | undefined;
    for (const t of q.targets) {
      if (t.expr.kind === 'star') {
        starScope = scope;
        continue;
      }
      const name = t.alias ?? (t.expr.kind === 'column' ? t.expr.path[t.expr.path.length - 1] : '');
      if (!name || columns.has(this.key(name))) continue;
      const origin =
        transparent && t.expr.kind === 'column'
          ? this.scopes.resolve(t.expr.path, scope)?.origin
          : undefined;
      columns.set(this.key(name), origin);
    }
    return { transparent, columns, starScope: transparent ? starScope : undefined };
  }

  /** Registers the CTEs of `owner`; a CTE read exactly once, and not MATERIALIZED, is inlined. */
  private registerCtes(
    owner: Exclude<SqlStatement, { type: 'other' }>,
    parent: Scope | undefined,
    env?: CteEnv,
  ): CteEnv | undefined {
    if (owner.with.length === 0) return env;
    const own: CteEnv = { entries: new Map(), parent: env };
    for (const cte of owner.with) {
      const refs = countRefs(owner, cte.name, this);
      const inline = !cte.materialized && refs === 1 && isTransparentSelect(cte.query);
      const entry: CteEntry = { cte, inline, parent };
      own.entries.set(this.key(cte.name), entry);
      if (!inline) {
        // Analyzed once where it is defined; a recursive CTE sees itself as opaque.
        const block = this.statement(cte.query, parent, { ctes: own, outerLimit: false });
        entry.block = opaque(renameColumns(block ?? opaque(), cte, this));
      }
    }
    return own;
  }

  private lookupCte(name: string, env: CteEnv | undefined): CteEntry | undefined {
    for (let e = env; e; e = e.parent) {
      const hit = e.entries.get(this.key(name));
      if (hit) return hit;
    }
    return undefined;
  }

  private addFrom(items: SqlFrom[], scope: Scope, ctx: Context): PendingJoin[] {
    const joins: PendingJoin[] = [];
    for (const item of items) this.fromItem(item, scope, ctx, joins);
    return joins;
  }

  /** Adds the sources of one FROM entry to `scope`; returns them. */
  private fromItem(item: SqlFrom, scope: Scope, ctx: Context, joins: PendingJoin[]): Source[] {
    if (item.kind === 'join') {
      const left = this.fromItem(item.left, scope, ctx, joins);
      const right = this.fromItem(item.right, scope, ctx, joins);
      const filtered = new Set<Source>(
        item.type === 'inner'
          ? [...left, ...right]
          : item.type === 'left'
            ? right
            : item.type === 'right'
              ? left
              : [],
      );
      joins.push({ on: item.on, using: item.using, left, right, filtered });
      return [...left, ...right];
    }
    let source: Source;
    if (item.kind === 'table') {
      const cte = item.schema === undefined ? this.lookupCte(item.name, ctx.ctes) : undefined;
      const names = item.alias ? [item.alias] : this.scopes.qualifiedNames(item.name, item.schema);
      if (cte?.inline && !cte.block) {
        const block = this.statement(cte.cte.query, cte.parent, ctx);
        cte.block = renameColumns(block ?? opaque(), cte.cte, this);
        source = { kind: 'derived', names, block: cte.block };
      } else if (cte) {
        source = cte.block
          ? { kind: 'derived', names, block: cte.block }
          : { kind: 'opaque', names };
      } else {
        const occ = this.occurrence(item.name, item.schema, ctx.outerLimit);
        source = { kind: 'base', names, occ };
      }
    } else if (item.kind === 'derived') {
      const transparent = isTransparentSelect(item.query);
      // The current scope, not its parent, so that LATERAL subqueries resolve their references.
      const block = this.statement(item.query, scope, {
        ctes: ctx.ctes,
        outerLimit: transparent && ctx.outerLimit,
      });
      const renamed = renameColumns(block ?? opaque(), item, this);
      source = { kind: 'derived', names: item.alias ? [item.alias] : [], block: renamed };
    } else {
      for (const a of item.args) this.reads(a, scope, ctx);
      source = { kind: 'opaque', names: item.alias ? [item.alias] : [] };
    }
    scope.sources.push(source);
    return [source];
  }

  private applyJoins(joins: PendingJoin[], scope: Scope, ctx: Context): void {
    for (const j of joins) {
      for (const column of j.using) {
        const l = j.left.length === 1 ? this.scopes.viaSource(j.left[0], column) : undefined;
        const r = j.right.length === 1 ? this.scopes.viaSource(j.right[0], column) : undefined;
        if (l && r) {
          pushUnique(l.occ.joinKeys, l.column);
          pushUnique(r.occ.joinKeys, r.column);
          pushUnique(l.occ.reads, l.column);
          pushUnique(r.occ.reads, r.column);
        }
      }
      if (!j.on) continue;
      this.reads(j.on, scope, ctx);
      constrain(j.on, this.resolver(scope), j.filtered);
    }
  }

  /** Records ORDER BY on the occurrence that owns its leading columns. */
  private sort(
    items: SqlSortItem[],
    scope: Scope,
    aliases: Map<string, SqlExpr>,
    targets: SqlExpr[],
    ctx: Context,
  ): void {
    const resolved = items.map((item) => {
      const e = this.outputRef(item.expr, aliases, targets);
      if (!e) return undefined;
      this.reads(e, scope, ctx);
      const origin = e.kind === 'column' ? this.scopes.resolve(e.path, scope)?.origin : undefined;
      return origin && { ...origin, direction: item.direction };
    });
    const owner = resolved[0]?.occ;
    if (!owner) return;
    const order: Occurrence['orderBy'] = [];
    for (const r of resolved) {
      if (!r || r.occ !== owner) break;
      if (!order.some((o) => o.column === r.column)) {
        order.push({ column: r.column, direction: r.direction });
      }
    }
    owner.orderBy = order;
  }

  /**
   * ORDER BY / GROUP BY items naming an output column (`ORDER BY "Task_id"`, `ORDER BY 1`) stand
   * for that column's expression; undefined when it is not a plain column (nothing to index).
   */
  private outputRef(
    e: SqlExpr,
    aliases: Map<string, SqlExpr>,
    targets: SqlExpr[],
  ): SqlExpr | undefined {
    if (e.kind === 'literal' && typeof e.value === 'number') {
      const t = targets[e.value - 1];
      return t?.kind === 'column' ? t : undefined;
    }
    if (e.kind === 'column' && e.path.length === 1) {
      const t = aliases.get(this.key(e.path[0]));
      if (t) return t.kind === 'column' ? t : undefined;
    }
    return e;
  }

  /** Marks columns read and analyzes the subqueries of an expression. */
  reads(e: SqlExpr, scope: Scope, ctx: Context): void {
    switch (e.kind) {
      case 'column': {
        const r = this.scopes.resolve(e.path, scope);
        if (r?.origin) pushUnique(r.origin.occ.reads, r.origin.column);
        if (!r && e.path.length === 1) scope.ambiguous = true;
        return;
      }
      case 'subquery':
        this.statement(e.query, scope, { ctes: ctx.ctes, outerLimit: false });
        return;
      case 'inQuery':
        this.reads(e.left, scope, ctx);
        this.statement(e.query, scope, { ctes: ctx.ctes, outerLimit: false });
        return;
      default:
        for (const child of children(e)) this.reads(child, scope, ctx);
    }
  }

  private star(path: string[], scope: Scope): void {
    for (const s of scope.sources) {
      if (s.kind === 'base' && (path.length === 0 || this.scopes.matches(s, [path.join('.')]))) {
        s.occ.readsAll = true;
      }
    }
  }

  private finish(scope: Scope): void {
    if (!scope.ambiguous) return;
    for (const s of scope.sources) if (s.kind === 'base') s.occ.readsAll = true;
  }

  resolver(scope: Scope): (path: string[]) => Resolved | undefined {
    return (path) => this.scopes.resolve(path, scope);
  }

  private occurrence(table: string, schema: string | undefined, hasLimit: boolean): Occurrence {
    const occ: Occurrence = {
      table,
      schema,
      equality: [],
      inList: [],
      range: [],
      orderBy: [],
      joinKeys: [],
      groupBy: [],
      substring: [],
      nullChecks: [],
      constants: [],
      reads: [],
      readsAll: false,
      isTarget: false,
      hasLimit,
    };
    this.occurrences.push(occ);
    return occ;
  }
}

/** A block whose rows the outer query cannot see through (its columns stay known). */
function opaque(block?: Block): Block {
  const columns = new Map<string, Origin | undefined>();
  for (const name of block?.columns.keys() ?? []) columns.set(name, undefined);
  return { transparent: false, columns };
}

/** CTE/derived column aliases (`WITH r(a, b) AS ...`, `(...) AS s(a, b)`) rename positionally. */
function renameColumns(
  block: Block,
  item: { columnAliases: string[] },
  c: { key(name: string): string },
): Block {
  if (item.columnAliases.length === 0 || block.starScope) return block;
  const values = [...block.columns.values()];
  const columns = new Map<string, Origin | undefined>();
  item.columnAliases.forEach((alias, i) => columns.set(c.key(alias), values[i]));
  return { ...block, columns };
}
