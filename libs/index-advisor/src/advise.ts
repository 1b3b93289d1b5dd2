import { parseWorkload } from '@nest-perf/core';
import type { Workload } from '@nest-perf/core';
import type { DataSource } from 'typeorm';
import { analyzeStatement, initParsers } from './analysis/sql-analysis';
import type { TableAccess } from './analysis/sql-analysis';
import { candidateIndexes } from './analysis/candidates';
import type { IndexCandidate } from './analysis/candidates';
import { indexName } from './analysis/index-name';
import { AdvisorError } from './advisor.errors';
import type { PlannedIndex } from './output/index-sql';
import { writeMigration } from './output/migration-writer';
import type { WrittenMigration } from './output/migration-writer';
import { writeReport } from './output/report-writer';
import { inlineViews } from './analysis/inline-views';
import type { ViewDefinition } from './analysis/inline-views';
import { readPostgresSchema, readPostgresViews } from './schema/postgres-schema';
import { readSqliteSchema } from './schema/sqlite-schema';
import type { ExistingIndex, TableInfo } from './schema/postgres-schema';
import type { Planner, PlanEstimate } from './validation/planner';
import { PostgresPlanner } from './validation/postgres-planner';
import { SqlitePlanner } from './validation/sqlite-planner';

/** The cost cut an index must bring on a table written more than read. */
export const WRITE_HEAVY_IMPROVEMENT = 0.8;

/** Options of {@link adviseIndexes}. */
export interface AdviseOptions {
  /** Keep an index only when it cuts a query's planner cost by at least this share. Default 0.5. */
  minImprovement?: number;
  /**
   * Queries below this share of the workload's total time are not worth an index (every index
   * slows writes). Default 0.001 (0.1%).
   */
  minQueryShare?: number;
  /**
   * Validate what hypopg cannot simulate (GIN trigram indexes) by building the index for real in
   * a transaction that is rolled back. That takes locks that block writes to the table while it
   * builds: use it on a copy or a quiet database. Default false (such candidates are reported,
   * not proposed).
   */
  allowRealWhatIf?: boolean;
  /** Migration timestamp (ms). Default `Date.now()`. */
  timestamp?: number;
  /** For the report and the migration header (e.g. the workload file's path). */
  source?: string;
}

/** What the planner said of one query, before and after the proposed indexes. */
export interface QueryAdvice {
  fingerprint: string;
  sql: string;
  calls: number;
  totalMs: number;
  before?: PlanEstimate;
  after?: PlanEstimate;
  /** Names of the proposed indexes its plan uses after. */
  uses: string[];
  /** Why it got no index or could not be planned. */
  note?: string;
}

/** One proposed index with why. */
export interface AdvisedIndex extends PlannedIndex {
  reason: string;
  /** The `@Index(...)` line for the entity (`synchronize: false`, so TypeORM leaves it alone). */
  entityDecorator: string;
  /** The queries it serves. */
  serves: string[];
}

/** Result of {@link adviseIndexes}. */
export interface AdviceResult {
  indexes: AdvisedIndex[];
  queries: QueryAdvice[];
  /** Existing indexes whose columns another index already leads with (never dropped by us). */
  redundant: { index: string; coveredBy: string; table: string }[];
  /** Candidates that could not be validated, and why. */
  skipped: { definition: string; reason: string }[];
  report: string;
  migration: WrittenMigration;
}

const key = (c: IndexCandidate) =>
  JSON.stringify([
    c.schema,
    c.table,
    c.columns,
    c.include ?? [],
    c.where ?? '',
    c.method,
    c.opclass ?? '',
  ]);

/**
 * Does `existing` already serve `candidate`? Yes when the candidate's key columns are a prefix of
 * the existing btree's, with the same directions (or all reversed: a btree scans both ways).
 */
export function coveredBy(
  candidate: { columns: IndexCandidate['columns']; where?: string; method: string },
  existing: Pick<ExistingIndex, 'columns' | 'method' | 'partial'>,
): boolean {
  if (candidate.method !== 'btree' || existing.method !== 'btree') return false;
  if (existing.partial && !candidate.where) return false;
  if (candidate.columns.length > existing.columns.length) return false;
  const same = candidate.columns.every(
    (c, i) => c.name === existing.columns[i].name && c.direction === existing.columns[i].direction,
  );
  const reversed = candidate.columns.every(
    (c, i) => c.name === existing.columns[i].name && c.direction !== existing.columns[i].direction,
  );
  return same || reversed;
}

function resolveTable(access: TableAccess, tables: Map<string, TableInfo>): TableInfo | undefined {
  if (access.schema) return tables.get(`${access.schema}.${access.table}`);
  return (
    tables.get(`public.${access.table}`) ??
    tables.get(`main.${access.table}`) ??
    [...tables.values()].find((t) => t.name === access.table)
  );
}

/**
 * From a recorded workload to the indexes it needs, validated by the Postgres planner: per query
 * the candidates (equality → sort → range columns, partial, INCLUDE, trigram GIN), each tried as a
 * hypopg hypothetical index; kept when it cuts the query's cost by `minImprovement`; then the
 * smallest set that keeps the gains (greedy by time saved, prefixes of existing or chosen indexes
 * dropped), checked again all together, and any index no plan then uses dropped.
 */
export async function adviseIndexes(input: {
  dataSource: DataSource;
  workload: Workload | unknown;
  options?: AdviseOptions;
}): Promise<AdviceResult> {
  const { dataSource } = input;
  const options = input.options ?? {};
  const minImprovement = options.minImprovement ?? 0.5;
  const minShare = options.minQueryShare ?? 0.001;
  if (!(minImprovement > 0 && minImprovement < 1)) {
    throw new AdvisorError(`--min-improvement must be between 0 and 1 (got ${minImprovement})`);
  }
  const workload = parseWorkload(input.workload);
  const type = String(dataSource.options.type);
  const dialect =
    type === 'postgres'
      ? 'postgres'
      : type === 'better-sqlite3' || type === 'sqlite'
        ? 'sqlite'
        : undefined;
  if (!dialect) {
    throw new AdvisorError(
      `the advisor validates with the planner of Postgres or SQLite; this DataSource is ${type} (MySQL is not supported yet)`,
    );
  }
  if (workload.dialect !== dialect) {
    throw new AdvisorError(
      `the workload was recorded on ${workload.dialect}, the DataSource is ${dialect}: record it on the same kind of database`,
    );
  }
  await initParsers();
  if (dialect === 'sqlite') {
    const planner = await SqlitePlanner.open(dataSource);
    try {
      const tables = await readSqliteSchema(planner);
      await planner.rememberSizes(new Map([...tables.values()].map((t) => [t.name, t.rows])));
      return await advise(workload, tables, planner, entityNames(dataSource, 'main'), [], {
        minImprovement,
        minShare,
        allowReal: false,
        timestamp: options.timestamp,
        source: options.source,
      });
    } finally {
      await planner.close();
    }
  }
  const planner = await PostgresPlanner.open(dataSource);
  try {
    if (!planner.hypopg && !options.allowRealWhatIf) {
      throw new AdvisorError(
        'hypopg is not available on the database server (install postgresql-<version>-hypopg and ' +
          'allow CREATE EXTENSION hypopg), or pass --allow-real-what-if to build candidates for ' +
          'real inside rolled-back transactions (this blocks writes while each builds)',
      );
    }
    const tables = await readPostgresSchema(planner);
    const views = await readPostgresViews(planner);
    return await advise(workload, tables, planner, entityNames(dataSource, 'public'), views, {
      minImprovement,
      minShare,
      allowReal: options.allowRealWhatIf ?? false,
      timestamp: options.timestamp,
      source: options.source,
    });
  } finally {
    await planner.close();
  }
}

interface Settings {
  minImprovement: number;
  minShare: number;
  allowReal: boolean;
  timestamp?: number;
  source?: string;
}

async function advise(
  workload: Workload,
  tables: Map<string, TableInfo>,
  planner: Planner,
  entities: EntityNames,
  views: ViewDefinition[],
  settings: Settings,
): Promise<AdviceResult> {
  const totalMs = workload.queries.reduce((n, q) => n + q.totalMs, 0) || 1;
  const queries: QueryAdvice[] = [];
  const perQuery = new Map<QueryAdvice, IndexCandidate[]>();
  const candidates = new Map<string, IndexCandidate & { table: string; schema: string }>();
  const unknown: string[] = [];

  for (const q of workload.queries) {
    const advice: QueryAdvice = {
      fingerprint: q.fingerprint,
      sql: q.sql,
      calls: q.calls,
      totalMs: q.totalMs,
      uses: [],
    };
    queries.push(advice);
    // Views are analyzed as CTEs of their definitions; the planner still gets the statement as is.
    const analysis = analyzeStatement(inlineViews(q.sql, views), planner.dialect);
    if (analysis.error) {
      advice.note = `not parsed: ${analysis.error}`;
      continue;
    }
    const accesses = analysis.tables.filter((a) => !isCatalog(a));
    const found: IndexCandidate[] = [];
    for (const access of accesses) {
      const table = resolveTable(access, tables);
      if (!table) {
        unknown.push(
          `${access.schema ? `${access.schema}.` : ''}${access.table} (query ${q.fingerprint})`,
        );
        continue;
      }
      const schema = {
        columns: table.columns,
        primaryKey: table.primaryKey,
        lowCardinality: table.lowCardinality,
      };
      for (const c of candidateIndexes(access, q, schema, { dialect: planner.dialect })) {
        const candidate = {
          ...withoutWideIncludes(c, table.wide),
          table: table.name,
          schema: table.schema,
        };
        if (table.indexes.some((e) => coveredBy(candidate, e))) continue;
        candidates.set(key(candidate), candidate);
        found.push(candidate);
      }
    }
    if (q.totalMs / totalMs < settings.minShare) advice.note = 'too small a share of the workload';
    perQuery.set(advice, found);
  }
  if (unknown.length > 0) {
    throw new AdvisorError(
      `the workload reads tables the database does not have: ${[...new Set(unknown)].join(', ')}. ` +
        'Was it recorded on another database?',
    );
  }

  // Cost of every query as it is now.
  for (const advice of queries) {
    if (advice.note?.startsWith('not parsed')) continue;
    try {
      advice.before = await planner.estimate(advice.sql);
    } catch (error) {
      advice.note = `not planned: ${(error as Error).message}`;
    }
  }

  // Each candidate alone, against the queries it was made for.
  const skipped: AdviceResult['skipped'] = [];
  const gains = new Map<string, Map<QueryAdvice, number>>(); // candidate key -> query -> improvement
  for (const [k, candidate] of candidates) {
    const named: PlannedIndex = { ...candidate, name: indexName(candidate) };
    const targets = queries.filter(
      (q) => q.before && !q.note && perQuery.get(q)?.some((c) => key(c) === k),
    );
    if (targets.length === 0) continue;
    // Every index slows the writes to its table: where more rows are written than read
    // (pg_stat_user_tables), an index must earn more, a cut of at least WRITE_HEAVY_IMPROVEMENT.
    const table = [...tables.values()].find(
      (t) => t.name === candidate.table && t.schema === candidate.schema,
    );
    const bar =
      table && table.writes > Math.max(1, table.reads)
        ? Math.max(settings.minImprovement, WRITE_HEAVY_IMPROVEMENT)
        : settings.minImprovement;
    const measure = async (used: (plan: PlanEstimate) => boolean) => {
      const found = new Map<QueryAdvice, number>();
      for (const q of targets) {
        const plan = await planner.estimate(q.sql);
        const improvement = 1 - plan.cost / q.before!.cost;
        if (used(plan) && improvement >= bar) found.set(q, improvement);
      }
      return found;
    };
    try {
      if (candidate.method === 'btree' && planner.hypothetical) {
        gains.set(
          k,
          await planner.withHypothetical([named], (names) =>
            measure((plan) => plan.indexes.includes(names.get(named.name)!)),
          ),
        );
      } else if (settings.allowReal) {
        gains.set(
          k,
          await planner.withRealIndexes([named], () =>
            measure((plan) => plan.indexes.includes(named.name)),
          ),
        );
      } else {
        skipped.push({
          definition: describe(named),
          reason:
            'hypopg cannot simulate it; pass --allow-real-what-if to check it with a real, rolled-back index',
        });
      }
    } catch (error) {
      skipped.push({ definition: describe(named), reason: (error as Error).message });
    }
  }

  // Greedy: the candidate saving the most time first; later ones only for what is left.
  const weight = (q: QueryAdvice) => q.totalMs;
  const best = new Map<QueryAdvice, number>();
  const chosen: (IndexCandidate & { table: string; schema: string })[] = [];
  for (;;) {
    let pick: string | undefined;
    let pickGain = 0;
    for (const [k, byQuery] of gains) {
      if (chosen.some((c) => key(c) === k)) continue;
      let gain = 0;
      for (const [q, improvement] of byQuery)
        gain += Math.max(0, improvement - (best.get(q) ?? 0)) * weight(q);
      if (gain > pickGain || (gain === pickGain && pick !== undefined && k < pick && gain > 0)) {
        pick = k;
        pickGain = gain;
      }
    }
    if (!pick || pickGain <= 0) break;
    const candidate = candidates.get(pick)!;
    // An index that is a prefix of one already chosen adds nothing the planner needs.
    if (
      !chosen.some(
        (c) => c.table === candidate.table && coveredBy(candidate, { ...c, partial: !!c.where }),
      )
    ) {
      chosen.push(candidate);
    }
    for (const [q, improvement] of gains.get(pick)!)
      best.set(q, Math.max(best.get(q) ?? 0, improvement));
    gains.delete(pick);
  }

  // A chosen index whose columns another chosen one leads with is redundant: the longer serves both.
  const kept = chosen.filter(
    (c) =>
      !chosen.some(
        (o) =>
          o !== c &&
          o.table === c.table &&
          o.schema === c.schema &&
          o.columns.length > c.columns.length &&
          coveredBy(c, { ...o, partial: !!o.where }),
      ),
  );

  // All chosen together; keep only what some plan then uses.
  let planned = kept.map((c) => ({ ...c, name: indexName(c) }));
  for (let pass = 0; pass < 3 && planned.length > 0; pass++) {
    const after = await afterPlans(planner, planned, queries, settings.allowReal);
    const used = new Set(queries.flatMap((q) => after.get(q)?.uses ?? []));
    for (const q of queries) {
      const a = after.get(q);
      if (a) Object.assign(q, { after: a.plan, uses: a.uses });
    }
    if (planned.every((p) => used.has(p.name))) break;
    planned = planned.filter((p) => used.has(p.name));
  }
  if (planned.length === 0)
    for (const q of queries) Object.assign(q, { after: undefined, uses: [] });

  const indexes: AdvisedIndex[] = planned.map((p) => ({
    ...p,
    serves: queries.filter((q) => q.uses.includes(p.name)).map((q) => q.fingerprint),
    entityDecorator: decoratorFor(p, entities),
  }));
  const redundant = redundantIndexes(tables);
  const migration = writeMigration({
    dialect: planner.dialect,
    indexes,
    timestamp: settings.timestamp,
    source: settings.source,
  });
  const report = writeReport({
    indexes,
    queries,
    redundant,
    skipped,
    tables,
    settings: { ...settings, dialect: planner.dialect },
  });
  return { indexes, queries, redundant, skipped, report, migration };
}

/** Table (`schema.table`) → entity class name, from TypeORM metadata. */
type EntityNames = Map<string, { entity: string }>;

function entityNames(dataSource: DataSource, defaultSchema: string): EntityNames {
  const names: EntityNames = new Map();
  for (const meta of dataSource.entityMetadatas) {
    names.set(`${meta.schema ?? defaultSchema}.${meta.tableName}`, {
      entity: meta.name,
    });
  }
  return names;
}

/**
 * The `@Index` line for the entity: TypeORM's documented form for an index made by a migration,
 * `@Index(name, { synchronize: false })` on the class, which makes `synchronize` and
 * `migration:generate` leave that index alone (TypeORM cannot express DESC or INCLUDE anyway).
 */
function decoratorFor(index: PlannedIndex, entities: EntityNames): string {
  const entity = entities.get(`${index.schema}.${index.table}`);
  const line = `@Index('${index.name}', { synchronize: false })`;
  return entity
    ? `${line} // on class ${entity.entity}`
    : `${line} // table ${index.table} has no entity`;
}

async function afterPlans(
  planner: Planner,
  planned: PlannedIndex[],
  queries: QueryAdvice[],
  allowReal: boolean,
): Promise<Map<QueryAdvice, { plan: PlanEstimate; uses: string[] }>> {
  const hypothetical = planned.filter((p) => p.method === 'btree');
  const real = planned.filter((p) => p.method !== 'btree');
  const run = async (names: Map<string, string>) => {
    const out = new Map<QueryAdvice, { plan: PlanEstimate; uses: string[] }>();
    const ours = new Map([...names].map(([name, hypo]) => [hypo, name]));
    for (const p of real) ours.set(p.name, p.name);
    for (const q of queries) {
      if (!q.before) continue;
      const plan = await planner.estimate(q.sql);
      // Show our names in the plan shape, not hypopg's `<oid>btree_...`.
      for (const [hypo, name] of ours) plan.shape = plan.shape.split(hypo).join(name);
      out.set(q, { plan, uses: plan.indexes.flatMap((i) => (ours.has(i) ? [ours.get(i)!] : [])) });
    }
    return out;
  };
  const withHypo = () => planner.withHypothetical(hypothetical, run);
  return real.length > 0 && allowReal ? planner.withRealIndexes(real, withHypo) : withHypo();
}

function redundantIndexes(tables: Map<string, TableInfo>): AdviceResult['redundant'] {
  const out: AdviceResult['redundant'] = [];
  for (const table of tables.values()) {
    for (const a of table.indexes) {
      if (a.primary || a.unique) continue;
      const b = table.indexes.find(
        (o) =>
          o !== a &&
          o.columns.length > a.columns.length &&
          coveredBy({ ...a, where: undefined }, o),
      );
      if (b) out.push({ index: a.name, coveredBy: b.name, table: `${table.schema}.${table.name}` });
    }
  }
  return out;
}

/**
 * INCLUDE is there for index-only scans, which need every column the query reads: when one of
 * them is too wide to copy into an index (see `TableInfo.wide`), no scan can be index-only, so
 * the INCLUDE goes entirely and the index stays lean.
 */
function withoutWideIncludes(c: IndexCandidate, wide: string[]): IndexCandidate {
  if (!c.include?.length || !c.include.some((col) => wide.includes(col))) return c;
  const { include: _dropped, ...rest } = c;
  return { ...rest, reason: c.reason.replace(/; INCLUDE [^;]*/, '') };
}

function isCatalog(access: TableAccess): boolean {
  return (
    access.schema === 'pg_catalog' ||
    access.schema === 'information_schema' ||
    access.table.startsWith('pg_') ||
    access.table.startsWith('sqlite_')
  );
}

/** One line describing an index, for the report. @internal */
export function describe(p: PlannedIndex): string {
  const cols = p.columns
    .map((c) => (c.direction === 'DESC' ? `${c.name} DESC` : c.name))
    .join(', ');
  return `${p.schema ? `${p.schema}.` : ''}${p.table} ${p.method === 'gin' ? 'USING gin ' : ''}(${cols})${
    p.include?.length ? ` INCLUDE (${p.include.join(', ')})` : ''
  }${p.where ? ` WHERE ${p.where}` : ''}`;
}
