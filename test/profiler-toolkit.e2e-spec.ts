import {
  Column,
  CreateDateColumn,
  DataSource,
  Entity,
  JoinColumn,
  LessThan,
  ManyToOne,
  OneToMany,
  PrimaryGeneratedColumn,
} from 'typeorm';
import type { AfterQueryEvent, EntitySubscriberInterface, Repository } from 'typeorm';
import { createRequestContext, runWithRequestContext } from '@nest-perf/core';
import {
  chunks,
  countRows,
  defineBatchLoader,
  encodeCursor,
  forEachChunk,
  InvalidCursorError,
  paginate,
  paginateKeyset,
  ToolkitOptionsError,
} from '../libs/profiler/src/toolkit';
import type { KeysetOrder, QuerySource } from '../libs/profiler/src/toolkit';
import { DIALECTS, scratchDatabase } from './support/databases';
import type { ScratchDatabase } from './support/databases';

@Entity('tk_items')
class Item {
  @PrimaryGeneratedColumn({ type: 'int' })
  id: number;

  @Column({ name: 'group_id', type: 'int' })
  groupId: number;

  @Column({ type: 'varchar', length: 20 })
  status: string;

  @Column({ type: 'int' })
  score: number;

  @CreateDateColumn({ name: 'created_at' })
  createdAt: Date;

  @OneToMany('Note', (note: Note) => note.item)
  notes?: Note[];
}

@Entity('tk_notes')
class Note {
  @PrimaryGeneratedColumn({ type: 'int' })
  id: number;

  @Column({ name: 'item_id', type: 'int' })
  itemId: number;

  @ManyToOne('Item', (item: Item) => item.notes, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'item_id' })
  item?: Item;

  @Column({ type: 'int' })
  position: number;
}

/** A table the test fills with generate_series on Postgres (counts and estimates). */
@Entity('tk_big')
class Big {
  @PrimaryGeneratedColumn({ type: 'int' })
  id: number;

  @Column({ type: 'int' })
  n: number;
}

/** Records every statement the DataSource runs while `on`. */
class StatementLog implements EntitySubscriberInterface {
  on = false;
  statements: string[] = [];

  afterQuery(event: AfterQueryEvent): void {
    if (this.on) this.statements.push(event.query);
  }

  async during<R>(fn: () => Promise<R>): Promise<{ result: R; statements: string[] }> {
    this.statements = [];
    this.on = true;
    try {
      const result = await fn();
      return { result, statements: this.statements };
    } finally {
      this.on = false;
    }
  }
}

const ITEMS = 300;
const NOW = Date.UTC(2026, 0, 1);

describe.each(DIALECTS)('query toolkit on %s', (dialect) => {
  let db: ScratchDatabase;
  let dataSource: DataSource;
  let items: Repository<Item>;
  let notes: Repository<Note>;
  const log = new StatementLog();

  beforeAll(async () => {
    db = await scratchDatabase(dialect);
    const config = db.config;
    dataSource = new DataSource({
      ...(config.type === 'postgres'
        ? { type: 'postgres' as const, url: config.url }
        : { type: 'better-sqlite3' as const, database: (config as { path: string }).path }),
      entities: [Item, Note, Big],
      synchronize: true,
      logging: false,
    });
    await dataSource.initialize();
    dataSource.subscribers.push(log);
    items = dataSource.getRepository(Item);
    notes = dataSource.getRepository(Note);
    // 30 distinct times, 10 rows each: lots of ties on createdAt (and on score).
    const rows = Array.from({ length: ITEMS }, (_, i) => ({
      groupId: i % 10,
      status: i % 3 === 0 ? 'done' : 'open',
      score: (i * 7) % 5,
      createdAt: new Date(NOW - Math.floor(i / 10) * 60_000),
    }));
    await items.insert(rows);
    if (dialect === 'postgres') {
      // Sub-millisecond differences inside a tie group: a cursor that went through a JS Date
      // (milliseconds) would skip or repeat these rows.
      await dataSource.query(
        `UPDATE tk_items SET created_at = created_at + (id % 3) * interval '1 microsecond'`,
      );
    }
    const noteRows = [];
    for (let itemId = 1; itemId <= 40; itemId++) {
      for (let position = itemId % 4; position > 0; position--) noteRows.push({ itemId, position });
    }
    await notes.insert(noteRows);
  });

  afterAll(async () => {
    if (dataSource?.isInitialized) await dataSource.destroy();
    await db?.drop();
  });

  async function walkOffset<T extends { id: number }>(
    source: QuerySource<T>,
    order: KeysetOrder<T>,
    pageSize: number,
    where?: object,
  ): Promise<number[]> {
    const ids: number[] = [];
    for (let page = 1; ; page++) {
      const result = await paginate(source, { page, pageSize, order: order as never, where });
      ids.push(...result.items.map((r) => r.id));
      if (page >= result.totalPages) return ids;
    }
  }

  async function walkKeyset<T extends { id: number }>(
    source: QuerySource<T>,
    orderBy: KeysetOrder<T>,
    limit: number,
    where?: object,
  ): Promise<number[]> {
    const ids: number[] = [];
    let after: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof paginateKeyset<T>>> = await paginateKeyset(source, {
        orderBy,
        limit,
        after,
        where: where as never,
      });
      expect(page.items.length).toBeLessThanOrEqual(limit);
      expect(page.nextCursor === null).toBe(!page.hasMore);
      ids.push(...page.items.map((r) => r.id));
      after = page.nextCursor;
    } while (after);
    return ids;
  }

  describe('paginateKeyset', () => {
    it('returns the same rows as offset pages, ties on createdAt included', async () => {
      const orderBy = { createdAt: 'DESC', id: 'DESC' } as const;
      const offset = await walkOffset(items, orderBy, 7);
      const keyset = await walkKeyset(items, orderBy, 7);
      expect(offset).toHaveLength(ITEMS);
      expect(new Set(keyset).size).toBe(ITEMS);
      expect(keyset).toEqual(offset);
    });

    it('matches offset pages with a filter and ascending order', async () => {
      const orderBy = { createdAt: 'ASC', id: 'ASC' } as const;
      const where = { status: 'open' };
      const offset = await walkOffset(items, orderBy, 11, where);
      expect(offset).toHaveLength(ITEMS - ITEMS / 3);
      expect(await walkKeyset(items, orderBy, 11, where)).toEqual(offset);
    });

    it('matches offset pages with mixed directions (expanded comparison)', async () => {
      const orderBy = { score: 'ASC', createdAt: 'DESC', id: 'ASC' } as const;
      const offset = await walkOffset(items, orderBy, 13);
      expect(await walkKeyset(items, orderBy, 13)).toEqual(offset);
    });

    it('seeks with a row value when directions agree, the expanded form when they do not', async () => {
      const sqlOf = async (orderBy: KeysetOrder<Item>) => {
        const { nextCursor } = await paginateKeyset(items, { orderBy, limit: 3 });
        const { statements } = await log.during(() =>
          paginateKeyset(items, { orderBy, limit: 3, after: nextCursor }),
        );
        expect(statements).toHaveLength(1);
        return statements[0];
      };
      const same = await sqlOf({ createdAt: 'DESC', id: 'DESC' });
      expect(same).toMatch(/\("Item"\."created_at", "Item"\."id"\) < \(/);
      expect(same).not.toMatch(/OFFSET/i);
      const mixed = await sqlOf({ createdAt: 'DESC', id: 'ASC' });
      expect(mixed).toMatch(/"Item"\."created_at" <= .* OR \("Item"\."created_at" = /);
    });

    it('pages a query builder with a join and its own OR condition', async () => {
      const qb = () =>
        items
          .createQueryBuilder('item')
          .leftJoinAndSelect('item.notes', 'note')
          .where('item.groupId = :a', { a: 1 })
          .orWhere('item.groupId = :b', { b: 2 });
      const orderBy = { createdAt: 'DESC', id: 'DESC' } as const;
      const offset = await walkOffset(qb(), orderBy, 4);
      expect(offset).toHaveLength(ITEMS / 5);
      expect(await walkKeyset(qb(), orderBy, 4)).toEqual(offset);
      const first = await paginateKeyset(qb(), { orderBy, limit: 40 });
      const withNotes = first.items.find((i) => i.id === 2);
      expect(withNotes?.notes?.map((n) => n.position).sort()).toEqual([1, 2]);
    });

    it('rejects a garbled, edited or foreign cursor with InvalidCursorError', async () => {
      const orderBy = { createdAt: 'DESC', id: 'DESC' } as const;
      const { nextCursor } = await paginateKeyset(items, { orderBy, limit: 5 });
      expect(nextCursor).toEqual(expect.any(String));
      const cursor = nextCursor!;
      const flipped = cursor.slice(0, 20) + (cursor[20] === 'A' ? 'B' : 'A') + cursor.slice(21);
      for (const bad of [flipped, cursor.slice(0, -3), 'not a cursor!', `${cursor}x`]) {
        await expect(paginateKeyset(items, { orderBy, after: bad })).rejects.toThrow(
          InvalidCursorError,
        );
      }
      await expect(
        paginateKeyset(items, { orderBy: { score: 'DESC', id: 'DESC' }, after: cursor }),
      ).rejects.toThrow(/different query order/);
    });

    it('turns cursor values the database cannot read into InvalidCursorError', async () => {
      if (dialect !== 'postgres') return; // SQLite compares any value with any other
      const forged = encodeCursor(['yesterday-ish', '1'], 'Item:createdAt:DESC,id:DESC');
      await expect(
        paginateKeyset(items, { orderBy: { createdAt: 'DESC', id: 'DESC' }, after: forged }),
      ).rejects.toThrow(InvalidCursorError);
    });

    it('clamps the limit and rejects bad options', async () => {
      const page = await paginateKeyset(items, { orderBy: { id: 'ASC' }, limit: 500 });
      expect(page.items).toHaveLength(100);
      const small = await paginateKeyset(items, {
        orderBy: { id: 'ASC' },
        limit: 500,
        maxLimit: 3,
      });
      expect(small.items.map((i) => i.id)).toEqual([1, 2, 3]);
      await expect(paginateKeyset(items, { orderBy: { createdAt: 'DESC' } })).rejects.toThrow(
        /does not identify a row/,
      );
      await expect(paginateKeyset(items, { orderBy: { id: 'ASC' }, limit: 0 })).rejects.toThrow(
        ToolkitOptionsError,
      );
      await expect(paginateKeyset(items, { orderBy: { notes: 'ASC' } as never })).rejects.toThrow(
        /no column property 'notes'/,
      );
    });
  });

  describe('paginate', () => {
    it('clamps the page size and counts the total', async () => {
      const page = await paginate(items, { pageSize: 500, order: { id: 'ASC' } });
      expect(page).toMatchObject({ page: 1, pageSize: 100, total: ITEMS, totalPages: 3 });
      expect(page.items).toHaveLength(100);
      const last = await paginate(items, { page: 3, pageSize: 500, order: { id: 'ASC' } });
      expect(last.items.map((i) => i.id)).toEqual(Array.from({ length: 100 }, (_, i) => 201 + i));
      const defaults = await paginate(
        items.createQueryBuilder('i').where('i.status = :s', { s: 'done' }),
      );
      expect(defaults).toMatchObject({ page: 1, pageSize: 20, total: ITEMS / 3, totalPages: 5 });
    });

    it.each([
      [{ page: 0 }, /page must be an integer >= 1 \(got 0\)/],
      [{ page: 1.5 }, /page must be an integer >= 1 \(got 1.5\)/],
      [{ pageSize: -1 }, /pageSize must be an integer/],
      [{ page: '2' }, /page must be an integer >= 1 \(got '2'\)/],
    ])('rejects %p', async (options, message) => {
      const attempt = paginate(items, options as never);
      await expect(attempt).rejects.toThrow(ToolkitOptionsError);
      await expect(paginate(items, options as never)).rejects.toThrow(message);
    });
  });

  describe('countRows', () => {
    it('counts exactly below the threshold', async () => {
      expect(await countRows(items)).toEqual({ count: ITEMS, exact: true });
      expect(await countRows(items, { where: { status: 'done' } })).toEqual({
        count: ITEMS / 3,
        exact: true,
      });
      const qb = items.createQueryBuilder('i').where('i.groupId < :g', { g: 3 });
      expect(await countRows(qb, { estimate: 'never', exactBelow: 0 })).toEqual({
        count: 90,
        exact: true,
      });
    });

    it('estimates on Postgres from pg_class and EXPLAIN, exact elsewhere', async () => {
      const big = dataSource.getRepository(Big);
      if (dialect !== 'postgres') {
        expect(await countRows(items, { exactBelow: 1 })).toEqual({ count: ITEMS, exact: true });
        return;
      }
      // Never analyzed (autovacuum off): reltuples is -1, so the estimate comes from EXPLAIN.
      await dataSource.query(`ALTER TABLE tk_big SET (autovacuum_enabled = false)`);
      await dataSource.query(`INSERT INTO tk_big (n) SELECT g FROM generate_series(1, 200000) g`);
      const [{ reltuples }] = await dataSource.query(
        `SELECT reltuples FROM pg_class WHERE relname = 'tk_big'`,
      );
      expect(Number(reltuples)).toBeLessThan(0);
      const unanalyzed = await log.during(() => countRows(big));
      expect(unanalyzed.result.exact).toBe(false);
      expect(unanalyzed.result.count).toBeGreaterThan(50_000);
      expect(unanalyzed.statements.some((s) => s.startsWith('EXPLAIN (FORMAT JSON)'))).toBe(true);
      expect(unanalyzed.statements.some((s) => /COUNT\(/i.test(s))).toBe(false);

      await dataSource.query('ANALYZE tk_big');
      const whole = await log.during(() => countRows(big));
      expect(whole.result.exact).toBe(false);
      expect(Math.abs(whole.result.count - 200_000)).toBeLessThan(10_000);
      expect(whole.statements).toHaveLength(1);
      expect(whole.statements[0]).toMatch(/pg_class/);

      const filtered = await log.during(() => countRows(big, { where: { n: LessThan(150_001) } }));
      expect(filtered.result.exact).toBe(false);
      expect(Math.abs(filtered.result.count - 150_000)).toBeLessThan(15_000);
      expect(filtered.statements).toHaveLength(1);

      const few = await log.during(() => countRows(big, { where: { n: LessThan(100) } }));
      expect(few.result).toEqual({ count: 99, exact: true });
      expect(few.statements).toHaveLength(2);

      expect(await countRows(big, { estimate: 'never' })).toEqual({ count: 200_000, exact: true });
      expect(await countRows(big, { exactBelow: 1_000_000 })).toEqual({
        count: 200_000,
        exact: true,
      });
      // A small analyzed table under a low threshold is estimated too.
      await dataSource.query('ANALYZE tk_items');
      expect(await countRows(items, { exactBelow: 10 })).toEqual({ count: ITEMS, exact: false });
    });

    it('rejects bad options', async () => {
      await expect(countRows(items, { estimate: 'always' as never })).rejects.toThrow(
        /estimate must be 'auto' or 'never'/,
      );
      await expect(countRows(items, { exactBelow: -1 })).rejects.toThrow(ToolkitOptionsError);
    });
  });

  describe('forEachChunk and chunks', () => {
    it('visits every row once while the work changes the filtered column', async () => {
      const open = await items.countBy({ status: 'open' });
      const seen: number[] = [];
      const sizes: number[] = [];
      const run = await forEachChunk(
        items,
        { where: { status: 'open' }, chunkSize: 17 },
        async (rows, index) => {
          expect(index).toBe(sizes.length);
          sizes.push(rows.length);
          seen.push(...rows.map((r) => r.id));
          // Updating the rows out of the filter would make OFFSET skip whole chunks.
          await items.update(
            rows.map((r) => r.id),
            { status: 'moved' },
          );
        },
      );
      expect(run).toEqual({ chunks: Math.ceil(open / 17), rows: open, complete: true });
      expect(seen).toHaveLength(open);
      expect(new Set(seen).size).toBe(open);
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
      expect(sizes.every((n) => n <= 17)).toBe(true);
      expect(await items.countBy({ status: 'open' })).toBe(0);
      await items.update({ status: 'moved' }, { status: 'open' });
    });

    it('never uses OFFSET and stops at maxRows', async () => {
      const { result, statements } = await log.during(() =>
        forEachChunk(items, { chunkSize: 50, maxRows: 120 }, () => undefined),
      );
      expect(result).toEqual({ chunks: 3, rows: 120, complete: false });
      expect(statements).toHaveLength(3);
      expect(statements.join('\n')).not.toMatch(/OFFSET/i);
      const all = await forEachChunk(items, { chunkSize: 100, maxRows: ITEMS }, () => undefined);
      expect(all).toEqual({ chunks: 3, rows: ITEMS, complete: true });
    });

    it('iterates a composite key with the async iterator', async () => {
      const seen: number[] = [];
      for await (const rows of chunks(items, { by: ['createdAt', 'id'], chunkSize: 23 })) {
        seen.push(...rows.map((r) => r.id));
      }
      const expected = await walkOffset(items, { createdAt: 'ASC', id: 'ASC' }, 100);
      expect(seen).toEqual(expected);
      let count = 0;
      for await (const rows of chunks(items, { chunkSize: 10 })) {
        count += rows.length;
        if (count >= 30) break;
      }
      expect(count).toBe(30);
      await expect(chunks(items, { by: 'status' }).next()).rejects.toThrow(/does not identify/);
    });
  });

  describe('defineBatchLoader', () => {
    const notesOf = () =>
      defineBatchLoader(notes, 'itemId', { many: true, order: { position: 'ASC' } });

    it('turns N loads in one tick into one In() query, mapped back by key', async () => {
      const loader = notesOf();
      const ids = [1, 2, 3, 4, 5, 6, 7, 8, 99];
      const { result, statements } = await log.during(() =>
        Promise.all(ids.map((id) => loader.load(id))),
      );
      expect(statements).toHaveLength(1);
      expect(statements[0]).toMatch(/IN \(/);
      for (const [i, id] of ids.entries()) {
        const expected = await notes.find({ where: { itemId: id }, order: { position: 'ASC' } });
        expect(result[i]).toEqual(expected);
      }
      expect(result[ids.length - 1]).toEqual([]);
    });

    it('loads single rows, undefined when missing', async () => {
      const byId = defineBatchLoader(() => items, 'id');
      const { result, statements } = await log.during(() => byId.loadMany([3, 1, 424242, 3]));
      expect(statements).toHaveLength(1);
      expect(result.map((r) => r?.id)).toEqual([3, 1, undefined, 3]);
    });

    it('caches for one request only; outside requests it batches but never caches', async () => {
      const loader = notesOf();
      const inRequest = () =>
        runWithRequestContext(createRequestContext('GET', '/items'), async () => {
          const first = await Promise.all([1, 2, 3].map((id) => loader.load(id)));
          const again = await loader.loadMany([3, 2, 1]);
          expect(again).toEqual([...first].reverse());
          return first;
        });
      const one = await log.during(inRequest);
      expect(one.statements).toHaveLength(1);
      const two = await log.during(inRequest);
      expect(two.statements).toHaveLength(1);

      const outside = await log.during(async () => {
        await loader.load(1);
        await loader.load(1);
      });
      expect(outside.statements).toHaveLength(2);
    });

    it('splits batches at maxBatchSize', async () => {
      const loader = defineBatchLoader(notes, 'itemId', { many: true, maxBatchSize: 3 });
      const { statements } = await log.during(() => loader.loadMany([1, 2, 3, 4, 5, 6, 7]));
      expect(statements).toHaveLength(3);
    });

    it('rejects a key that is no column', async () => {
      const loader = defineBatchLoader(notes, 'item' as 'itemId');
      await expect(loader.load(1)).rejects.toThrow(/no column property 'item'/);
      expect(() => defineBatchLoader(notes, 'itemId', { maxBatchSize: 0 })).toThrow(
        ToolkitOptionsError,
      );
    });
  });
});
