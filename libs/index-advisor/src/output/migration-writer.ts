import { createIndexSql, dropIndexSql } from './index-sql';
import type { MigrationDialect, PlannedIndex } from './index-sql';

/** Input of {@link writeMigration}. */
export interface MigrationInput {
  dialect: MigrationDialect;
  indexes: PlannedIndex[];
  /** Migration timestamp (ms); TypeORM orders migrations by it. Default `Date.now()`. */
  timestamp?: number;
  /** Class name prefix. Default `'AddWorkloadIndexes'`. */
  name?: string;
  /** One line saying where the advice came from, for the header comment. */
  source?: string;
}

/** The written migration: its class name, file name and TypeScript source. */
export interface WrittenMigration {
  className: string;
  fileName: string;
  source: string;
}

// Template literals in the generated file: backticks and ${ in SQL must not end or interpolate.
const literal = (sql: string) =>
  '`' + sql.replace(/[`\\]/g, (c) => `\\${c}`).replace(/\$\{/g, '\\${') + '`';

/**
 * A TypeORM migration class that creates `indexes` in `up()` and drops them in reverse order in
 * `down()`. Idempotent both ways (`IF NOT EXISTS` / `IF EXISTS`). On Postgres the indexes are built
 * `CONCURRENTLY`, which cannot run inside a transaction: the class sets `transaction = false`, and
 * TypeORM then requires `migrationsTransactionMode: 'each'` (or `'none'`) in the DataSource
 * options — with the default `'all'` it refuses to run it (ForbiddenTransactionModeOverrideError).
 */
export function writeMigration(input: MigrationInput): WrittenMigration {
  const timestamp = input.timestamp ?? Date.now();
  const className = `${input.name ?? 'AddWorkloadIndexes'}${timestamp}`;
  const postgres = input.dialect === 'postgres';
  const ups = input.indexes.map((i) => createIndexSql(i, input.dialect));
  const downs = [...input.indexes].reverse().map((i) => dropIndexSql(i, input.dialect));
  const needsTrgm = input.indexes.some((i) => i.opclass === 'gin_trgm_ops');
  const header = [
    '/**',
    ` * Indexes proposed by nest-perf-advisor${input.source ? ` from ${input.source}` : ''}.`,
    ' * Review them, and add the `@Index(name, { synchronize: false })` lines from the report to',
    ' * your entities so that `synchronize` and `migration:generate` leave these indexes alone.',
    ...(postgres
      ? [
          ' *',
          ' * CREATE INDEX CONCURRENTLY builds without blocking writes but cannot run inside a',
          ' * transaction, so this migration has `transaction = false`. TypeORM runs such a migration',
          " * only with `migrationsTransactionMode: 'each'` (or 'none') in the DataSource options; with",
          " * the default 'all' it refuses. Its revert ignores `transaction = false`: revert with",
          " * `typeorm migration:revert -t none` (or `undoLastMigration({ transaction: 'none' })`).",
          ' * A build that fails leaves an INVALID index: `down()` drops it, then run `up()` again.',
        ]
      : []),
    ' */',
  ];
  const body = (lines: string[]) =>
    lines.length === 0
      ? '    // nothing to do\n'
      : lines.map((sql) => `    await queryRunner.query(${literal(sql)});\n`).join('');
  const source =
    "import type { MigrationInterface, QueryRunner } from 'typeorm';\n\n" +
    `${header.join('\n')}\n` +
    `export class ${className} implements MigrationInterface {\n` +
    `  name = '${className}';\n` +
    (postgres ? '  transaction = false;\n' : '') +
    '\n' +
    '  public async up(queryRunner: QueryRunner): Promise<void> {\n' +
    (needsTrgm
      ? `    await queryRunner.query(${literal('CREATE EXTENSION IF NOT EXISTS pg_trgm')});\n`
      : '') +
    body(ups) +
    '  }\n\n' +
    '  public async down(queryRunner: QueryRunner): Promise<void> {\n' +
    body(downs) +
    '  }\n' +
    '}\n';
  return { className, fileName: `${timestamp}-${input.name ?? 'AddWorkloadIndexes'}.ts`, source };
}
