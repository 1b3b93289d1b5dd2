import { candidateIndexes, MAX_INDEX_COLUMNS } from './candidates';
import type { IndexCandidate, TableSchemaInfo } from './candidates';
import { analyzeStatement, initParsers } from './sql-analysis';
import type { SqlDialect, TableAccess } from './sql-analysis';

const STATS = { calls: 120, totalMs: 84.23 };
const WEIGHT = '120 calls, 84.2 ms total';

const TASKS: TableSchemaInfo = {
  columns: ['id', 'user_id', 'status', 'priority', 'topic', 'created_at', 'updated_at'],
  primaryKey: ['id'],
  lowCardinality: ['status', 'priority'],
};

function access(fields: Partial<TableAccess>): TableAccess {
  return {
    table: 'tasks',
    equality: [],
    inList: [],
    range: [],
    orderBy: [],
    joinKeys: [],
    groupBy: [],
    substring: [],
    nullChecks: [],
    constants: [],
    selected: '*',
    hasLimit: false,
    ...fields,
  };
}

/** The key columns of each candidate, as `name` or `name DESC`. */
function keys(candidates: IndexCandidate[]): string[][] {
  return candidates.map((c) =>
    c.columns.map((col) => (col.direction === 'DESC' ? `${col.name} DESC` : col.name)),
  );
}

/** Candidates for the one table of a statement. */
function fromSql(sql: string, schema?: TableSchemaInfo, dialect: SqlDialect = 'postgres') {
  const analysis = analyzeStatement(sql, dialect);
  expect(analysis.error).toBeUndefined();
  return candidateIndexes(analysis.tables[0], STATS, schema, { dialect });
}

beforeAll(() => initParsers());

describe('candidateIndexes', () => {
  it('puts equality columns first, then the ORDER BY with its direction', () => {
    const sql =
      'SELECT "Task"."id" AS "Task_id", "Task"."user_id" AS "Task_user_id", "Task"."status" AS "Task_status", ' +
      '"Task"."created_at" AS "Task_created_at" FROM "tasks" "Task" ' +
      'WHERE (("Task"."user_id" = $1) AND ("Task"."status" = $2)) ORDER BY "Task"."created_at" DESC LIMIT 20';
    expect(fromSql(sql, TASKS)).toEqual([
      {
        table: 'tasks',
        columns: [
          { name: 'user_id', direction: 'ASC' },
          { name: 'status', direction: 'ASC' },
          { name: 'created_at', direction: 'DESC' },
        ],
        include: ['id'],
        method: 'btree',
        reason: `equality on user_id, status; sort by created_at DESC (no sort step); INCLUDE id (index-only scan); ${WEIGHT}`,
      },
    ]);
  });

  it('keeps mixed sort directions exactly, and uniform DESC as DESC', () => {
    const mixed = candidateIndexes(
      access({
        equality: ['user_id'],
        orderBy: [
          { column: 'priority', direction: 'DESC' },
          { column: 'created_at', direction: 'ASC' },
        ],
      }),
      STATS,
    );
    expect(keys(mixed)).toEqual([['user_id', 'priority DESC', 'created_at']]);
    const uniform = candidateIndexes(
      access({
        equality: ['user_id'],
        orderBy: [
          { column: 'created_at', direction: 'DESC' },
          { column: 'id', direction: 'DESC' },
        ],
      }),
      STATS,
    );
    expect(keys(uniform)).toEqual([['user_id', 'created_at DESC', 'id DESC']]);
  });

  it('drops sort columns fixed by an equality', () => {
    const c = candidateIndexes(
      access({
        equality: ['user_id'],
        orderBy: [
          { column: 'user_id', direction: 'ASC' },
          { column: 'created_at', direction: 'DESC' },
        ],
      }),
      STATS,
    );
    expect(keys(c)).toEqual([['user_id', 'created_at DESC']]);
  });

  it('covers keyset pagination with the sort columns (one index, no variant)', () => {
    const sql =
      'SELECT "Task"."id" FROM "tasks" "Task" WHERE ("Task"."user_id" = $1) AND ("Task"."created_at", "Task"."id") < ($2, $3) ' +
      'ORDER BY "Task"."created_at" DESC, "Task"."id" DESC LIMIT 21';
    const c = fromSql(sql, TASKS);
    expect(keys(c)).toEqual([['user_id', 'created_at DESC', 'id DESC']]);
    expect(c[0].reason).toBe(
      `equality on user_id; sort by created_at DESC, id DESC (no sort step); range on created_at, id (in sort position); ${WEIGHT}`,
    );
  });

  it('puts one range column last, and offers a seek-on-range variant when a sort took its place', () => {
    expect(
      keys(
        candidateIndexes(
          access({ equality: ['user_id'], range: ['created_at', 'updated_at'] }),
          STATS,
        ),
      ),
    ).toEqual([['user_id', 'created_at']]);
    const sortedAndRange = candidateIndexes(
      access({
        equality: ['user_id'],
        range: ['updated_at'],
        orderBy: [{ column: 'created_at', direction: 'DESC' }],
      }),
      STATS,
    );
    expect(keys(sortedAndRange)).toEqual([
      ['user_id', 'created_at DESC', 'updated_at'],
      ['user_id', 'updated_at'],
    ]);
    expect(sortedAndRange[1].reason).toBe(
      `equality on user_id; range on updated_at (seek; sort step remains); ${WEIGHT}`,
    );
  });

  it('covers a range on the first sort column by the sort position', () => {
    const c = candidateIndexes(
      access({
        equality: ['user_id'],
        range: ['created_at'],
        orderBy: [{ column: 'created_at', direction: 'DESC' }],
      }),
      STATS,
    );
    expect(keys(c)).toEqual([['user_id', 'created_at DESC']]);
  });

  it('does not use the ORDER BY after an IN list (the sort cannot be skipped)', () => {
    const c = candidateIndexes(
      access({
        table: 'storyboards',
        inList: ['script_id'],
        orderBy: [{ column: 'sequence_number', direction: 'ASC' }],
      }),
      STATS,
    );
    expect(keys(c)).toEqual([['script_id']]);
    expect(c[0].reason).toBe(
      `IN list on script_id; sort step remains (IN list before the sort columns); ${WEIGHT}`,
    );
  });

  it('uses the ORDER BY when it starts with the one IN-list column', () => {
    const c = candidateIndexes(
      access({
        table: 'storyboards',
        inList: ['script_id'],
        orderBy: [
          { column: 'script_id', direction: 'DESC' },
          { column: 'sequence_number', direction: 'DESC' },
        ],
      }),
      STATS,
    );
    expect(keys(c)).toEqual([['script_id DESC', 'sequence_number DESC']]);
    expect(c[0].reason).toBe(
      `IN list on script_id; sort by script_id DESC, sequence_number DESC (no sort step); ${WEIGHT}`,
    );
  });

  it('puts GROUP BY columns after the equality columns', () => {
    const sql =
      'SELECT "Task"."status" AS "status", COUNT(*) AS "n" FROM "tasks" "Task" WHERE "Task"."user_id" = $1 GROUP BY "Task"."status"';
    const c = fromSql(sql, TASKS);
    expect(c).toEqual([
      expect.objectContaining({
        columns: [
          { name: 'user_id', direction: 'ASC' },
          { name: 'status', direction: 'ASC' },
        ],
        reason: `equality on user_id; group by status; ${WEIGHT}`,
      }),
    ]);
    expect(c[0].include).toBeUndefined(); // the key already holds every column read
  });

  it(`stops at ${MAX_INDEX_COLUMNS} key columns`, () => {
    const c = candidateIndexes(
      access({
        equality: ['a', 'b', 'c'],
        orderBy: [
          { column: 'd', direction: 'DESC' },
          { column: 'e', direction: 'DESC' },
        ],
      }),
      STATS,
    );
    expect(keys(c)).toEqual([['a', 'b', 'c', 'd DESC']]);
    expect(c[0].reason).toContain('sort by d DESC (partial: 4-column limit)');
  });

  it('orders low-cardinality equality columns after the others', () => {
    const c = candidateIndexes(access({ equality: ['status', 'user_id'] }), STATS, TASKS);
    expect(keys(c)).toEqual([['user_id', 'status']]);
  });

  it('turns IS NULL tests into a partial-index predicate when other key columns remain', () => {
    const sql =
      'SELECT "id" FROM "conversations" WHERE "user_id" = $1 AND "archived_at" IS NULL ORDER BY "updated_at" DESC LIMIT 20';
    expect(fromSql(sql)).toEqual([
      {
        table: 'conversations',
        columns: [
          { name: 'user_id', direction: 'ASC' },
          { name: 'updated_at', direction: 'DESC' },
        ],
        include: ['id'],
        where: '"archived_at" IS NULL',
        method: 'btree',
        reason:
          'equality on user_id; sort by updated_at DESC (no sort step); partial: "archived_at" IS NULL; ' +
          `INCLUDE id (index-only scan); ${WEIGHT}`,
      },
    ]);
  });

  it('keys on the IS NULL column when it is the only predicate', () => {
    const c = candidateIndexes(
      access({ nullChecks: [{ column: 'DeletedAt', isNull: false }] }),
      STATS,
    );
    expect(c).toEqual([
      expect.objectContaining({
        columns: [{ name: 'DeletedAt', direction: 'ASC' }],
        reason: `DeletedAt IS NOT NULL; ${WEIGHT}`,
      }),
    ]);
    expect(c[0].where).toBeUndefined();
  });

  it('moves constant equalities on low-cardinality and boolean columns into the predicate', () => {
    const c = candidateIndexes(
      access({
        equality: ['user_id', 'status', 'is_pinned'],
        constants: [
          { column: 'status', value: "it's done" },
          { column: 'is_pinned', value: true },
        ],
        nullChecks: [{ column: 'ArchivedAt', isNull: true }],
        orderBy: [{ column: 'created_at', direction: 'DESC' }],
      }),
      STATS,
      { ...TASKS, columns: [] },
    );
    expect(keys(c)).toEqual([['user_id', 'created_at DESC']]);
    expect(c[0].where).toBe(
      `"ArchivedAt" IS NULL AND "is_pinned" = true AND "status" = 'it''s done'`,
    );
  });

  it('keeps constants on other columns, and a parameter on a low-cardinality column, in the key', () => {
    const c = candidateIndexes(
      access({
        equality: ['user_id', 'priority', 'topic'],
        constants: [{ column: 'topic', value: 'x' }],
      }),
      STATS,
      TASKS,
    );
    expect(keys(c)).toEqual([['user_id', 'topic', 'priority']]);
    expect(c[0].where).toBeUndefined();
  });

  it('keeps predicate columns in the key on MySQL (no partial indexes)', () => {
    const c = candidateIndexes(
      access({
        equality: ['user_id', 'is_done'],
        constants: [{ column: 'is_done', value: false }],
        nullChecks: [{ column: 'deleted_at', isNull: true }],
        selected: ['id'],
        hasLimit: true,
      }),
      STATS,
      undefined,
      { dialect: 'mysql' },
    );
    expect(keys(c)).toEqual([['user_id', 'is_done', 'deleted_at']]);
    expect(c[0].where).toBeUndefined();
    expect(c[0].include).toBeUndefined(); // INCLUDE is Postgres-only
  });

  it('writes SQLite partial predicates with double quotes', () => {
    const c = candidateIndexes(
      access({ equality: ['user_id'], nullChecks: [{ column: 'deleted_at', isNull: true }] }),
      STATS,
      undefined,
      { dialect: 'sqlite' },
    );
    expect(c[0].where).toBe('"deleted_at" IS NULL');
  });

  describe('INCLUDE', () => {
    const base = {
      equality: ['user_id'],
      orderBy: [{ column: 'created_at', direction: 'DESC' as const }],
    };

    it('includes up to 4 read columns outside the key when there is a LIMIT or an equality', () => {
      const c = candidateIndexes(
        access({ ...base, selected: ['id', 'topic', 'user_id', 'created_at'] }),
        STATS,
      );
      expect(c[0].include).toEqual(['id', 'topic']);
      const noEquality = candidateIndexes(
        access({ orderBy: base.orderBy, selected: ['id', 'created_at'], hasLimit: true }),
        STATS,
      );
      expect(noEquality[0].include).toEqual(['id']);
    });

    it('includes nothing for SELECT *, more than 4 columns, or a scan without LIMIT or equality', () => {
      expect(
        candidateIndexes(access({ ...base, selected: '*' }), STATS)[0].include,
      ).toBeUndefined();
      const wide = access({ ...base, selected: ['id', 'a', 'b', 'c', 'd'] });
      expect(candidateIndexes(wide, STATS)[0].include).toBeUndefined();
      const scan = access({ range: ['created_at'], selected: ['id', 'created_at'] });
      expect(candidateIndexes(scan, STATS)[0].include).toBeUndefined();
    });

    it('never includes unknown columns or the partial-predicate columns', () => {
      const c = candidateIndexes(
        access({
          ...base,
          nullChecks: [{ column: 'updated_at', isNull: true }],
          selected: ['id', 'ghost', 'updated_at'],
        }),
        STATS,
        TASKS,
      );
      expect(c[0].include).toEqual(['id']);
    });
  });

  it('proposes a trigram GIN index for substring search on Postgres only', () => {
    const sql =
      'SELECT "task"."id" FROM "tasks" "task" WHERE "task"."topic" ILIKE $1 ESCAPE \'\\\' ' +
      'ORDER BY "task"."created_at" DESC, "task"."id" DESC LIMIT 21';
    const pg = fromSql(sql, TASKS);
    expect(pg).toEqual([
      expect.objectContaining({ method: 'btree' }),
      {
        table: 'tasks',
        columns: [{ name: 'topic', direction: 'ASC' }],
        method: 'gin',
        opclass: 'gin_trgm_ops',
        reason: `substring search on topic (LIKE/ILIKE '%...%'): trigram GIN index, needs the pg_trgm extension; ${WEIGHT}`,
      },
    ]);
    const sqlite = candidateIndexes(access({ substring: ['topic'] }), STATS, TASKS, {
      dialect: 'sqlite',
    });
    expect(sqlite).toEqual([]);
  });

  it('proposes a single-column index for the foreign-key side of a join', () => {
    const analysis = analyzeStatement(
      'SELECT "Script"."id" FROM "scripts" "Script" LEFT JOIN "storyboards" "Storyboard" ' +
        'ON "Storyboard"."script_id"="Script"."id" WHERE "Script"."task_id" IN ($1)',
      'postgres',
    );
    const [scripts, storyboards] = analysis.tables.map((t) => candidateIndexes(t, STATS));
    expect(keys(scripts)).toEqual([['task_id']]); // scripts.id is the primary key
    expect(storyboards).toEqual([
      {
        table: 'storyboards',
        columns: [{ name: 'script_id', direction: 'ASC' }],
        method: 'btree',
        reason: `join key script_id (foreign-key side); ${WEIGHT}`,
      },
    ]);
  });

  it('never proposes the primary key, a prefix of it, or anything when it is fixed', () => {
    expect(candidateIndexes(access({ equality: ['id'] }), STATS)).toEqual([]);
    expect(candidateIndexes(access({ inList: ['id'], joinKeys: ['id'] }), STATS, TASKS)).toEqual(
      [],
    );
    const composite = { columns: [], primaryKey: ['tenant_id', 'id'] };
    expect(candidateIndexes(access({ equality: ['tenant_id'] }), STATS, composite)).toEqual([]);
    expect(
      candidateIndexes(access({ equality: ['tenant_id', 'id', 'status'] }), STATS, composite),
    ).toEqual([]);
    // A backward scan serves DESC; mixed directions are a different order.
    const desc = access({
      orderBy: [
        { column: 'tenant_id', direction: 'DESC' },
        { column: 'id', direction: 'DESC' },
      ],
    });
    expect(candidateIndexes(desc, STATS, composite)).toEqual([]);
    const mixed = access({
      orderBy: [
        { column: 'tenant_id', direction: 'ASC' },
        { column: 'id', direction: 'DESC' },
      ],
    });
    expect(keys(candidateIndexes(mixed, STATS, composite))).toEqual([['tenant_id', 'id DESC']]);
  });

  it('ignores columns the schema does not know', () => {
    const c = candidateIndexes(
      access({
        equality: ['user_id', 'Task_user_id'],
        orderBy: [
          { column: 'ghost', direction: 'ASC' },
          { column: 'created_at', direction: 'ASC' },
        ],
      }),
      STATS,
      TASKS,
    );
    expect(keys(c)).toEqual([['user_id']]);
  });

  it('carries the schema and returns nothing for an access with no usable predicate', () => {
    const c = candidateIndexes(access({ schema: 'app', equality: ['user_id'] }), STATS);
    expect(c[0]).toMatchObject({ schema: 'app', table: 'tasks' });
    expect(candidateIndexes(access({}), STATS)).toEqual([]);
  });

  it('is deterministic and never repeats a definition', () => {
    const a = access({
      inList: ['task_id'],
      joinKeys: ['task_id', 'user_id'],
      substring: ['topic'],
      equality: [],
    });
    const first = candidateIndexes(a, STATS);
    expect(keys(first)).toEqual([['task_id'], ['topic'], ['user_id']]);
    expect(candidateIndexes(a, STATS)).toEqual(first);
  });
});
