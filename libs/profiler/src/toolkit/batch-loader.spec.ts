import { Column, DataSource, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Logger } from 'typeorm';
import { createRequestContext, runWithRequestContext } from '@nest-perf/core';
import { defineBatchLoader } from './batch-loader';
import { ToolkitOptionsError } from './toolkit.errors';

@Entity('lines')
class Line {
  @PrimaryGeneratedColumn({ type: 'int' })
  id: number;

  @Column({ name: 'order_id', type: 'int' })
  orderId: number;

  @Column({ type: 'int' })
  position: number;
}

describe('defineBatchLoader', () => {
  let dataSource: DataSource;
  const statements: string[] = [];
  const logger: Logger = {
    logQuery: (query) => void statements.push(query),
    logQueryError: () => undefined,
    logQuerySlow: () => undefined,
    logSchemaBuild: () => undefined,
    logMigration: () => undefined,
    log: () => undefined,
  };
  const lines = () => dataSource.getRepository(Line);
  const counting = async <R>(fn: () => Promise<R>): Promise<[R, number]> => {
    statements.length = 0;
    const result = await fn();
    return [result, statements.filter((s) => s.startsWith('SELECT')).length];
  };

  beforeAll(async () => {
    dataSource = new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: [Line],
      synchronize: true,
      logger,
    });
    await dataSource.initialize();
    await lines().insert([
      { orderId: 1, position: 2 },
      { orderId: 1, position: 1 },
      { orderId: 2, position: 1 },
      { orderId: 3, position: 5 },
    ]);
  });

  afterAll(() => dataSource.destroy());

  it('validates its options at definition time', () => {
    expect(() => defineBatchLoader({} as never, 'orderId')).toThrow(
      /source must be a Repository or a function returning one \(got object\)/,
    );
    expect(() => defineBatchLoader(lines, '' as never, { maxBatchSize: 1.5 })).toThrow(
      ToolkitOptionsError,
    );
  });

  it('batches the loads of one tick into one query and orders many-rows', async () => {
    const byOrder = defineBatchLoader(lines, 'orderId', { many: true, order: { position: 'ASC' } });
    const [result, queries] = await counting(() => byOrder.loadMany([1, 2, 9]));
    expect(queries).toBe(1);
    expect(result.map((rows) => rows.map((r) => r.position))).toEqual([[1, 2], [1], []]);
  });

  it('keeps one loader per request in the request context', async () => {
    const byId = defineBatchLoader(lines, 'id');
    const request = createRequestContext('GET', '/lines/:id');
    const [first, q1] = await counting(() =>
      runWithRequestContext(request, () => Promise.all([byId.load(1), byId.load(4)])),
    );
    expect(first.map((l) => l?.orderId)).toEqual([1, 3]);
    expect(q1).toBe(1);
    expect(request.slots.size).toBe(1);
    const [, q2] = await counting(() => runWithRequestContext(request, () => byId.load(4)));
    expect(q2).toBe(0);
    runWithRequestContext(request, () => byId.clear(4));
    const [, q3] = await counting(() => runWithRequestContext(request, () => byId.load(4)));
    expect(q3).toBe(1);
    // Another request starts empty.
    const [, q4] = await counting(() =>
      runWithRequestContext(createRequestContext('GET', '/x'), () => byId.load(4)),
    );
    expect(q4).toBe(1);
  });

  it('matches keys by value across JS types and resolves missing ones to undefined', async () => {
    const byId = defineBatchLoader(lines, 'id');
    const [result] = await counting(() => Promise.all([byId.load('2' as never), byId.load(77)]));
    expect(result[0]?.id).toBe(2);
    expect(result[1]).toBeUndefined();
  });

  it('passes the failure of the query to every load of the batch', async () => {
    const broken = defineBatchLoader(() => undefined as never, 'id');
    await expect(broken.load(1)).rejects.toThrow(/not a Repository/);
  });
});
