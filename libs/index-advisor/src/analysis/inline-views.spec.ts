import { inlineViews } from './inline-views';
import type { ViewDefinition } from './inline-views';

const views: ViewDefinition[] = [
  {
    schema: 'public',
    name: 'open_tasks',
    definition: "SELECT * FROM tasks WHERE status <> 'done'",
  },
  {
    schema: 'Sales',
    name: 'BigOrders',
    definition: 'SELECT * FROM "Sales"."Orders" WHERE total > 100',
  },
  { schema: 'public', name: 'mine', definition: 'SELECT * FROM open_tasks WHERE user_id = 1' },
];

describe('inlineViews', () => {
  it('turns a view read after FROM or JOIN into a CTE of its definition', () => {
    expect(inlineViews('SELECT id FROM open_tasks t WHERE t.user_id = $1', views)).toBe(
      `WITH "open_tasks" AS (SELECT * FROM tasks WHERE status <> 'done') SELECT id FROM "open_tasks" t WHERE t.user_id = $1`,
    );
  });

  it('drops the schema of quoted, mixed-case views and keeps an existing WITH list', () => {
    expect(
      inlineViews(
        'WITH x AS (SELECT 1) SELECT * FROM x JOIN "Sales"."BigOrders" o ON o.id = x.id',
        views,
      ),
    ).toBe(
      'WITH "BigOrders" AS (SELECT * FROM "Sales"."Orders" WHERE total > 100), x AS (SELECT 1) SELECT * FROM x JOIN "BigOrders" o ON o.id = x.id',
    );
  });

  it('follows views of views, and leaves statements without views alone', () => {
    const out = inlineViews('SELECT * FROM mine', views);
    expect(out).toContain('"open_tasks" AS (');
    expect(out).toContain('"mine" AS (SELECT * FROM "open_tasks" WHERE user_id = 1)');
    expect(out.indexOf('"open_tasks" AS')).toBeLessThan(out.indexOf('"mine" AS'));
    const plain = 'SELECT * FROM tasks WHERE open_tasks_count > 1';
    expect(inlineViews(plain, views)).toBe(plain);
    const recursive = 'WITH RECURSIVE r AS (SELECT 1) SELECT * FROM r JOIN open_tasks ON true';
    expect(inlineViews(recursive, views)).toBe(recursive);
  });
});
