import { loadModule, parseSync } from 'libpg-query';
import type { ParseResult } from 'libpg-query';
import { Parser as MysqlParser } from 'node-sql-parser/build/mysql';
import { Parser as SqliteParser } from 'node-sql-parser/build/sqlite';
import type { WorkloadDialect } from '@nest-perf/core';
import { collectAccesses } from './access-collector';
import { fromNodeSqlParser } from './nsp-ast';
import { fromPgParseResult } from './pg-ast';
import { prepareForNodeSqlParser } from './sql-text';

/**
 * How one statement reads one table (one occurrence of it: a self-join gives two entries).
 * Column names are exactly as the database sees them: quoted identifiers keep their case,
 * unquoted ones are lower-cased on Postgres and kept as written on SQLite/MySQL.
 *
 * @example
 * // SELECT ... FROM "tasks" "Task" WHERE "Task"."user_id" = $1 AND "Task"."status" = $2
 * //   ORDER BY "Task"."created_at" DESC LIMIT 20
 * { table: 'tasks', equality: ['user_id', 'status'],
 *   orderBy: [{ column: 'created_at', direction: 'DESC' }], hasLimit: true, ... }
 */
export interface TableAccess {
  table: string;
  /** Present when the statement qualified the table (`"public"."tasks"`, `main.tasks`). */
  schema?: string;
  /**
   * `col = $1` (and boolean tests like `col IS TRUE`, `NOT col`), outside any OR; in a
   * correlated subquery, `col = outer.col` too.
   */
  equality: string[];
  /** `col IN (...)`, `col = ANY($1)`, `col IN (SELECT ...)`, `col = $1 OR col = $2`. */
  inList: string[];
  /** `<`, `<=`, `>`, `>=`, `BETWEEN`, and each column of a row comparison `(a, b) < ($1, $2)`. */
  range: string[];
  /** The leading ORDER BY columns that belong to this table, select aliases resolved. */
  orderBy: { column: string; direction: 'ASC' | 'DESC' }[];
  /** Columns equated with another table's column (`ON a.x = b.y`, correlations). */
  joinKeys: string[];
  groupBy: string[];
  /** `LIKE`/`ILIKE` with a parameter or a `'%...'` literal: only a trigram index helps. */
  substring: string[];
  /** `col IS [NOT] NULL`: constant predicates that can make a partial index. */
  nullChecks: { column: string; isNull: boolean }[];
  /** Equalities with a literal left in the SQL (`TRUE`/`FALSE`, inlined strings, numbers). */
  constants: { column: string; value: string | number | boolean }[];
  /**
   * Every column the statement reads from this table (SELECT list, filters, joins, sorting):
   * what an index must hold for an index-only scan. `'*'` when it reads all of them (or when
   * an unqualified column could not be attributed); `[]` for the table an INSERT, UPDATE or
   * DELETE modifies.
   */
  selected: string[] | '*';
  /** The query (or the query reading this one as a plain subquery/CTE) has a LIMIT. */
  hasLimit: boolean;
}

/** What {@link analyzeStatement} found in one statement. */
export interface StatementAnalysis {
  kind: 'select' | 'insert' | 'update' | 'delete' | 'other';
  /** One entry per table occurrence, in the order the statement reads them. */
  tables: TableAccess[];
  /** Why the statement could not be analyzed (parse error, parser not loaded). */
  error?: string;
}

/** The SQL dialects {@link analyzeStatement} reads (those of a workload file). */
export type SqlDialect = WorkloadDialect;

let pgLoad: Promise<void> | undefined;
let pgReady = false;
let mysqlParser: MysqlParser | undefined;
let sqliteParser: SqliteParser | undefined;

/**
 * Loads the Postgres parser (libpg-query, WebAssembly, offline) once; later calls return the
 * same promise (a failed load is retried by the next call). Await it before
 * {@link analyzeStatement} with `'postgres'`; SQLite and MySQL need no initialization.
 *
 * @example
 * await initParsers();
 * analyzeStatement('SELECT * FROM tasks WHERE user_id = $1', 'postgres');
 */
export function initParsers(): Promise<void> {
  pgLoad ??= loadModule().then(
    () => {
      pgReady = true;
    },
    (error: unknown) => {
      pgLoad = undefined; // let a later call try again
      throw error;
    },
  );
  return pgLoad;
}

/**
 * Parses one normalized statement and reports, per table it reads, the columns it filters,
 * joins, sorts and groups on. Synchronous; never throws: a statement that cannot be parsed
 * gives `{ kind: 'other', tables: [], error }`. Postgres needs {@link initParsers} first.
 *
 * @example
 * analyzeStatement('SELECT COUNT(1) AS "cnt" FROM "tasks" "Task" WHERE "Task"."user_id" = $1',
 *   'postgres').tables[0].equality; // ['user_id']
 */
export function analyzeStatement(sql: string, dialect: SqlDialect): StatementAnalysis {
  try {
    const statements =
      dialect === 'postgres'
        ? parsePostgres(sql)
        : fromNodeSqlParser(parseWithNodeSqlParser(sql, dialect), dialect);
    const first = statements[0];
    const kind = !first || first.type === 'other' ? 'other' : first.type;
    return { kind, tables: collectAccesses(statements, dialect === 'postgres') };
  } catch (error) {
    return { kind: 'other', tables: [], error: describe(error) };
  }
}

function parsePostgres(sql: string) {
  if (!pgReady) {
    throw new Error(
      'the Postgres parser is not loaded: await initParsers() once before analyzeStatement()',
    );
  }
  return fromPgParseResult(parseSync(sql) as ParseResult);
}

function parseWithNodeSqlParser(sql: string, dialect: 'mysql' | 'sqlite'): unknown {
  const text = prepareForNodeSqlParser(sql, dialect);
  if (dialect === 'mysql') {
    mysqlParser ??= new MysqlParser();
    return mysqlParser.astify(text, { database: 'mysql' });
  }
  sqliteParser ??= new SqliteParser();
  return sqliteParser.astify(text, { database: 'sqlite' });
}

/** node-sql-parser lists every token it expected; say where it stopped and what it found. */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (typeof error === 'object' && error !== null && 'expected' in error && 'location' in error) {
    const { found, location } = error as { found?: unknown; location?: SyntaxLocation };
    const where = location?.start
      ? ` at line ${location.start.line}, column ${location.start.column}`
      : '';
    const what = typeof found === 'string' ? `"${found}"` : 'end of input';
    return `syntax error${where}: unexpected ${what}`;
  }
  return message;
}

interface SyntaxLocation {
  start?: { line: number; column: number };
}
