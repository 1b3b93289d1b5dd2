import { prepareForNodeSqlParser } from './sql-text';

describe('prepareForNodeSqlParser', () => {
  it('numbers every placeholder as a named parameter', () => {
    expect(
      prepareForNodeSqlParser(
        'SELECT * FROM t WHERE a = ? AND b IN (?) LIMIT ? OFFSET ?',
        'sqlite',
      ),
    ).toBe('SELECT * FROM t WHERE a = :p1 AND b IN (:p2) LIMIT :p3 OFFSET :p4');
    expect(prepareForNodeSqlParser('SELECT * FROM t WHERE a = ?1 AND b = $2', 'sqlite')).toBe(
      'SELECT * FROM t WHERE a = :p1 AND b = :p2',
    );
    expect(prepareForNodeSqlParser('SELECT `a$1` FROM t WHERE a = ?', 'mysql')).toBe(
      'SELECT `a$1` FROM t WHERE a = :p1',
    );
  });

  it('leaves placeholders-lookalikes in strings, names and comments alone', () => {
    expect(
      prepareForNodeSqlParser(
        `SELECT '?', "a?", \`b?\`, [c?] FROM t /* ? */ WHERE x = ? -- ?`,
        'sqlite',
      ),
    ).toBe(`SELECT '?', "a?", \`b?\`, "c?" FROM t   WHERE x = :p1  `);
  });

  it("doubles backslashes in SQLite strings (ESCAPE '\\'), not in MySQL ones", () => {
    expect(prepareForNodeSqlParser(`a LIKE ? ESCAPE '\\'`, 'sqlite')).toBe(
      `a LIKE :p1 ESCAPE '\\\\'`,
    );
    expect(prepareForNodeSqlParser(`a = 'it\\'s ?' AND b = ?`, 'mysql')).toBe(
      `a = 'it\\'s ?' AND b = :p1`,
    );
    expect(prepareForNodeSqlParser(`a = 'it''s ?' AND b = ?`, 'sqlite')).toBe(
      `a = 'it''s ?' AND b = :p1`,
    );
  });

  it('drops MySQL index hints', () => {
    expect(
      prepareForNodeSqlParser(
        'SELECT * FROM `t` `a` USE INDEX (`i`) FORCE KEY FOR ORDER BY (j) WHERE a = ?',
        'mysql',
      ),
    ).toBe('SELECT * FROM `t` `a`     WHERE a = :p1');
    expect(prepareForNodeSqlParser('SELECT refuse_index(1) FROM t', 'mysql')).toBe(
      'SELECT refuse_index(1) FROM t',
    );
  });
});
