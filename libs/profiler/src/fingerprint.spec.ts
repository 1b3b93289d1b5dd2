import { createHash } from 'node:crypto';
import {
  FingerprintCache,
  sampledKey,
  fingerprintSql,
  type ParamSource,
  type SqlDialect,
  type StatementKind,
} from './fingerprint';

type Example = [name: string, sql: string, text: string, sources: ParamSource[]];

const p = (param: number): ParamSource => ({ param });
const l = (literal: string | number): ParamSource => ({ literal });

function expectExamples(dialect: SqlDialect, examples: Example[]): void {
  it.each(examples)('%s', (_name, sql, text, sources) => {
    const fingerprint = fingerprintSql(sql, dialect);
    expect({ text: fingerprint.text, sources: fingerprint.sources }).toEqual({ text, sources });
  });
}

const TYPEORM_PAGE_PG =
  'SELECT "Task"."id" AS "Task_id", "Task"."userId" AS "Task_userId" FROM "tasks" "Task" WHERE (("Task"."userId" = $1) AND ("Task"."status" = $2)) ORDER BY "Task"."createdAt" DESC, "Task"."id" DESC LIMIT 20 OFFSET 40';
const TYPEORM_IN_PG =
  'SELECT "Storyboard"."id" AS "Storyboard_id", "Storyboard"."scriptId" AS "Storyboard_scriptId" FROM "storyboards" "Storyboard" WHERE "Storyboard"."scriptId" IN ($1, $2, $3)';
const TYPEORM_INSERT_PG =
  'INSERT INTO "tasks"("id", "topic") VALUES (DEFAULT, $1), (DEFAULT, $2) RETURNING "id"';

describe('fingerprintSql on postgres', () => {
  expectExamples('postgres', [
    [
      'TypeORM page query: LIMIT/OFFSET literals become placeholders',
      TYPEORM_PAGE_PG,
      TYPEORM_PAGE_PG.replace('LIMIT 20 OFFSET 40', 'LIMIT $3 OFFSET $4'),
      [p(0), p(1), l(20), l(40)],
    ],
    ['TypeORM transaction', 'START TRANSACTION', 'START TRANSACTION', []],
    [
      'TypeORM batch insert keeps the first row',
      TYPEORM_INSERT_PG,
      'INSERT INTO "tasks"("id", "topic") VALUES (DEFAULT, $1) RETURNING "id"',
      [p(0)],
    ],
    [
      'TypeORM IN list collapses to one placeholder',
      TYPEORM_IN_PG,
      TYPEORM_IN_PG.replace('($1, $2, $3)', '($1)'),
      [p(0)],
    ],
    [
      'comments dropped, block comments nest',
      'SELECT /* outer /* nested */ still comment */ a -- to the end\nFROM t',
      'SELECT a FROM t',
      [],
    ],
    ['a comment separates tokens', 'SELECT/* c */a FROM/**/t', 'SELECT a FROM t', []],
    [
      'whitespace collapsed and normalized around ( ) , ;',
      '\n  SELECT\t a ,b  FROM ( t )\r\n WHERE  x=( 1 ) ;',
      'SELECT a, b FROM (t) WHERE x=($1)',
      [l(1)],
    ],
    [
      "plain, E'' and N'' strings",
      String.raw`SELECT 'it''s', E'a\nb\'c\x41\101\u00e9''', N'nat'`,
      'SELECT $1, $2, $3',
      [l("it's"), l("a\nb'cAAé'"), l('nat')],
    ],
    [
      "B'', X'' and U&'' strings, with UESCAPE",
      String.raw`SELECT B'0101', X'1F', U&'d\0061t\+000061', U&'d!0061t!!' UESCAPE '!' FROM t`,
      'SELECT $1, $2, $3, $4 FROM t',
      [l('0101'), l('1F'), l('data'), l('dat!')],
    ],
    [
      'dollar-quoted strings, with and without a tag',
      "SELECT $$it's $1$$, $fn$ a $$ b $fn$ FROM t WHERE a = $1",
      'SELECT $1, $2 FROM t WHERE a = $3',
      [l("it's $1"), l(' a $$ b '), p(0)],
    ],
    [
      'numbers: JS numbers when exact, text otherwise',
      'SELECT 42, 3.14, .5, 1e3, 2.5E-3, 1_000, 12345678901234567890, 0.12345678901234567, 1e400',
      'SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9',
      [l(42), l(3.14), l(0.5), l(1000), l(0.0025), l(1000)].concat([
        l('12345678901234567890'),
        l('0.12345678901234567'),
        l('1e400'),
      ]),
    ],
    [
      'digits inside names are not numbers',
      'SELECT "col 1", t2.c3, table1.x FROM table1 t2 WHERE t2.c3 > 10',
      'SELECT "col 1", t2.c3, table1.x FROM table1 t2 WHERE t2.c3 > $1',
      [l(10)],
    ],
    [
      'parameters renumbered in order of appearance',
      "SELECT * FROM t WHERE b = $3 AND a = $1 AND c = 'x' AND d = $3",
      'SELECT * FROM t WHERE b = $1 AND a = $2 AND c = $3 AND d = $4',
      [p(2), p(0), l('x'), p(2)],
    ],
    [
      'casts, NULL, booleans and case kept as written',
      "select $2::text, '5'::int, NULL, TRUE, false, now() From t",
      'select $1::text, $2::int, NULL, TRUE, false, now() From t',
      [p(1), l('5')],
    ],
    [
      'ANY($1) stays',
      `SELECT * FROM "t" WHERE "id" = ANY($1) AND "x" = ANY ('{1,2}')`,
      'SELECT * FROM "t" WHERE "id" = ANY($1) AND "x" = ANY ($2)',
      [p(0), l('{1,2}')],
    ],
    [
      'NOT IN and one-element IN lists',
      "SELECT * FROM t WHERE a NOT IN ('x', 'y', 'z') AND b IN(1)",
      'SELECT * FROM t WHERE a NOT IN ($1) AND b IN($2)',
      [l('x'), l(1)],
    ],
    [
      'IN with a subquery or an expression is only normalized inside',
      'SELECT * FROM t WHERE a IN (SELECT id FROM u WHERE v = 3) AND b IN ($1 + 1, $2)',
      'SELECT * FROM t WHERE a IN (SELECT id FROM u WHERE v = $1) AND b IN ($2 + $3, $4)',
      [l(3), p(0), l(1), p(1)],
    ],
    [
      'a sign after an operator or keyword belongs to the number',
      'SELECT a - 1, a-1, -2, (a) - 3 FROM t WHERE b = -4 AND c * - 5 > +0 LIMIT -1',
      'SELECT a - $1, a-$2, $3, (a) - $4 FROM t WHERE b = $5 AND c * $6 > $7 LIMIT $8',
      [l(1), l(1), l(-2), l(3), l(-4), l(-5), l(0), l(-1)],
    ],
    [
      'VALUES rows of literals, NULL, DEFAULT and booleans collapse',
      "INSERT INTO t (a, b) VALUES (1, NULL), ('x', 2), (DEFAULT, TRUE);",
      'INSERT INTO t (a, b) VALUES ($1, NULL)',
      [l(1)],
    ],
    [
      'VALUES with an expression row is kept whole',
      'INSERT INTO t (a) VALUES ($1), ($2), (1 + 1)',
      'INSERT INTO t (a) VALUES ($1), ($2), ($3 + $4)',
      [p(0), p(1), l(1), l(1)],
    ],
    [
      'only trailing semicolons are dropped',
      'SELECT 1; SELECT 2;;',
      'SELECT $1; SELECT $2',
      [l(1), l(2)],
    ],
    [
      'operators kept; ? is an operator on postgres',
      `SELECT a->>'k', b @> '{}', c ? 'x', d || 'y' FROM t`,
      'SELECT a->>$1, b @> $2, c ? $3, d || $4 FROM t',
      [l('k'), l('{}'), l('x'), l('y')],
    ],
    [
      '$0 is not a parameter; U&"" names are kept',
      'SELECT U&"d\\0061t" FROM t WHERE x = $0',
      'SELECT U&"d\\0061t" FROM t WHERE x = $0',
      [],
    ],
    [
      'unterminated string and comment run to the end',
      "SELECT 1 /* open, SELECT 'abc",
      'SELECT $1',
      [l(1)],
    ],
  ]);
});

describe('fingerprintSql on mysql', () => {
  expectExamples('mysql', [
    [
      'TypeORM page query',
      'SELECT `Task`.`id` AS `Task_id` FROM `tasks` `Task` WHERE ((`Task`.`userId` = ?) AND (`Task`.`status` = ?)) ORDER BY `Task`.`createdAt` DESC LIMIT 20 OFFSET 40',
      'SELECT `Task`.`id` AS `Task_id` FROM `tasks` `Task` WHERE ((`Task`.`userId` = ?) AND (`Task`.`status` = ?)) ORDER BY `Task`.`createdAt` DESC LIMIT ? OFFSET ?',
      [p(0), p(1), l(20), l(40)],
    ],
    [
      'TypeORM batch insert',
      'INSERT INTO `tasks`(`id`, `topic`) VALUES (DEFAULT, ?), (DEFAULT, ?)',
      'INSERT INTO `tasks`(`id`, `topic`) VALUES (DEFAULT, ?)',
      [p(0)],
    ],
    [
      'IN list: later ? keep their original index',
      'SELECT `s`.`id` FROM `storyboards` `s` WHERE `s`.`scriptId` IN (?, ?, ?) AND `s`.`deleted` = ?',
      'SELECT `s`.`id` FROM `storyboards` `s` WHERE `s`.`scriptId` IN (?) AND `s`.`deleted` = ?',
      [p(0), p(3)],
    ],
    [
      '# and -- comments',
      'SELECT a # hash comment\nFROM t -- dash comment\nWHERE b = 1 /* block */',
      'SELECT a FROM t WHERE b = ?',
      [l(1)],
    ],
    ['-- without a following space is two minus signs', 'SELECT 5--1', 'SELECT ?-?', [l(5), l(-1)]],
    [
      'backslash escapes in single- and double-quoted strings',
      String.raw`SELECT 'it\'s', 'a''b', "dq \"x\"", 'tab\there\\', 'p\%', N'n\n' FROM t`,
      'SELECT ?, ?, ?, ?, ?, ? FROM t',
      [l("it's"), l("a'b"), l('dq "x"'), l('tab\there\\'), l('p\\%'), l('n\n')],
    ],
    [
      'hex and bit literals',
      "SELECT 0x1F, X'AB', b'0101', 0b11",
      'SELECT ?, ?, ?, ?',
      [l(31), l('AB'), l('0101'), l(3)],
    ],
    ['names starting with digits', 'SELECT 1st_col FROM t1', 'SELECT 1st_col FROM t1', []],
    ['user variables', 'SET @a := 5', 'SET @a := ?', [l(5)]],
  ]);
});

describe('fingerprintSql on sqlite', () => {
  expectExamples('sqlite', [
    [
      'TypeORM page query',
      'SELECT "Task"."id" AS "Task_id" FROM "tasks" "Task" WHERE (("Task"."userId" = ?) AND ("Task"."status" = ?)) LIMIT 20 OFFSET 40',
      'SELECT "Task"."id" AS "Task_id" FROM "tasks" "Task" WHERE (("Task"."userId" = ?) AND ("Task"."status" = ?)) LIMIT ? OFFSET ?',
      [p(0), p(1), l(20), l(40)],
    ],
    [
      'TypeORM batch insert and IN list',
      'INSERT INTO "tasks"("id", "topic") VALUES (NULL, ?), (NULL, ?); ',
      'INSERT INTO "tasks"("id", "topic") VALUES (NULL, ?)',
      [p(0)],
    ],
    [
      'TypeORM IN list',
      'SELECT "S"."id" FROM "storyboards" "S" WHERE "S"."scriptId" IN (?, ?, ?)',
      'SELECT "S"."id" FROM "storyboards" "S" WHERE "S"."scriptId" IN (?)',
      [p(0)],
    ],
    [
      'named and numbered parameters take SQLite indexes',
      'SELECT * FROM t WHERE a = :a AND b = @b AND c = :a AND d = $d AND e = ?7 AND f = ?',
      'SELECT * FROM t WHERE a = ? AND b = ? AND c = ? AND d = ? AND e = ? AND f = ?',
      [p(0), p(1), p(0), p(2), p(6), p(7)],
    ],
    [
      'quoted names of every style',
      'SELECT [my col], `b 2`, "c 3" FROM [t 1]',
      'SELECT [my col], `b 2`, "c 3" FROM [t 1]',
      [],
    ],
    ['blob and hex literals', "SELECT X'00ff', 0xff", 'SELECT ?, ?', [l('00ff'), l(255)]],
  ]);
});

describe('fingerprint id', () => {
  it('is the first 16 hex chars of sha256(dialect + newline + text), stable across versions', () => {
    const { id, text } = fingerprintSql('SELECT 1', 'postgres');
    const expected = createHash('sha256').update(`postgres\n${text}`).digest('hex').slice(0, 16);
    expect(id).toBe(expected);
    expect(id).toBe('4147761e3cf57847');
    expect(fingerprintSql('SELECT 1', 'mysql').id).toBe('574ec9451ec664c1');
  });

  it('differs between dialects for the same text', () => {
    const ids = (['postgres', 'mysql', 'sqlite'] as const).map(
      (d) => fingerprintSql('SELECT a FROM t', d).id,
    );
    expect(new Set(ids).size).toBe(3);
  });

  it('reads "x" as a string on mysql and as a name elsewhere', () => {
    expect(fingerprintSql('SELECT "x"', 'mysql').text).toBe('SELECT ?');
    expect(fingerprintSql('SELECT "x"', 'sqlite').text).toBe('SELECT "x"');
    expect(fingerprintSql('SELECT "x"', 'postgres').text).toBe('SELECT "x"');
  });

  it('shares one id between pages, IN-list lengths and batch sizes', () => {
    const page = (n: number) => TYPEORM_PAGE_PG.replace('OFFSET 40', `OFFSET ${n}`);
    expect(fingerprintSql(page(0), 'postgres').id).toBe(fingerprintSql(page(980), 'postgres').id);
    const inList = TYPEORM_IN_PG.replace('($1, $2, $3)', '($1)');
    expect(fingerprintSql(inList, 'postgres').id).toBe(
      fingerprintSql(TYPEORM_IN_PG, 'postgres').id,
    );
  });
});

describe('statement kind', () => {
  it.each<[string, StatementKind]>([
    ['SELECT 1', 'select'],
    ['  select 1', 'select'],
    ['(SELECT 1) UNION (SELECT 2)', 'select'],
    ['VALUES (1), (2)', 'select'],
    ['SHOW TABLES', 'select'],
    ['TABLE t', 'select'],
    ['PRAGMA table_info("t")', 'select'],
    ['PRAGMA foreign_keys = OFF', 'other'],
    ['EXPLAIN SELECT 1', 'other'],
    ['INSERT INTO t VALUES (1)', 'insert'],
    ['REPLACE INTO t VALUES (1)', 'insert'],
    ['update t set a = 1', 'update'],
    ['DELETE FROM t', 'delete'],
    ['BEGIN', 'transaction'],
    ['START TRANSACTION', 'transaction'],
    ['COMMIT', 'transaction'],
    ['ROLLBACK TO SAVEPOINT s1', 'transaction'],
    ['SAVEPOINT s1', 'transaction'],
    ['RELEASE SAVEPOINT s1', 'transaction'],
    ['SET TRANSACTION ISOLATION LEVEL SERIALIZABLE', 'transaction'],
    ['SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED', 'transaction'],
    ['SET search_path TO public', 'other'],
    ['START SLAVE', 'other'],
    ['CREATE TABLE t (id int)', 'ddl'],
    ['ALTER TABLE t ADD c int', 'ddl'],
    ['DROP INDEX i', 'ddl'],
    ['TRUNCATE t', 'ddl'],
    ["COMMENT ON TABLE t IS 'x'", 'ddl'],
    ['WITH a AS (SELECT 1) SELECT * FROM a', 'select'],
    ['WITH RECURSIVE a(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM a) SELECT n FROM a', 'select'],
    [
      'WITH a AS (SELECT 1), b AS (DELETE FROM t RETURNING *) INSERT INTO u SELECT * FROM b',
      'insert',
    ],
    ['with a as (select id from t) update u set x = 1 from a', 'update'],
    ['WITH a AS MATERIALIZED (SELECT 1) DELETE FROM t USING a', 'delete'],
    ['WITH x AS (SELECT 1) (SELECT * FROM x)', 'select'],
    ['VACUUM', 'other'],
    ['', 'other'],
    ['/* only a comment */', 'other'],
  ])('%p is %p', (sql, kind) => {
    expect(fingerprintSql(sql, 'postgres').kind).toBe(kind);
  });
});

describe('FingerprintCache', () => {
  it('returns the same object for the same SQL', () => {
    const cache = new FingerprintCache('postgres');
    const first = cache.get('SELECT 1');
    expect(cache.get('SELECT 1')).toBe(first);
    expect(cache.get('SELECT 2')).not.toBe(first);
    expect(cache.get('SELECT 2').id).toBe(first.id);
    expect(cache.size).toBe(2);
    expect(cache.dialect).toBe('postgres');
  });

  it('evicts the oldest insertion at max', () => {
    const cache = new FingerprintCache('sqlite', 2);
    const a = cache.get('SELECT a');
    const b = cache.get('SELECT b');
    cache.get('SELECT c');
    expect(cache.size).toBe(2);
    expect(cache.get('SELECT b')).toBe(b);
    expect(cache.get('SELECT a')).not.toBe(a); // recomputed, which evicts b
    expect(cache.get('SELECT a')).toEqual(a);
    expect(cache.get('SELECT b')).not.toBe(b);
    expect(cache.size).toBe(2);
  });

  it('tells apart statements that differ only where the lookup key does not sample', () => {
    const filler = ` FROM "tasks" WHERE ${Array.from({ length: 30 }, (_, i) => `"c${i}" = 1`).join(' AND ')}`;
    const a = `SELECT "a"${filler}`;
    const b = `SELECT "b"${filler}`;
    expect(sampledKey(a)).toBe(sampledKey(b));
    const cache = new FingerprintCache('postgres');
    for (let round = 0; round < 3; round++) {
      // Fresh string objects each time, as an ORM builds them.
      expect(cache.get(a.slice(0, 10) + a.slice(10)).text).toContain('SELECT "a"');
      expect(cache.get(b.slice(0, 10) + b.slice(10)).text).toContain('SELECT "b"');
    }
    expect(cache.get(a)).not.toEqual(cache.get(b));
    expect(cache.size).toBe(2);
  });

  it('holds 5000 entries by default and can be cleared', () => {
    const cache = new FingerprintCache('mysql');
    for (let i = 0; i < 5001; i++) cache.get(`SELECT c${i} FROM t`);
    expect(cache.size).toBe(5000);
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects max %p', (max) => {
    expect(() => new FingerprintCache('postgres', max)).toThrow(
      /FingerprintCache: max must be a positive integer/,
    );
  });
});

describe('large statements', () => {
  it('normalizes a 20 KB batch insert with an IN list in one pass', () => {
    const rows = Array.from({ length: 600 }, (_, i) => `(DEFAULT, 'v''${i}', ${i})`).join(', ');
    const ids = Array.from({ length: 1500 }, (_, i) => i).join(', ');
    const sql = `INSERT INTO "t"("id", "a", "b") VALUES ${rows}; SELECT * FROM t WHERE id IN (${ids})`;
    expect(sql.length).toBeGreaterThan(20_000);
    const fingerprint = fingerprintSql(sql, 'postgres');
    expect(fingerprint.text).toBe(
      'INSERT INTO "t"("id", "a", "b") VALUES (DEFAULT, $1, $2); SELECT * FROM t WHERE id IN ($3)',
    );
    expect(fingerprint.sources).toEqual([l("v'0"), l(0), l(0)]);
  });

  it('keeps every source of a 20 KB WHERE clause in order', () => {
    const conditions = Array.from({ length: 1000 }, (_, i) => `"column_${i}" = '${i}'`);
    const sql = `SELECT * FROM t WHERE ${conditions.join(' AND ')}`;
    expect(sql.length).toBeGreaterThan(20_000);
    const fingerprint = fingerprintSql(sql, 'postgres');
    expect(fingerprint.sources).toEqual(conditions.map((_, i) => l(String(i))));
    expect(fingerprint.text.endsWith('"column_999" = $1000')).toBe(true);
  });

  it('handles long literals, comments, nesting and lists that almost collapse', () => {
    const long = 'x'.repeat(20_000);
    const nested = '('.repeat(3000) + 'SELECT 1' + ')'.repeat(3000);
    const almost = `a IN (${'1, '.repeat(3000)}(SELECT 1))`;
    const sql = `/* ${long} */ ${nested} -- ${long}\n UNION SELECT '${long}' WHERE ${almost}`;
    const fingerprint = fingerprintSql(sql, 'sqlite');
    expect(fingerprint.kind).toBe('select');
    expect(fingerprint.text).toBe(
      `${'('.repeat(3000)}SELECT ?${')'.repeat(3000)} UNION SELECT ? WHERE a IN (${'?, '.repeat(3000)}(SELECT ?))`,
    );
    expect(fingerprint.sources[1]).toEqual(l(long));
    expect(fingerprint.sources).toHaveLength(3003);
  });
});
