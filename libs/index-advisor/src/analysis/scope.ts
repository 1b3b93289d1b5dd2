import type { Occurrence } from './predicates';

/** Where a resolved column comes from. @internal */
export interface Origin {
  occ: Occurrence;
  column: string;
}

/** A column reference after resolution. @internal */
export interface Resolved {
  /** The source in the current scope, or undefined for a column of an outer query. */
  source?: Source;
  /** The base-table column, when it can be traced to one. */
  origin?: Origin;
}

/** A FROM entry as seen by column resolution. @internal */
export type Source =
  | { kind: 'base'; names: string[]; occ: Occurrence }
  | { kind: 'derived'; names: string[]; block: Block }
  | { kind: 'opaque'; names: string[] };

/** What an analyzed query block exposes to the query that reads it. @internal */
export interface Block {
  transparent: boolean;
  /** Output columns, by name, with their base-table origin when transparent. */
  columns: Map<string, Origin | undefined>;
  /** For `SELECT *` blocks: the scope whose columns pass through. */
  starScope?: Scope;
}

/** The sources of one query block. @internal */
export interface Scope {
  sources: Source[];
  parent?: Scope;
  /** An unqualified column could not be attributed: selected columns are unknown. */
  ambiguous: boolean;
}

/**
 * Column resolution over nested scopes. Names compare exactly on Postgres (the parser already
 * lower-cased unquoted identifiers) and case-insensitively on SQLite and MySQL.
 * @internal
 */
export class ScopeResolver {
  constructor(private readonly caseSensitive: boolean) {}

  key(name: string): string {
    return this.caseSensitive ? name : name.toLowerCase();
  }

  /** Resolves a column reference from `scope` outwards; undefined when unknown or ambiguous. */
  resolve(path: string[], scope: Scope, walkParents = true): Resolved | undefined {
    const column = path[path.length - 1];
    const qualifier = path.slice(Math.max(0, path.length - 3), -1).join('.');
    for (let s: Scope | undefined = scope; s; s = walkParents ? s.parent : undefined) {
      const outer = s !== scope;
      let source: Source | undefined;
      if (qualifier) {
        source = s.sources.find((src) => this.matches(src, [qualifier]));
      } else if (s.sources.length === 1) {
        source = s.sources[0];
      } else if (s.sources.length > 1) {
        const known = s.sources.filter(
          (src) => src.kind === 'derived' && src.block.columns.has(this.key(column)),
        );
        if (known.length !== 1) return undefined;
        source = known[0];
      }
      if (source)
        return { source: outer ? undefined : source, origin: this.viaSource(source, column) };
    }
    return undefined;
  }

  viaSource(source: Source, column: string): Origin | undefined {
    if (source.kind === 'base') return { occ: source.occ, column };
    if (source.kind === 'opaque' || !source.block.transparent) return undefined;
    const known = source.block.columns.get(this.key(column));
    if (known) return known;
    const star = source.block.starScope;
    return star ? this.resolve([column], star, false)?.origin : undefined;
  }

  matches(source: Source, names: string[]): boolean {
    return names.some((n) => source.names.some((own) => this.key(own) === this.key(n)));
  }

  qualifiedNames(table: string, schema?: string): string[] {
    return schema ? [table, `${schema}.${table}`] : [table];
  }
}
