import { Column, DataSource, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { resolveKeys, scopeOf, seekCondition } from './keyset';
import { ToolkitOptionsError } from './toolkit.errors';

@Entity('events')
@Unique(['source', 'sequence'])
class Event {
  @PrimaryGeneratedColumn({ type: 'int' })
  id: number;

  @Column({ type: 'varchar', length: 20 })
  source: string;

  @Column({ type: 'int' })
  sequence: number;

  @Index({ unique: true })
  @Column({ type: 'varchar', length: 40 })
  slug: string;

  @Column({ type: 'datetime' })
  at: Date;
}

describe('keyset internals', () => {
  let dataSource: DataSource;
  const metadata = () => dataSource.getMetadata(Event);
  const qb = () => dataSource.getRepository(Event).createQueryBuilder('e');

  beforeAll(async () => {
    dataSource = new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: [Event],
    });
    await dataSource.initialize();
  });

  afterAll(() => dataSource.destroy());

  describe('resolveKeys', () => {
    it('accepts keys that end in the primary key or cover a unique constraint or index', () => {
      const keys = resolveKeys('f', metadata(), { at: 'desc', id: 'DESC' });
      expect(keys.map((k) => [k.property, k.direction, k.column.databaseName])).toEqual([
        ['at', 'DESC', 'at'],
        ['id', 'DESC', 'id'],
      ]);
      expect(resolveKeys('f', metadata(), { source: 'ASC', sequence: 'ASC' })).toHaveLength(2);
      expect(resolveKeys('f', metadata(), { slug: 'ASC' })).toHaveLength(1);
    });

    it('refuses an order that does not identify a row, suggesting the primary key', () => {
      expect(() => resolveKeys('paginateKeyset', metadata(), { at: 'DESC' })).toThrow(
        /paginateKeyset: orderBy \(at\) does not identify a row; end it with the primary key .*id: 'DESC'/,
      );
      expect(() => resolveKeys('f', metadata(), { source: 'ASC', at: 'ASC' })).toThrow(
        /does not identify a row/,
      );
    });

    it('lists unknown columns and bad directions together', () => {
      try {
        resolveKeys('f', metadata(), { nope: 'ASC', at: 'sideways', id: 'ASC' });
        throw new Error('expected a throw');
      } catch (error) {
        expect(error).toBeInstanceOf(ToolkitOptionsError);
        expect((error as ToolkitOptionsError).problems).toEqual([
          expect.stringContaining("Event has no column property 'nope'"),
          "orderBy.at must be 'ASC' or 'DESC' (got 'sideways')",
        ]);
      }
    });

    it.each([undefined, {}, [], 'id'])('refuses an empty or malformed order %p', (orderBy) => {
      expect(() => resolveKeys('f', metadata(), orderBy as never)).toThrow(
        /orderBy must name at least one column/,
      );
    });
  });

  it('scopes cursors to the entity and the exact order', () => {
    const keys = resolveKeys('f', metadata(), { at: 'DESC', id: 'ASC' });
    expect(scopeOf(metadata(), keys)).toBe('Event:at:DESC,id:ASC');
  });

  describe('seekCondition', () => {
    it('uses one comparison for one key', () => {
      const keys = resolveKeys('f', metadata(), { id: 'ASC' });
      expect(seekCondition(qb(), 'postgres', keys, [5])).toEqual({
        sql: '"e"."id" > :np_after_0',
        parameters: { np_after_0: 5 },
      });
    });

    it('uses a row value on postgres and sqlite when the directions agree', () => {
      const keys = resolveKeys('f', metadata(), { at: 'DESC', id: 'DESC' });
      for (const dialect of ['postgres', 'sqlite'] as const) {
        expect(seekCondition(qb(), dialect, keys, ['t', 9]).sql).toBe(
          '("e"."at", "e"."id") < (:np_after_0, :np_after_1)',
        );
      }
    });

    it('expands with a leading bound for mixed directions and on mysql', () => {
      const mixed = resolveKeys('f', metadata(), { at: 'DESC', source: 'ASC', id: 'ASC' });
      expect(seekCondition(qb(), 'postgres', mixed, ['t', 's', 1]).sql).toBe(
        '"e"."at" <= :np_after_0 AND ("e"."at" < :np_after_0 OR ("e"."at" = :np_after_0 AND ' +
          '("e"."source" > :np_after_1 OR ("e"."source" = :np_after_1 AND ("e"."id" > :np_after_2)))))',
      );
      const same = resolveKeys('f', metadata(), { at: 'ASC', id: 'ASC' });
      expect(seekCondition(qb(), 'mysql', same, ['t', 1]).sql).toBe(
        '"e"."at" >= :np_after_0 AND ("e"."at" > :np_after_0 OR ("e"."at" = :np_after_0 AND ("e"."id" > :np_after_1)))',
      );
    });
  });
});
