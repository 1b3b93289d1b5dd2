import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import {
  Conversation,
  Resource,
  Script,
  Storyboard,
  Task,
  User,
} from '../apps/sample/src/entities';
import { openDatabase } from '../apps/sample/src/database/database';
import { seedDatabase } from '../apps/sample/src/seed/seed';
import { scratchDatabase, ScratchDatabase } from './support/databases';

const DATASET = { users: 25, tasks: 400, seed: 11 };
const ENTITIES: [string, EntityTarget<ObjectLiteral>][] = [
  ['users', User],
  ['tasks', Task],
  ['conversations', Conversation],
  ['scripts', Script],
  ['storyboards', Storyboard],
  ['resources', Resource],
];

async function snapshot(dataSource: DataSource): Promise<Record<string, ObjectLiteral[]>> {
  const result: Record<string, ObjectLiteral[]> = {};
  for (const [name, entity] of ENTITIES) {
    result[name] = await dataSource.getRepository(entity).find({ order: { id: 'ASC' } });
  }
  return result;
}

describe('seed', () => {
  const opened: { db: ScratchDatabase; dataSource: DataSource }[] = [];
  let sqlite: DataSource;
  let postgres: DataSource;

  beforeAll(async () => {
    for (const dialect of ['sqlite', 'postgres'] as const) {
      const db = await scratchDatabase(dialect);
      const dataSource = await openDatabase(db.config);
      opened.push({ db, dataSource });
    }
    [sqlite, postgres] = opened.map((o) => o.dataSource);
  });

  afterAll(async () => {
    for (const { db, dataSource } of opened) {
      await dataSource.destroy();
      await db.drop();
    }
  });

  it('writes the same rows on SQLite and Postgres for the same seed', async () => {
    const countsSqlite = await seedDatabase(sqlite, DATASET);
    const countsPostgres = await seedDatabase(postgres, DATASET);
    expect(countsPostgres).toEqual(countsSqlite);
    const [a, b] = [await snapshot(sqlite), await snapshot(postgres)];
    for (const [name] of ENTITIES) {
      expect(b[name]).toHaveLength(countsSqlite[name as keyof typeof countsSqlite]);
      expect(b[name]).toEqual(a[name]);
    }
  });

  it('replaces the data on a rerun, identically for the same seed and differently for another', async () => {
    const before = await snapshot(postgres);
    await seedDatabase(postgres, DATASET);
    expect(await snapshot(postgres)).toEqual(before);
    await seedDatabase(postgres, { ...DATASET, seed: 12 });
    const other = await snapshot(postgres);
    expect(other.tasks).toHaveLength(DATASET.tasks);
    expect(other.tasks[0].id).not.toBe(before.tasks[0].id);
  });

  it('has the documented shape: skewed owners, uneven statuses, 1-5 scripts per task', async () => {
    await seedDatabase(sqlite, { users: 100, tasks: 5000, seed: 42 });
    const owners: { user_id: number; n: number }[] = await sqlite.query(
      'SELECT user_id, COUNT(*) AS n FROM tasks GROUP BY user_id ORDER BY n DESC',
    );
    expect(owners[0].user_id).toBe(1);
    const topTenShare = owners.slice(0, 10).reduce((sum, o) => sum + o.n, 0) / 5000;
    expect(topTenShare).toBeGreaterThan(0.4);
    const statuses: { status: string; n: number }[] = await sqlite.query(
      'SELECT status, COUNT(*) AS n FROM tasks GROUP BY status ORDER BY n DESC',
    );
    expect(statuses[0].status).toBe('completed');
    expect(statuses[0].n / 5000).toBeGreaterThan(0.5);
    const perTask: { min: number; max: number }[] = await sqlite.query(
      'SELECT MIN(n) AS min, MAX(n) AS max FROM (SELECT COUNT(*) AS n FROM scripts GROUP BY task_id)',
    );
    expect(perTask[0]).toEqual({ min: 1, max: 5 });
    const orphans = await sqlite.query(
      'SELECT COUNT(*) AS n FROM storyboards b JOIN scripts s ON s.id = b.script_id WHERE s.task_id <> b.task_id',
    );
    expect(orphans[0].n).toBe(0);
    expect(
      (
        await sqlite.query(
          'SELECT COUNT(*) AS n FROM tasks t LEFT JOIN scripts s ON s.task_id = t.id WHERE s.id IS NULL',
        )
      )[0].n,
    ).toBe(0);
  });

  it('leaves the Postgres foreign keys in place and the id sequences past the seeded ids', async () => {
    await seedDatabase(postgres, DATASET);
    const fks: { conname: string }[] = await postgres.query(
      `SELECT conname FROM pg_constraint WHERE contype = 'f' ORDER BY conname`,
    );
    expect(fks.map((f) => f.conname)).toEqual([
      'FK_conversations_task_id',
      'FK_conversations_user_id',
      'FK_resources_task_id',
      'FK_scripts_task_id',
      'FK_storyboards_script_id',
      'FK_storyboards_task_id',
      'FK_tasks_user_id',
    ]);
    const [inserted] = await postgres.query(
      `INSERT INTO users (name, email, plan) VALUES ('New', 'new@example.com', 'free') RETURNING id`,
    );
    expect(inserted.id).toBe(DATASET.users + 1);
    await expect(
      postgres.query(
        `INSERT INTO scripts (task_id, status, structured_content) VALUES (gen_random_uuid(), 'draft', '{}')`,
      ),
    ).rejects.toThrow(/FK_scripts_task_id/);
  });
});
