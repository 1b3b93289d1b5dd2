import type { IndexCandidate } from './candidates';
import { indexName, MAX_INDEX_NAME_BYTES, quoteIdent } from './index-name';

function candidate(fields: Partial<IndexCandidate> = {}): IndexCandidate {
  return {
    table: 'tasks',
    columns: [
      { name: 'user_id', direction: 'ASC' },
      { name: 'created_at', direction: 'DESC' },
    ],
    method: 'btree',
    reason: 'equality on user_id; sort by created_at DESC (no sort step)',
    ...fields,
  };
}

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('indexName', () => {
  it('is readable, marks descending columns and ends with an 8-digit hash', () => {
    expect(indexName(candidate())).toMatch(/^IDX_tasks_user_id_created_at_desc_[0-9a-f]{8}$/);
    const gin = candidate({
      columns: [{ name: 'topic', direction: 'ASC' }],
      method: 'gin',
      opclass: 'gin_trgm_ops',
    });
    expect(indexName(gin)).toMatch(/^IDX_tasks_topic_gin_[0-9a-f]{8}$/);
  });

  it('is deterministic and ignores the reason', () => {
    expect(indexName(candidate())).toBe(indexName(candidate({ reason: 'something else' })));
  });

  it('differs whenever the definition differs', () => {
    const variants = [
      candidate(),
      candidate({ where: '"archived_at" IS NULL' }),
      candidate({ include: ['id'] }),
      candidate({ include: ['id', 'topic'] }),
      candidate({ schema: 'app' }),
      candidate({ method: 'gin' }),
      candidate({ opclass: 'gin_trgm_ops' }),
      candidate({
        columns: [
          { name: 'user_id', direction: 'ASC' },
          { name: 'created_at', direction: 'ASC' },
        ],
      }),
      // Same readable part as the default (`user_id_created_at_desc`), different columns.
      candidate({
        columns: [
          { name: 'user', direction: 'ASC' },
          { name: 'id_created_at', direction: 'DESC' },
        ],
      }),
    ];
    const names = variants.map(indexName);
    expect(new Set(names).size).toBe(variants.length);
  });

  it('replaces characters other than letters, digits and _ and keeps case', () => {
    const c = candidate({
      table: 'User Accounts',
      columns: [{ name: 'e-mail"x', direction: 'ASC' }],
    });
    expect(indexName(c)).toMatch(/^IDX_User_Accounts_e_mail_x_[0-9a-f]{8}$/);
    expect(indexName(candidate({ table: '😀😀 tasks' }))).toMatch(/^IDX__tasks_user_id/);
  });

  it(`fits long names in ${MAX_INDEX_NAME_BYTES} bytes, keeping the hash`, () => {
    const long = candidate({
      table: 'customer_subscription_billing_events',
      columns: [
        { name: 'organization_identifier', direction: 'ASC' },
        { name: 'subscription_plan_code', direction: 'ASC' },
        { name: 'created_at_timestamp', direction: 'DESC' },
      ],
    });
    const name = indexName(long);
    expect(bytes(name)).toBeLessThanOrEqual(MAX_INDEX_NAME_BYTES);
    expect(name).toMatch(
      /^IDX_customer_subscription_billing_events_organizati[a-z_]*_[0-9a-f]{8}$/,
    );
    expect(name).not.toMatch(/__[0-9a-f]{8}$/); // no dangling separator before the hash
    // Two long definitions that differ only past the cut still get different names.
    const other = {
      ...long,
      columns: [...long.columns.slice(0, 2), { name: 'x', direction: 'ASC' as const }],
    };
    expect(indexName(other)).not.toBe(name);
    expect(indexName(other).slice(0, -8)).toBe(name.slice(0, -8));
  });

  it('counts bytes, not characters, and never cuts a multi-byte character', () => {
    const c = candidate({
      table: 'заказы_клиентов',
      columns: [
        { name: 'идентификатор_пользователя', direction: 'ASC' },
        { name: '日付', direction: 'DESC' },
      ],
    });
    const name = indexName(c);
    expect(bytes(name)).toBeLessThanOrEqual(MAX_INDEX_NAME_BYTES);
    expect(name.length).toBeLessThan(MAX_INDEX_NAME_BYTES); // 2-byte letters
    expect(name).toMatch(/^IDX_заказы_клиентов_[а-я_]+_[0-9a-f]{8}$/);
    expect(name).not.toContain('\uFFFD');
    // 4-byte letters outside the BMP (surrogate pairs in JavaScript) stay whole.
    const astral = indexName(candidate({ table: '𠮷'.repeat(30) }));
    expect(bytes(astral)).toBeLessThanOrEqual(MAX_INDEX_NAME_BYTES);
    expect(astral).toMatch(/^IDX_(𠮷)+_[0-9a-f]{8}$/u);
  });
});

describe('quoteIdent', () => {
  it('double-quotes on Postgres and SQLite, doubling embedded quotes', () => {
    expect(quoteIdent('UserAccounts', 'postgres')).toBe('"UserAccounts"');
    expect(quoteIdent('say "hi"', 'postgres')).toBe('"say ""hi"""');
    expect(quoteIdent('created_at', 'sqlite')).toBe('"created_at"');
  });

  it('backticks on MySQL, doubling embedded backticks', () => {
    expect(quoteIdent('created_at', 'mysql')).toBe('`created_at`');
    expect(quoteIdent('odd`name', 'mysql')).toBe('`odd``name`');
  });
});
