import { analyzeStatement, initParsers } from './sql-analysis';
import type { SqlDialect, StatementAnalysis, TableAccess } from './sql-analysis';

/** An access with nothing recorded, overridden by `fields`. */
function access(fields: Partial<TableAccess> & { table: string }): TableAccess {
  return {
    equality: [],
    inList: [],
    range: [],
    orderBy: [],
    joinKeys: [],
    groupBy: [],
    substring: [],
    nullChecks: [],
    constants: [],
    selected: [],
    hasLimit: false,
    ...fields,
  };
}

function analyze(sql: string, dialect: SqlDialect = 'postgres'): StatementAnalysis {
  const result = analyzeStatement(sql, dialect);
  expect(result.error).toBeUndefined();
  return result;
}

/** The only access to `table` in the statement. */
function tableOf(sql: string, table: string, dialect: SqlDialect = 'postgres'): TableAccess {
  const found = analyze(sql, dialect).tables.filter((t) => t.table === table);
  expect(found).toHaveLength(1);
  return found[0];
}

describe('analyzeStatement before initParsers', () => {
  it('reports that the Postgres parser is not loaded instead of throwing', () => {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const fresh = require('./sql-analysis') as typeof import('./sql-analysis');
      expect(fresh.analyzeStatement('SELECT 1', 'postgres')).toEqual({
        kind: 'other',
        tables: [],
        error: expect.stringMatching(/await initParsers\(\)/),
      });
      // SQLite and MySQL need no initialization.
      expect(fresh.analyzeStatement('SELECT * FROM t WHERE a = ?', 'sqlite').error).toBeUndefined();
    });
  });
});

describe('analyzeStatement (Postgres)', () => {
  beforeAll(() => initParsers());

  it('loads the parser once', async () => {
    expect(initParsers()).toBe(initParsers());
    await expect(initParsers()).resolves.toBeUndefined();
  });

  it('reads the sample task list: equality, sort and limit through the "Task" alias', () => {
    const sql =
      'SELECT "Task"."id" AS "Task_id", "Task"."user_id" AS "Task_user_id", "Task"."status" AS "Task_status", ' +
      '"Task"."created_at" AS "Task_created_at" FROM "tasks" "Task" ' +
      'WHERE (("Task"."user_id" = $1) AND ("Task"."status" = $2)) ORDER BY "Task"."created_at" DESC LIMIT 20';
    expect(analyze(sql)).toEqual({
      kind: 'select',
      tables: [
        access({
          table: 'tasks',
          equality: ['user_id', 'status'],
          orderBy: [{ column: 'created_at', direction: 'DESC' }],
          selected: ['id', 'user_id', 'status', 'created_at'],
          hasLimit: true,
        }),
      ],
    });
  });

  it('reads a repository find with a sort', () => {
    const sql =
      'SELECT "Storyboard"."id" AS "Storyboard_id", "Storyboard"."script_id" AS "Storyboard_script_id" ' +
      'FROM "storyboards" "Storyboard" WHERE (("Storyboard"."script_id" = $1)) ' +
      'ORDER BY "Storyboard"."sequence_number" ASC';
    expect(tableOf(sql, 'storyboards')).toEqual(
      access({
        table: 'storyboards',
        equality: ['script_id'],
        orderBy: [{ column: 'sequence_number', direction: 'ASC' }],
        selected: ['id', 'script_id', 'sequence_number'],
      }),
    );
  });

  it('reads a count', () => {
    const sql = 'SELECT COUNT(1) AS "cnt" FROM "tasks" "Task" WHERE "Task"."user_id" = $1';
    expect(analyze(sql).tables).toEqual([
      access({ table: 'tasks', equality: ['user_id'], selected: ['user_id'] }),
    ]);
  });

  it('gives join keys to both sides of a join and IN lists to inList', () => {
    const sql =
      'SELECT "Script"."id", "Storyboard"."id" FROM "scripts" "Script" LEFT JOIN "storyboards" "Storyboard" ' +
      'ON "Storyboard"."script_id"="Script"."id" WHERE "Script"."task_id" IN ($1)';
    expect(analyze(sql).tables).toEqual([
      access({
        table: 'scripts',
        inList: ['task_id'],
        joinKeys: ['id'],
        selected: ['id', 'task_id'],
      }),
      access({ table: 'storyboards', joinKeys: ['script_id'], selected: ['id', 'script_id'] }),
    ]);
  });

  it('credits ON filters to the nullable side of an outer join only', () => {
    const sql =
      'SELECT s.id FROM scripts s LEFT JOIN storyboards b ON b.script_id = s.id AND b.generation_status = $1 ' +
      'AND s.status = $2 WHERE s.task_id = $3';
    const [scripts, storyboards] = analyze(sql).tables;
    expect(scripts.equality).toEqual(['task_id']); // s.status in ON does not filter scripts
    expect(storyboards.equality).toEqual(['generation_status']);
    expect(storyboards.joinKeys).toEqual(['script_id']);
  });

  it('treats = ANY($1) and IN (...) as IN lists, NOT IN as nothing', () => {
    const sql =
      'SELECT id FROM tasks WHERE user_id = ANY($1::int[]) AND status IN ($2) AND priority NOT IN ($3)';
    const t = tableOf(sql, 'tasks');
    expect(t.inList).toEqual(['user_id', 'status']);
    expect(t.equality).toEqual([]);
  });

  it('analyzes IN (SELECT ...) as an IN list plus the subquery on its own table', () => {
    const sql =
      'SELECT "id" FROM "tasks" WHERE "id" IN (SELECT "task_id" FROM "scripts" WHERE "status" = $1)';
    expect(analyze(sql).tables).toEqual([
      access({ table: 'tasks', inList: ['id'], selected: ['id'] }),
      access({ table: 'scripts', equality: ['status'], selected: ['task_id', 'status'] }),
    ]);
  });

  it('turns a keyset row comparison into range columns sorted by the ORDER BY', () => {
    const sql =
      'SELECT "Task"."id" AS "Task_id" FROM "tasks" "Task" WHERE ("Task"."user_id" = $1) ' +
      'AND ("Task"."created_at", "Task"."id") < ($2, $3) ORDER BY "Task"."created_at" DESC, "Task"."id" DESC LIMIT 21';
    expect(tableOf(sql, 'tasks')).toEqual(
      access({
        table: 'tasks',
        equality: ['user_id'],
        range: ['created_at', 'id'],
        orderBy: [
          { column: 'created_at', direction: 'DESC' },
          { column: 'id', direction: 'DESC' },
        ],
        selected: ['id', 'user_id', 'created_at'],
        hasLimit: true,
      }),
    );
  });

  it('puts BETWEEN and comparisons (either side) in range, <> nowhere', () => {
    const sql =
      'SELECT id FROM tasks WHERE created_at BETWEEN $1 AND $2 AND $3 < updated_at AND priority <> $4 ' +
      "AND created_at >= now() - interval '1 day'";
    const t = tableOf(sql, 'tasks');
    expect(t.range).toEqual(['created_at', 'updated_at']);
    expect(t.equality).toEqual([]);
  });

  it('records nothing for OR across columns, an IN list for OR on one column', () => {
    const across = tableOf(
      'SELECT id FROM tasks WHERE user_id = $1 AND (status = $2 OR priority = $3)',
      'tasks',
    );
    expect(across).toMatchObject({ equality: ['user_id'], inList: [] });
    const same = tableOf('SELECT id FROM tasks WHERE status = $1 OR status = $2', 'tasks');
    expect(same).toMatchObject({ equality: [], inList: ['status'] });
    const nested = tableOf(
      'SELECT id FROM tasks WHERE (user_id = $1 AND status = $2) OR user_id = $3',
      'tasks',
    );
    expect(nested).toMatchObject({ equality: [], inList: [], range: [] });
  });

  it('records LIKE/ILIKE with a parameter or a leading % as substring search', () => {
    const sql =
      'SELECT "task"."id" FROM "tasks" "task" WHERE "task"."topic" ILIKE $1 ESCAPE \'\\\' ' +
      'AND "task"."priority" LIKE \'%high\' AND "task"."status" LIKE \'done%\' AND "task"."id" NOT LIKE $2';
    expect(tableOf(sql, 'tasks').substring).toEqual(['topic', 'priority']);
  });

  it('skips functions of columns but accepts functions of parameters', () => {
    const t = tableOf(
      'SELECT id FROM users WHERE lower(email) = $1 AND plan = upper($2) AND id::text = $3',
      'users',
    );
    expect(t.equality).toEqual(['plan']);
    expect(t.selected).toEqual(['id', 'email', 'plan']);
  });

  it('records IS NULL tests and boolean constants, which stay literal in the workload', () => {
    const sql =
      'SELECT id FROM conversations WHERE user_id = $1 AND archived_at IS NULL AND task_id IS NOT NULL ' +
      'AND NOT (task_id IS NULL) AND is_pinned = TRUE AND is_deleted IS FALSE AND NOT is_spam AND is_visible';
    expect(tableOf(sql, 'conversations')).toEqual(
      access({
        table: 'conversations',
        equality: ['user_id', 'is_pinned', 'is_deleted', 'is_spam', 'is_visible'],
        nullChecks: [
          { column: 'archived_at', isNull: true },
          { column: 'task_id', isNull: false },
        ],
        constants: [
          { column: 'is_pinned', value: true },
          { column: 'is_deleted', value: false },
          { column: 'is_spam', value: false },
          { column: 'is_visible', value: true },
        ],
        selected: [
          'id',
          'user_id',
          'archived_at',
          'task_id',
          'is_pinned',
          'is_deleted',
          'is_spam',
          'is_visible',
        ],
      }),
    );
  });

  it('keeps inlined literals as constants', () => {
    const t = tableOf("SELECT id FROM tasks WHERE status = 'active' AND priority = 3", 'tasks');
    expect(t.constants).toEqual([
      { column: 'status', value: 'active' },
      { column: 'priority', value: 3 },
    ]);
  });

  it('reads GROUP BY columns', () => {
    const sql =
      'SELECT "Task"."status" AS "status", COUNT(*) AS "n" FROM "tasks" "Task" WHERE "Task"."user_id" = $1 ' +
      'GROUP BY "Task"."status"';
    expect(tableOf(sql, 'tasks')).toEqual(
      access({
        table: 'tasks',
        equality: ['user_id'],
        groupBy: ['status'],
        selected: ['status', 'user_id'],
      }),
    );
  });

  it('maps ORDER BY and GROUP BY through select aliases and ordinals', () => {
    const byAlias = tableOf(
      'SELECT t.created_at AS "newest", t.id FROM tasks t WHERE t.user_id = $1 ORDER BY "newest" DESC, 2',
      'tasks',
    );
    expect(byAlias.orderBy).toEqual([
      { column: 'created_at', direction: 'DESC' },
      { column: 'id', direction: 'ASC' },
    ]);
    const grouped = tableOf(
      'SELECT status AS s, count(*) FROM tasks GROUP BY 1 ORDER BY 2 DESC',
      'tasks',
    );
    expect(grouped.groupBy).toEqual(['status']);
    expect(grouped.orderBy).toEqual([]); // ordered by an aggregate
  });

  it('gives the ORDER BY to the table owning its leading columns only', () => {
    const sql =
      'SELECT t.id FROM tasks t JOIN users u ON u.id = t.user_id WHERE u.plan = $1 ' +
      'ORDER BY t.created_at DESC, u.name, t.id LIMIT 10';
    const [tasks, users] = analyze(sql).tables;
    expect(tasks.orderBy).toEqual([{ column: 'created_at', direction: 'DESC' }]);
    expect(users.orderBy).toEqual([]);
    expect(tasks.hasLimit && users.hasLimit).toBe(true);
  });

  it('keeps quoted identifiers exact and lower-cases unquoted ones', () => {
    const quoted = analyze(
      'SELECT "UA"."Email" FROM "UserAccounts" "UA" WHERE "UA"."TenantId" = $1 ORDER BY "UA"."CreatedAt" DESC',
    );
    expect(quoted.tables).toEqual([
      access({
        table: 'UserAccounts',
        equality: ['TenantId'],
        orderBy: [{ column: 'CreatedAt', direction: 'DESC' }],
        selected: ['Email', 'TenantId', 'CreatedAt'],
      }),
    ]);
    const unquoted = analyze('SELECT Email FROM UserAccounts WHERE TenantId = $1');
    expect(unquoted.tables).toEqual([
      access({ table: 'useraccounts', equality: ['tenantid'], selected: ['email', 'tenantid'] }),
    ]);
  });

  it('reads schema-qualified tables, with or without alias', () => {
    expect(
      analyze('SELECT "t"."id" FROM "public"."tasks" "t" WHERE "t"."user_id" = $1').tables,
    ).toEqual([
      access({
        table: 'tasks',
        schema: 'public',
        equality: ['user_id'],
        selected: ['id', 'user_id'],
      }),
    ]);
    expect(
      analyze('SELECT * FROM app.tasks WHERE app.tasks.status = $1 AND tasks.user_id = $2').tables,
    ).toEqual([
      access({ table: 'tasks', schema: 'app', equality: ['status', 'user_id'], selected: '*' }),
    ]);
  });

  it('resolves a CTE to the base table it reads; the CTE itself is no table', () => {
    const sql =
      'WITH recent AS (SELECT id, user_id, created_at FROM tasks WHERE user_id = $1) ' +
      'SELECT r.id, s.status FROM recent r JOIN scripts s ON s.task_id = r.id ' +
      'WHERE r.created_at > $2 ORDER BY r.created_at DESC LIMIT 5';
    expect(analyze(sql).tables).toEqual([
      access({
        table: 'tasks',
        equality: ['user_id'],
        range: ['created_at'],
        orderBy: [{ column: 'created_at', direction: 'DESC' }],
        joinKeys: ['id'],
        selected: ['id', 'user_id', 'created_at'],
        hasLimit: true,
      }),
      access({
        table: 'scripts',
        joinKeys: ['task_id'],
        selected: ['status', 'task_id'],
        hasLimit: true,
      }),
    ]);
  });

  it('does not credit outer predicates to a CTE that is materialized, read twice or aggregated', () => {
    const twice = analyze(
      'WITH mine AS (SELECT * FROM tasks WHERE user_id = $1) ' +
        'SELECT * FROM mine a JOIN mine b ON a.id = b.id WHERE a.status = $2',
    );
    expect(twice.tables.map((t) => t.table)).toEqual(['tasks']);
    expect(twice.tables[0]).toMatchObject({ equality: ['user_id'], joinKeys: [] });
    const materialized = tableOf(
      'WITH mine AS MATERIALIZED (SELECT * FROM tasks WHERE user_id = $1) SELECT * FROM mine WHERE status = $2',
      'tasks',
    );
    expect(materialized.equality).toEqual(['user_id']);
    const grouped = tableOf(
      'WITH counts AS (SELECT user_id, count(*) AS n FROM tasks GROUP BY user_id) ' +
        'SELECT * FROM counts WHERE user_id = $1',
      'tasks',
    );
    expect(grouped).toMatchObject({ equality: [], groupBy: ['user_id'] });
  });

  it('resolves SELECT * subqueries and renamed CTE columns', () => {
    const star = tableOf(
      'SELECT * FROM (SELECT * FROM tasks WHERE user_id = $1) sub WHERE sub.status = $2 ORDER BY sub.created_at',
      'tasks',
    );
    expect(star).toMatchObject({
      equality: ['user_id', 'status'],
      orderBy: [{ column: 'created_at', direction: 'ASC' }],
      selected: '*',
    });
    const renamed = tableOf(
      'WITH r(task, owner) AS (SELECT id, user_id FROM tasks) SELECT task FROM r WHERE owner = $1',
      'tasks',
    );
    expect(renamed.equality).toEqual(['user_id']);
  });

  it('keeps a subquery with LIMIT opaque to the outer query', () => {
    const t = tableOf(
      'SELECT * FROM (SELECT id, status FROM tasks WHERE user_id = $1 ORDER BY created_at DESC LIMIT 5) x ' +
        'WHERE x.status = $2',
      'tasks',
    );
    expect(t).toMatchObject({
      equality: ['user_id'],
      orderBy: [{ column: 'created_at', direction: 'DESC' }],
      hasLimit: true,
    });
  });

  it('reads TypeORM pagination through its DISTINCT subquery', () => {
    const sql =
      'SELECT DISTINCT "distinctAlias"."Task_id" AS "ids_Task_id", "distinctAlias"."Task_created_at" ' +
      'FROM (SELECT "Task"."id" AS "Task_id", "Task"."created_at" AS "Task_created_at" FROM "tasks" "Task" ' +
      'LEFT JOIN "scripts" "Script" ON "Script"."task_id"="Task"."id" WHERE "Task"."user_id" = $1) "distinctAlias" ' +
      'ORDER BY "distinctAlias"."Task_created_at" DESC, "Task_id" ASC LIMIT 20';
    expect(tableOf(sql, 'tasks')).toMatchObject({
      equality: ['user_id'],
      orderBy: [
        { column: 'created_at', direction: 'DESC' },
        { column: 'id', direction: 'ASC' },
      ],
      hasLimit: true,
    });
  });

  it('treats correlated subqueries as joins on both sides', () => {
    const sql =
      'SELECT t.id FROM tasks t WHERE t.user_id = $1 AND EXISTS ' +
      '(SELECT 1 FROM resources r WHERE r.task_id = t.id AND r.generation_status = $2)';
    expect(analyze(sql).tables).toEqual([
      access({
        table: 'tasks',
        equality: ['user_id'],
        joinKeys: ['id'],
        selected: ['id', 'user_id'],
      }),
      access({
        table: 'resources',
        equality: ['task_id', 'generation_status'],
        joinKeys: ['task_id'],
        selected: ['task_id', 'generation_status'],
      }),
    ]);
  });

  it('reads LATERAL subqueries, window clauses and t.* targets', () => {
    const lateral = analyze(
      'SELECT u.name, x.id FROM users u, LATERAL (SELECT id FROM tasks t WHERE t.user_id = u.id ' +
        'ORDER BY created_at DESC LIMIT 3) x WHERE u.plan = $1',
    );
    expect(lateral.tables).toEqual([
      access({
        table: 'users',
        equality: ['plan'],
        joinKeys: ['id'],
        selected: ['id', 'name', 'plan'],
      }),
      access({
        table: 'tasks',
        equality: ['user_id'],
        orderBy: [{ column: 'created_at', direction: 'DESC' }],
        joinKeys: ['user_id'],
        selected: ['id', 'user_id', 'created_at'],
        hasLimit: true,
      }),
    ]);
    const windowed = tableOf(
      'SELECT id, row_number() OVER (PARTITION BY user_id ORDER BY created_at) FROM tasks WHERE status = $1',
      'tasks',
    );
    expect(windowed.selected).toEqual(['id', 'user_id', 'created_at', 'status']);
    const [tasks, users] = analyze(
      'SELECT t.*, u.name FROM tasks t JOIN users u ON u.id = t.user_id',
    ).tables;
    expect([tasks.selected, users.selected]).toEqual(['*', ['name', 'id']]);
  });

  it('gives each occurrence of a self-joined table its own entry', () => {
    const sql =
      'SELECT a.id FROM tasks a JOIN tasks b ON b.user_id = a.user_id WHERE a.id = $1 AND b.status = $2';
    expect(analyze(sql).tables).toEqual([
      access({
        table: 'tasks',
        equality: ['id'],
        joinKeys: ['user_id'],
        selected: ['id', 'user_id'],
      }),
      access({
        table: 'tasks',
        equality: ['status'],
        joinKeys: ['user_id'],
        selected: ['user_id', 'status'],
      }),
    ]);
  });

  it('marks every column as read when an unqualified column cannot be attributed', () => {
    const [tasks, users] = analyze(
      'SELECT t.id FROM tasks t JOIN users u ON u.id = t.user_id WHERE plan = $1',
    ).tables;
    expect(tasks.selected).toBe('*');
    expect(users.selected).toBe('*');
    expect(tasks.equality).toEqual([]);
  });

  it('reads UPDATE, DELETE and INSERT', () => {
    expect(analyze('UPDATE "conversations" SET "archived_at" = $1 WHERE "id" IN ($2)')).toEqual({
      kind: 'update',
      tables: [access({ table: 'conversations', inList: ['id'] })],
    });
    expect(
      analyze(
        'DELETE FROM storyboards s USING scripts sc WHERE s.script_id = sc.id AND sc.task_id = $1',
      ),
    ).toEqual({
      kind: 'delete',
      tables: [
        access({ table: 'storyboards', joinKeys: ['script_id'] }),
        access({
          table: 'scripts',
          equality: ['task_id'],
          joinKeys: ['id'],
          selected: ['id', 'task_id'],
        }),
      ],
    });
    expect(
      analyze(
        'INSERT INTO "tasks"("user_id", "topic") VALUES ($1, $2) RETURNING "id", "created_at"',
      ),
    ).toEqual({ kind: 'insert', tables: [access({ table: 'tasks' })] });
    const copy = analyze('INSERT INTO archive (id) SELECT id FROM tasks WHERE status = $1');
    expect(copy.tables.map((t) => [t.table, t.equality])).toEqual([
      ['archive', []],
      ['tasks', ['status']],
    ]);
  });

  it('reads data-modifying CTEs and UPDATE ... FROM a CTE', () => {
    const moved = analyze(
      'WITH gone AS (DELETE FROM tasks WHERE status = $1 RETURNING *) INSERT INTO archive SELECT * FROM gone',
    );
    expect(moved.kind).toBe('insert');
    expect(moved.tables.map((t) => [t.table, t.equality])).toEqual([
      ['tasks', ['status']],
      ['archive', []],
    ]);
    const update = analyze(
      'WITH mine AS (SELECT id FROM tasks WHERE user_id = $1) ' +
        'UPDATE scripts SET status = $2 FROM mine WHERE scripts.task_id = mine.id',
    );
    expect(update.tables.map((t) => [t.table, t.equality, t.joinKeys])).toEqual([
      ['scripts', [], ['task_id']],
      ['tasks', ['user_id'], ['id']],
    ]);
  });

  it('analyzes each arm of a UNION on its own', () => {
    const result = analyze(
      'SELECT id FROM tasks WHERE user_id = $1 UNION ALL SELECT id FROM tasks WHERE status = $2 ORDER BY 1 LIMIT 5',
    );
    expect(result.tables.map((t) => t.equality)).toEqual([['user_id'], ['status']]);
  });

  it('detects LIMIT $n and FETCH FIRST, not LIMIT ALL', () => {
    expect(tableOf('SELECT id FROM tasks LIMIT $1', 'tasks').hasLimit).toBe(true);
    expect(tableOf('SELECT id FROM tasks FETCH FIRST 5 ROWS ONLY', 'tasks').hasLimit).toBe(true);
    expect(tableOf('SELECT id FROM tasks LIMIT ALL', 'tasks').hasLimit).toBe(false);
  });

  it('returns kind "other" for statements that read no table', () => {
    expect(analyze('SET statement_timeout = 0')).toEqual({ kind: 'other', tables: [] });
    expect(analyze('SELECT 1').tables).toEqual([]);
  });

  it('returns parse errors instead of throwing', () => {
    expect(analyzeStatement('SELEC * FROM tasks', 'postgres')).toEqual({
      kind: 'other',
      tables: [],
      error: 'syntax error at or near "SELEC"',
    });
    expect(analyzeStatement('', 'postgres')).toMatchObject({ kind: 'other', tables: [] });
    expect(analyzeStatement('SELECT * FROM tasks WHERE', 'postgres').error).toMatch(/syntax error/);
  });
});

describe('analyzeStatement (SQLite)', () => {
  it('reads TypeORM SQL with ? placeholders, LIMIT ? and ORDER BY a select alias', () => {
    const sql =
      'SELECT "Task"."id" AS "Task_id", "Task"."created_at" AS "Task_created_at" FROM "tasks" "Task" ' +
      'WHERE (("Task"."user_id" = ?) AND ("Task"."status" = ?)) ORDER BY "Task_created_at" DESC LIMIT ? OFFSET ?';
    expect(analyze(sql, 'sqlite')).toEqual({
      kind: 'select',
      tables: [
        access({
          table: 'tasks',
          equality: ['user_id', 'status'],
          orderBy: [{ column: 'created_at', direction: 'DESC' }],
          selected: ['id', 'created_at', 'user_id', 'status'],
          hasLimit: true,
        }),
      ],
    });
  });

  it("reads the sample search (LIKE ... ESCAPE '\\') and keyset pagination", () => {
    const search = tableOf(
      'SELECT "task"."id" AS "task_id" FROM "tasks" "task" WHERE "task"."topic" LIKE ? ESCAPE \'\\\' ' +
        'AND "task"."user_id" = ? ORDER BY "task"."created_at" DESC, "task"."id" DESC LIMIT 21',
      'tasks',
      'sqlite',
    );
    expect(search).toMatchObject({ equality: ['user_id'], substring: ['topic'], hasLimit: true });
    const keyset = tableOf(
      'SELECT "Task"."id" FROM "tasks" "Task" WHERE "Task"."user_id" = ?1 AND ("Task"."created_at", "Task"."id") < (?2, ?3) ' +
        'ORDER BY "Task"."created_at" DESC, "Task"."id" DESC LIMIT 21',
      'tasks',
      'sqlite',
    );
    expect(keyset).toMatchObject({ equality: ['user_id'], range: ['created_at', 'id'] });
  });

  it('reads UPDATE with unqualified quoted columns and joins with IN', () => {
    expect(analyze('UPDATE "conversations" SET "status" = ? WHERE "id" IN (?)', 'sqlite')).toEqual({
      kind: 'update',
      tables: [access({ table: 'conversations', inList: ['id'] })],
    });
    const joined = analyze(
      'SELECT "Script"."id" FROM "scripts" "Script" LEFT JOIN "storyboards" "Storyboard" ' +
        'ON "Storyboard"."script_id"="Script"."id" WHERE "Script"."task_id" IN (?)',
      'sqlite',
    );
    expect(joined.tables.map((t) => [t.table, t.inList, t.joinKeys])).toEqual([
      ['scripts', ['task_id'], ['id']],
      ['storyboards', [], ['script_id']],
    ]);
  });

  it('reads schema-qualified tables, [bracketed] names, IS NULL and boolean literals', () => {
    expect(
      tableOf(
        'SELECT * FROM main.[tasks] WHERE [deleted_at] IS NULL AND is_done = FALSE AND user_id = $1',
        'tasks',
        'sqlite',
      ),
    ).toEqual(
      access({
        table: 'tasks',
        schema: 'main',
        equality: ['is_done', 'user_id'],
        nullChecks: [{ column: 'deleted_at', isNull: true }],
        constants: [{ column: 'is_done', value: false }],
        selected: '*',
      }),
    );
  });

  it('resolves CTEs, subqueries and OR the same way as on Postgres', () => {
    const cte = analyze(
      'WITH recent AS (SELECT id, user_id FROM tasks WHERE user_id = ?) ' +
        'SELECT r.id FROM recent r JOIN scripts s ON s.task_id = r.id WHERE s.status = ? OR s.status = ?',
      'sqlite',
    );
    expect(cte.tables.map((t) => [t.table, t.equality, t.inList, t.joinKeys])).toEqual([
      ['tasks', ['user_id'], [], ['id']],
      ['scripts', [], ['status'], ['task_id']],
    ]);
    const distinct = tableOf(
      'SELECT * FROM (SELECT DISTINCT user_id FROM tasks WHERE status = ?) d WHERE d.user_id = ?',
      'tasks',
      'sqlite',
    );
    expect(distinct.equality).toEqual(['status']); // DISTINCT: the outer filter is not pushed in
  });

  it('returns parse errors with their position', () => {
    expect(analyzeStatement('SELECT x FROM', 'sqlite')).toEqual({
      kind: 'other',
      tables: [],
      error: 'syntax error at line 1, column 14: unexpected end of input',
    });
  });
});

describe('analyzeStatement (MySQL)', () => {
  it('reads backtick-quoted TypeORM SQL with LIMIT ?, ?', () => {
    const sql =
      'SELECT `Task`.`id` AS `Task_id` FROM `tasks` `Task` WHERE `Task`.`user_id` = ? AND `Task`.`status` = ? ' +
      'ORDER BY `Task`.`created_at` DESC LIMIT ?, ?';
    expect(tableOf(sql, 'tasks', 'mysql')).toEqual(
      access({
        table: 'tasks',
        equality: ['user_id', 'status'],
        orderBy: [{ column: 'created_at', direction: 'DESC' }],
        selected: ['id', 'user_id', 'status', 'created_at'],
        hasLimit: true,
      }),
    );
  });

  it('reads joins, schema-qualified tables, string literals and case-insensitive aliases', () => {
    const sql =
      'SELECT COUNT(DISTINCT(`resource`.`id`)) AS `cnt` FROM `app`.`resources` `resource` ' +
      'INNER JOIN `tasks` `Task` ON `task`.`id`=`resource`.`task_id` ' +
      'WHERE `TASK`.`user_id` = ? AND `resource`.`resource_type` = \'image\' AND `resource`.`url` LIKE "%.png"';
    expect(analyze(sql, 'mysql').tables).toEqual([
      access({
        table: 'resources',
        schema: 'app',
        equality: ['resource_type'],
        joinKeys: ['task_id'],
        substring: ['url'],
        constants: [{ column: 'resource_type', value: 'image' }],
        selected: ['id', 'task_id', 'resource_type', 'url'],
      }),
      access({
        table: 'tasks',
        equality: ['user_id'],
        joinKeys: ['id'],
        selected: ['id', 'user_id'],
      }),
    ]);
  });

  it('reads multi-table UPDATE and DELETE with ORDER BY ... LIMIT', () => {
    const update = analyze(
      'UPDATE `tasks` `t` INNER JOIN `users` `u` ON `u`.`id` = `t`.`user_id` SET `t`.`status` = ? WHERE `u`.`plan` = ?',
      'mysql',
    );
    expect(update.kind).toBe('update');
    expect(update.tables.map((t) => [t.table, t.equality, t.joinKeys])).toEqual([
      ['tasks', [], ['user_id']],
      ['users', ['plan'], ['id']],
    ]);
    const del = tableOf(
      'DELETE FROM `conversations` WHERE `status` = ? ORDER BY `id` LIMIT 100',
      'conversations',
      'mysql',
    );
    expect(del).toMatchObject({
      equality: ['status'],
      orderBy: [{ column: 'id', direction: 'ASC' }],
      hasLimit: true,
      selected: [],
    });
  });

  it('reads queries with index hints (TypeORM useIndex)', () => {
    const t = tableOf(
      'SELECT `t`.`id` FROM `tasks` `t` USE INDEX (`IDX_x`) WHERE `t`.`user_id` = ?',
      'tasks',
      'mysql',
    );
    expect(t.equality).toEqual(['user_id']);
  });

  it('returns parse errors', () => {
    expect(analyzeStatement('SELECT FROM WHERE', 'mysql')).toMatchObject({
      kind: 'other',
      tables: [],
      error: expect.stringMatching(/^syntax error at line 1, column \d+: unexpected/),
    });
  });
});
