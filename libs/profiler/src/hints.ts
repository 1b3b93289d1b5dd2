import type { DataSource, EntityMetadata } from 'typeorm';

/**
 * A fix for a repeated SELECT, in TypeORM terms. When the statement reads one table filtered by
 * one column and the DataSource's metadata knows a relation on that column, the hint names the
 * entity and relation; otherwise it names the table and column.
 * @internal
 */
export function nPlusOneHint(sql: string, dataSource: DataSource | undefined): string {
  const target = repeatedLookup(sql);
  if (!target) {
    return (
      'Fix: load the rows once for all parents — a relation (`relations`/`leftJoinAndSelect`), ' +
      'one query with `In(ids)`, or a per-request batch loader (`defineBatchLoader`).'
    );
  }
  const { table, column } = target;
  const metadata = dataSource ? findEntity(dataSource, table) : undefined;
  const relation = metadata?.manyToOneRelations.find((r) =>
    r.joinColumns.some((c) => c.databaseName === column || c.propertyName === column),
  );
  const property = metadata?.columns.find((c) => c.databaseName === column)?.propertyName ?? column;
  const entity = metadata?.name ?? `"${table}"`;
  const lines = [`Fix: ${entity} rows are loaded one ${property} at a time. Instead:`];
  if (relation?.inverseRelation && relation.inverseEntityMetadata) {
    const parent = relation.inverseEntityMetadata.name;
    const inverse = relation.inverseRelation.propertyName;
    lines.push(
      `  - load them with their ${parent}: find({ relations: { ${inverse}: true } }) or ` +
        `.leftJoinAndSelect('${lower(parent)}.${inverse}', '${lower(entity)}')`,
    );
  } else if (relation) {
    lines.push(
      `  - join them where the parents are loaded (.leftJoinAndSelect on '${relation.propertyName}')`,
    );
  }
  lines.push(
    `  - or fetch them in one query: findBy({ ${property}: In(ids) }) and group by ${property}`,
    `  - or use a per-request batch loader: defineBatchLoader(${metadata ? `${lower(entity)}Repository` : 'repository'}, '${property}', { many: true })`,
  );
  return lines.join('\n');
}

// `... FROM "table" ["alias"] WHERE ... "column" = $1` (or ?), also `IN ($1)`.
function repeatedLookup(sql: string): { table: string; column: string } | undefined {
  const from = /\bFROM\s+[`"[]?([\w.]+?)[`"\]]?(?:\s|$)/i.exec(sql);
  if (!from) return undefined;
  const where = /\bWHERE\b([\s\S]*)$/i.exec(sql)?.[1] ?? '';
  const column = /[`"[]?(\w+)[`"\]]?\s*(?:=|IN)\s*\(?\s*(?:\$\d+|\?)/i.exec(where)?.[1];
  if (!column) return undefined;
  return { table: from[1].split('.').pop() as string, column };
}

function findEntity(dataSource: DataSource, table: string): EntityMetadata | undefined {
  try {
    return dataSource.entityMetadatas.find((m) => m.tableName === table);
  } catch {
    return undefined;
  }
}

function lower(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}
