import { Table, TableColumnOptions, TableForeignKeyOptions } from 'typeorm';
import type { MigrationInterface, QueryRunner } from 'typeorm';

type Dialect = 'postgres' | 'sqlite' | 'mysql';

/**
 * The schema a team starts with: tables, primary keys, foreign keys and the one unique
 * constraint (conversations.session_id). No secondary indexes on purpose: finding them is the
 * index advisor's job, and the profiler's before/after figures start from here.
 *
 * MySQL/MariaDB gets no foreign-key constraints: InnoDB silently creates an index for every
 * foreign key, which would hide the missing-index problem this schema exists to show.
 */
export class InitialSchema1763769600000 implements MigrationInterface {
  name = 'InitialSchema1763769600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const d = dialectOf(queryRunner);
    const t = types(d);
    const fk = (fks: TableForeignKeyOptions[]) => (d === 'mysql' ? [] : fks);

    await queryRunner.createTable(
      new Table({
        name: 'users',
        columns: [
          t.intId(),
          { name: 'name', type: 'varchar', length: '120' },
          { name: 'email', type: 'varchar', length: '200' },
          { name: 'plan', type: 'varchar', length: '10' },
          t.createdAt(),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'tasks',
        columns: [
          t.uuidId(),
          { name: 'user_id', type: 'int' },
          { name: 'status', type: 'varchar', length: '20' },
          { name: 'priority', type: 'varchar', length: '10' },
          { name: 'topic', type: 'text' },
          t.createdAt(),
          t.updatedAt(),
        ],
        foreignKeys: fk([references('tasks', 'user_id', 'users', 'CASCADE')]),
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'conversations',
        columns: [
          t.intId(),
          { name: 'user_id', type: 'int' },
          { name: 'session_id', type: 'varchar', length: '64' },
          { ...t.uuid('task_id'), isNullable: true },
          { name: 'status', type: 'varchar', length: '20' },
          { name: 'messages', type: t.json },
          t.createdAt(),
          t.updatedAt(),
        ],
        uniques: [{ name: 'UQ_conversations_session_id', columnNames: ['session_id'] }],
        foreignKeys: fk([
          references('conversations', 'user_id', 'users', 'CASCADE'),
          references('conversations', 'task_id', 'tasks', 'SET NULL'),
        ]),
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'scripts',
        columns: [
          t.intId(),
          t.uuid('task_id'),
          { name: 'status', type: 'varchar', length: '20' },
          { name: 'structured_content', type: t.json },
          t.createdAt(),
        ],
        foreignKeys: fk([references('scripts', 'task_id', 'tasks', 'CASCADE')]),
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'storyboards',
        columns: [
          t.intId(),
          t.uuid('task_id'),
          { name: 'script_id', type: 'int' },
          { name: 'sequence_number', type: 'int' },
          { name: 'generation_status', type: 'varchar', length: '20' },
          t.createdAt(),
        ],
        foreignKeys: fk([
          references('storyboards', 'task_id', 'tasks', 'CASCADE'),
          references('storyboards', 'script_id', 'scripts', 'CASCADE'),
        ]),
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'resources',
        columns: [
          t.intId(),
          t.uuid('task_id'),
          { name: 'resource_type', type: 'varchar', length: '20' },
          { name: 'generation_status', type: 'varchar', length: '20' },
          { name: 'url', type: 'text', isNullable: true },
          t.createdAt(),
        ],
        foreignKeys: fk([references('resources', 'task_id', 'tasks', 'CASCADE')]),
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'resources',
      'storyboards',
      'scripts',
      'conversations',
      'tasks',
      'users',
    ]) {
      await queryRunner.dropTable(table, true);
    }
  }
}

function dialectOf(queryRunner: QueryRunner): Dialect {
  const type = queryRunner.connection.options.type;
  if (type === 'postgres') return 'postgres';
  if (type === 'better-sqlite3') return 'sqlite';
  if (type === 'mysql' || type === 'mariadb') return 'mysql';
  throw new Error(`InitialSchema: unsupported database type '${type}'`);
}

function references(
  table: string,
  column: string,
  parent: string,
  onDelete: 'CASCADE' | 'SET NULL',
): TableForeignKeyOptions {
  return {
    name: `FK_${table}_${column}`,
    columnNames: [column],
    referencedTableName: parent,
    referencedColumnNames: ['id'],
    onDelete,
  };
}

/** Column types that differ between dialects; everything else is portable. */
function types(d: Dialect) {
  const timestamp = { postgres: 'timestamptz', sqlite: 'datetime', mysql: 'datetime' }[d];
  const now = {
    postgres: 'now()',
    // Millisecond precision, in the 'YYYY-MM-DD HH:MM:SS.SSS' UTC form TypeORM reads and writes.
    sqlite: "(strftime('%Y-%m-%d %H:%M:%f', 'now'))",
    mysql: 'CURRENT_TIMESTAMP(3)',
  }[d];
  const precision = d === 'mysql' ? 3 : undefined;
  const uuid = (name: string): TableColumnOptions =>
    d === 'postgres'
      ? { name, type: 'uuid' }
      : { name, type: d === 'mysql' ? 'char' : 'varchar', length: '36' };
  return {
    json: { postgres: 'jsonb', sqlite: 'json', mysql: 'json' }[d],
    uuid,
    intId: (): TableColumnOptions => ({
      name: 'id',
      type: 'integer',
      isPrimary: true,
      isGenerated: true,
      generationStrategy: 'increment',
    }),
    uuidId: (): TableColumnOptions => ({
      ...uuid('id'),
      isPrimary: true,
      // Postgres generates ids itself (gen_random_uuid is built in since 13); TypeORM
      // generates them client-side on SQLite and MySQL.
      ...(d === 'postgres' ? { default: 'gen_random_uuid()' } : {}),
    }),
    createdAt: (): TableColumnOptions => ({
      name: 'created_at',
      type: timestamp,
      precision,
      default: now,
    }),
    updatedAt: (): TableColumnOptions => ({
      name: 'updated_at',
      type: timestamp,
      precision,
      default: now,
    }),
  };
}
