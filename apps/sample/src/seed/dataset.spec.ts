import { generateDataset, Row, RowSink, TABLES, TableName } from './dataset';
import { SeededRandom } from './random';

function collect(): RowSink & { rows: Record<TableName, Row[]> } {
  const rows = {
    users: [],
    tasks: [],
    conversations: [],
    scripts: [],
    storyboards: [],
    resources: [],
  } as Record<TableName, Row[]>;
  return { rows, write: (table, row) => rows[table].push(row), flush: () => undefined };
}

describe('SeededRandom', () => {
  it('repeats its stream for a seed and differs across seeds', () => {
    const a = new SeededRandom(1);
    const b = new SeededRandom(1);
    const c = new SeededRandom(2);
    const first = Array.from({ length: 5 }, () => a.uint32());
    expect(Array.from({ length: 5 }, () => b.uint32())).toEqual(first);
    expect(Array.from({ length: 5 }, () => c.uint32())).not.toEqual(first);
  });

  it('makes v4-shaped uuids and stays in range', () => {
    const rnd = new SeededRandom(3);
    for (let i = 0; i < 1000; i++) {
      expect(rnd.uuid()).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      const n = rnd.int(1, 5);
      expect(n >= 1 && n <= 5 && Number.isInteger(n)).toBe(true);
    }
  });
});

describe('generateDataset', () => {
  it('is deterministic for a seed', async () => {
    const a = collect();
    const b = collect();
    const countsA = await generateDataset({ users: 10, tasks: 200, seed: 5 }, a);
    const countsB = await generateDataset({ users: 10, tasks: 200, seed: 5 }, b);
    expect(countsB).toEqual(countsA);
    expect(b.rows).toEqual(a.rows);
  });

  it('writes rows that match the table columns and reference existing parents', async () => {
    const sink = collect();
    const counts = await generateDataset({ users: 20, tasks: 500, seed: 9 }, sink);
    for (const table of Object.keys(TABLES) as TableName[]) {
      expect(sink.rows[table]).toHaveLength(counts[table]);
      for (const row of sink.rows[table]) expect(row).toHaveLength(TABLES[table].length);
    }
    const users = new Set(sink.rows.users.map((r) => r[0]));
    const tasks = new Set(sink.rows.tasks.map((r) => r[0]));
    const scriptTask = new Map(sink.rows.scripts.map((r) => [r[0], r[1]]));
    expect(sink.rows.tasks.every((r) => users.has(r[1]))).toBe(true);
    expect(sink.rows.scripts.every((r) => tasks.has(r[1]))).toBe(true);
    expect(sink.rows.storyboards.every((r) => scriptTask.get(r[2]) === r[1])).toBe(true);
    expect(sink.rows.conversations.every((r) => users.has(r[1]) && tasks.has(r[3]))).toBe(true);
    expect(new Set(sink.rows.conversations.map((r) => r[2])).size).toBe(counts.conversations);
  });

  it('creates tasks with no user out of range even for one user', async () => {
    const sink = collect();
    await generateDataset({ users: 1, tasks: 50, seed: 1 }, sink);
    expect(sink.rows.tasks.every((r) => r[1] === 1)).toBe(true);
  });
});
