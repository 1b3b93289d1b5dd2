import fc from 'fast-check';
import { fingerprintSql, type SqlDialect } from '../fingerprint';

const DIALECTS: SqlDialect[] = ['postgres', 'mysql', 'sqlite'];

/** Text with the characters that matter to a lexer: quotes, backslashes, `$`, comment starts. */
const tricky = fc
  .array(
    fc.oneof(
      fc.constantFrom("'", '"', '`', '\\', '$', '$$', '--', '/*', '*/', '?', '#', '\n', '\0'),
      fc.constantFrom('é', '😀', '\u2028', 'ß'),
      fc.string({ unit: 'binary', maxLength: 4 }),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(''));

/** Every way a dialect can write the string `value` as a literal. */
function stringLiterals(dialect: SqlDialect, value: string): string[] {
  const doubled = `'${value.replaceAll("'", "''")}'`;
  const backslashed = value.replaceAll('\\', '\\\\');
  if (dialect === 'sqlite') return [doubled];
  if (dialect === 'mysql') {
    return [`'${backslashed.replaceAll("'", "\\'")}'`, `"${backslashed.replaceAll('"', '""')}"`];
  }
  let tag = '$q$';
  for (let i = 0; value.includes(tag) || value.endsWith('$q'); i++) tag = `$q${i}$`;
  return [
    doubled,
    `E'${backslashed.replaceAll("'", "\\'")}'`,
    `U&'${backslashed.replaceAll("'", "''")}'`,
    `${tag}${value}${tag}`,
  ];
}

const numbers = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
);

const placeholder = (dialect: SqlDialect) => (dialect === 'postgres' ? '$1' : '?');
const quote = (dialect: SqlDialect, name: string) =>
  dialect === 'mysql' ? `\`${name}\`` : `"${name}"`;

describe('fingerprint properties', () => {
  it.each(DIALECTS)('%s: literal values do not change the id and decode exactly', (dialect) => {
    const statement = (s: string, n: string) =>
      `SELECT ${quote(dialect, 'id')} FROM ${quote(dialect, 'users')} WHERE ${quote(dialect, 'name')} = ${s} AND age > ${n} LIMIT 10`;
    const base = fingerprintSql(statement("'x'", '1'), dialect);
    fc.assert(
      fc.property(tricky, numbers, fc.nat(3), (value, number, form) => {
        const forms = stringLiterals(dialect, value);
        const fingerprint = fingerprintSql(
          statement(forms[form % forms.length], String(number)),
          dialect,
        );
        expect(fingerprint.id).toBe(base.id);
        expect(fingerprint.sources[0]).toEqual({ literal: value });
        const literal = (fingerprint.sources[1] as { literal: string | number }).literal;
        expect(Number(literal)).toBe(Number(String(number))); // String(-0) is '0'
        if (typeof literal === 'string') expect(literal).toBe(String(number));
      }),
    );
  });

  it.each(DIALECTS)('%s: IN-list length 1..50 and batch size do not change the id', (dialect) => {
    const element = fc.oneof(
      fc.integer().map(String),
      tricky.map((value) => stringLiterals(dialect, value)[0]),
      fc.integer({ min: 1, max: 9 }).map((n) => (dialect === 'postgres' ? `$${n}` : '?')),
    );
    const inList = (items: string[]) =>
      `SELECT * FROM t WHERE a IN (${items.join(', ')}) AND b = 2`;
    const rows = (items: string[]) =>
      `INSERT INTO t (a, b) VALUES ${items.map((item) => `(${item}, NULL)`).join(', ')}`;
    const inId = fingerprintSql(inList(['1']), dialect).id;
    const rowsId = fingerprintSql(rows(['1']), dialect).id;
    fc.assert(
      fc.property(fc.array(element, { minLength: 1, maxLength: 50 }), (items) => {
        const first = fingerprintSql(`SELECT ${items[0]}`, dialect).sources[0];
        const list = fingerprintSql(inList(items), dialect);
        expect(list.id).toBe(inId);
        expect(list.sources).toEqual([first, { literal: 2 }]);
        const batch = fingerprintSql(rows(items), dialect);
        expect(batch.id).toBe(rowsId);
        expect(batch.sources).toEqual([first]);
      }),
    );
  });

  const canonical: Record<SqlDialect, string[]> = {
    postgres: [
      'SELECT "Task"."id" AS "Task_id", "Task"."userId" AS "Task_userId" FROM "tasks" "Task" WHERE (("Task"."userId" = $1) AND ("Task"."status" = $2)) ORDER BY "Task"."createdAt" DESC, "Task"."id" DESC LIMIT 20 OFFSET 40',
      'INSERT INTO "tasks"("id", "topic") VALUES (DEFAULT, $1), (DEFAULT, $2) RETURNING "id"',
      "SELECT count(*) FROM t WHERE a NOT IN (1, 2) AND b = 'x'::text AND c - 1 > -2",
    ],
    mysql: [
      'SELECT `Task`.`id` FROM `tasks` `Task` WHERE `Task`.`userId` = ? AND `Task`.`x` IN (?, ?) LIMIT 20',
      "INSERT INTO `tasks`(`id`, `topic`) VALUES (DEFAULT, ?), (DEFAULT, 'a')",
    ],
    sqlite: [
      'SELECT "Task"."id" FROM "tasks" "Task" WHERE ("Task"."userId" = ?) AND "Task"."x" IN (?, 3) LIMIT 20 OFFSET 40',
      'INSERT INTO "tasks"("id", "topic") VALUES (NULL, ?), (NULL, :topic)',
    ],
  };
  const comments: Record<SqlDialect, string[]> = {
    postgres: [' /* c */ ', ' -- c\n', ' /* a /* b */ c */ '],
    mysql: [' /* c */ ', ' -- c\n', ' # c\n'],
    sqlite: [' /* c */ ', ' -- c\n'],
  };

  /**
   * Replaces each space of `sql` by a non-empty separator and puts optional ones after `(` and
   * before `)` and `,`, where the canonical text has no space.
   */
  function reflow(sql: string, separators: string[]): string {
    let k = 0;
    const next = () => separators[k++ % separators.length];
    let out = '';
    for (const ch of sql) {
      if (ch === ' ') out += next() || ' ';
      else if (ch === '(') out += ch + next();
      else if (ch === ')' || ch === ',') out += next() + ch;
      else out += ch;
    }
    return out;
  }

  it.each(DIALECTS)(
    '%s: whitespace and comments between tokens do not change the id',
    (dialect) => {
      const piece = fc.constantFrom(' ', '  ', '\n', '\t', '\r\n', ...comments[dialect]);
      const separator = fc.array(piece, { maxLength: 3 }).map((parts) => parts.join(''));
      for (const sql of canonical[dialect]) {
        const expected = fingerprintSql(sql, dialect);
        fc.assert(
          fc.property(fc.array(separator, { minLength: 1, maxLength: 40 }), (separators) => {
            const fingerprint = fingerprintSql(reflow(sql, separators), dialect);
            expect(fingerprint).toEqual(expected);
          }),
          { numRuns: 50 },
        );
      }
    },
  );

  it.each(DIALECTS)('%s: different columns, tables or operators get different ids', (dialect) => {
    const shape = fc.record({
      column: fc.constantFrom('a', 'b', 'a1', quote(dialect, 'userId'), quote(dialect, 'user_id')),
      table: fc.constantFrom('t', 'users', 't.users', quote(dialect, 'tasks')),
      op: fc.constantFrom('=', '<>', '<', '>=', 'LIKE', 'IS NOT'),
    });
    const value = fc.oneof(fc.integer().map(String), fc.constant(placeholder(dialect)));
    const sql = (s: { column: string; table: string; op: string }, v: string) =>
      `SELECT * FROM ${s.table} WHERE ${s.column} ${s.op} ${v}`;
    fc.assert(
      fc.property(shape, shape, value, value, (left, right, v1, v2) => {
        const same = left.column === right.column && left.table === right.table;
        const a = fingerprintSql(sql(left, v1), dialect).id;
        const b = fingerprintSql(sql(right, v2), dialect).id;
        expect(a === b).toBe(same && left.op === right.op);
      }),
    );
  });

  const fragments: Record<SqlDialect, string[]> = {
    postgres: ['$1', '$7', '::int', "E'a\\'b'", '$$d$$', 'ANY', '"q 1"', '?', '@>'],
    mysql: ['?', '`b 2`', '"s\\"t"', '# x\n', '0x1F', "b'01'"],
    sqlite: ['?', '?3', ':n', '@m', '$v', '[b 3]', '"q 1"', "X'0f'"],
  };
  const common = [
    'SELECT',
    'FROM',
    'WHERE',
    'IN',
    'NOT',
    'VALUES',
    'AND',
    'NULL',
    'DEFAULT',
  ].concat(['(', ')', ',', ';', '=', '-', '+', '*', 't1', 'col2', "'it''s'", '/* x */', '-- x\n']);

  /** Placeholders in `text`, outside quoted names. */
  function countPlaceholders(text: string, dialect: SqlDialect): number {
    const bare = text.replace(/"[^"]*"|`[^`]*`|\[[^\]]*\]/g, '');
    return (bare.match(dialect === 'postgres' ? /\$\d+/g : /\?/g) ?? []).length;
  }

  it.each(DIALECTS)('%s: one source per placeholder; normalizing is idempotent', (dialect) => {
    const token = fc.oneof(
      fc.constantFrom(...common, ...fragments[dialect]),
      numbers.map(String),
      tricky.map((value) => stringLiterals(dialect, value)[0]),
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 60 }), (tokens) => {
        const fingerprint = fingerprintSql(tokens.join(' '), dialect);
        expect(fingerprint.sources).toHaveLength(countPlaceholders(fingerprint.text, dialect));
        expect(fingerprint.id).toMatch(/^[0-9a-f]{16}$/);
        expect(fingerprintSql(fingerprint.text, dialect).text).toBe(fingerprint.text);
      }),
      { numRuns: 300 },
    );
  });

  it.each(DIALECTS)('%s: never throws on arbitrary input', (dialect) => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (sql) => {
        const fingerprint = fingerprintSql(sql, dialect);
        expect(fingerprint.id).toMatch(/^[0-9a-f]{16}$/);
        for (const source of fingerprint.sources) {
          expect('param' in source ? typeof source.param : typeof source.literal).not.toBe(
            'undefined',
          );
        }
      }),
      { numRuns: 300 },
    );
  });
});
