import type {
  DataSource,
  EntityMetadata,
  FindOptionsOrder,
  FindOptionsWhere,
  ObjectLiteral,
  QueryRunner,
  Repository,
  SelectQueryBuilder,
} from 'typeorm';
import { describeValue } from '@nest-perf/core';
import { ToolkitOptionsError } from './toolkit.errors';

/**
 * What the toolkit functions read from: a TypeORM repository (the whole table, narrowed by a
 * `where` option) or a select query builder (its joins and conditions are kept; it is cloned,
 * never changed).
 *
 * @example paginate(dataSource.getRepository(Task), { where: { userId: 1 } })
 * @example paginate(repo.createQueryBuilder('task').where('task.topic LIKE :q', { q }), {})
 */
export type QuerySource<T extends ObjectLiteral> = Repository<T> | SelectQueryBuilder<T>;

/**
 * A find-options filter, as `repository.find({ where })` takes it (an array means OR). Default:
 * none.
 *
 * @example { userId: 1, status: In(['pending', 'processing']) }
 */
export type WhereOption<T> = FindOptionsWhere<T> | FindOptionsWhere<T>[];

/** A column of an entity's metadata. @internal */
export type ColumnMetadata = EntityMetadata['columns'][number];

/** @internal */
export function isQueryBuilder<T extends ObjectLiteral>(
  source: QuerySource<T>,
): source is SelectQueryBuilder<T> {
  return 'expressionMap' in source;
}

/** @internal */
export function isRepository<T extends ObjectLiteral>(source: unknown): source is Repository<T> {
  return (
    typeof source === 'object' &&
    source !== null &&
    'metadata' in source &&
    'manager' in source &&
    typeof (source as Repository<T>).createQueryBuilder === 'function' &&
    !('expressionMap' in source)
  );
}

/**
 * A fresh query builder over `source` with `where` (and `order`) applied the way `find()` applies
 * them. The caller's builder is cloned, never modified.
 * @internal
 */
export function queryOf<T extends ObjectLiteral>(
  fn: string,
  source: QuerySource<T>,
  where?: WhereOption<T>,
  order?: FindOptionsOrder<T>,
): SelectQueryBuilder<T> {
  let qb: SelectQueryBuilder<T>;
  if (isQueryBuilder(source)) {
    if (!source.expressionMap.mainAlias?.hasMetadata) {
      throw new ToolkitOptionsError(fn, [
        'the query builder must select from an entity (createQueryBuilder(Entity, alias) or repository.createQueryBuilder(alias))',
      ]);
    }
    qb = source.clone();
  } else if (isRepository<T>(source)) {
    qb = source.createQueryBuilder(source.metadata.name);
  } else {
    throw new ToolkitOptionsError(fn, [
      `source must be a Repository or a SelectQueryBuilder, got ${describeValue(source)}`,
    ]);
  }
  if (where !== undefined || order !== undefined) {
    qb.setFindOptions({
      ...(where !== undefined ? { where } : {}),
      ...(order !== undefined ? { order } : {}),
    });
  }
  return qb;
}

/** @internal */
export function metadataOf(qb: SelectQueryBuilder<ObjectLiteral>): EntityMetadata {
  return qb.expressionMap.mainAlias!.metadata;
}

/** `qb.dataSource` on TypeORM 1.x, `qb.connection` on 0.3. @internal */
export function dataSourceOf(qb: SelectQueryBuilder<ObjectLiteral>): DataSource {
  const withDataSource = qb as unknown as { dataSource?: DataSource; connection: DataSource };
  return withDataSource.dataSource ?? withDataSource.connection;
}

/** The query runner a builder was created with (a transaction's), if any. @internal */
export function queryRunnerOf(qb: SelectQueryBuilder<ObjectLiteral>): QueryRunner | undefined {
  return (qb as unknown as { queryRunner?: QueryRunner }).queryRunner;
}

/** The SQL dialect families the toolkit distinguishes. @internal */
export type Dialect = 'postgres' | 'mysql' | 'sqlite' | 'other';

/** @internal */
export function dialectOf(qb: SelectQueryBuilder<ObjectLiteral>): Dialect {
  const type = dataSourceOf(qb).options.type as string;
  if (['postgres', 'aurora-postgres', 'cockroachdb'].includes(type)) return 'postgres';
  if (['mysql', 'mariadb', 'aurora-mysql'].includes(type)) return 'mysql';
  if (['sqlite', 'better-sqlite3', 'sqljs', 'capacitor', 'cordova', 'expo'].includes(type)) {
    return 'sqlite';
  }
  return 'other';
}

/** `"alias"."column_name"`, escaped for the builder's driver. @internal */
export function columnSql(qb: SelectQueryBuilder<ObjectLiteral>, column: ColumnMetadata): string {
  return `${qb.escape(qb.alias)}.${qb.escape(column.databaseName)}`;
}

/**
 * Puts a builder's top-level conditions in parentheses when they contain an OR, so that an
 * `andWhere` added after them binds to all of them (TypeORM joins clauses as written:
 * `a OR b AND c`).
 * @internal
 */
export function isolateWheres(qb: SelectQueryBuilder<ObjectLiteral>): void {
  const wheres = qb.expressionMap.wheres;
  if (wheres.length > 1 && wheres.some((w) => w.type === 'or')) {
    qb.expressionMap.wheres = [{ type: 'simple', condition: wheres }];
  }
}

/** Whether `value` is an integer in [min, max]; undefined counts as valid (use the default). @internal */
export function checkInteger(
  problems: string[],
  name: string,
  value: unknown,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    problems.push(`${name} must be an integer ${range} (got ${describeValue(value)})`);
  }
}
