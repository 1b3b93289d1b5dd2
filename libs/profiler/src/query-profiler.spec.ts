import { createRequestContext, runWithRequestContext } from '@nest-perf/core';
import {
  Column,
  DataSource,
  Entity,
  JoinColumn,
  ManyToOne,
  OneToMany,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { NPlusOneQueryError } from './profiler.errors';
import { QueryProfiler } from './query-profiler';

@Entity('albums')
class Album {
  @PrimaryGeneratedColumn() id: number;
  @Column() title: string;
  @OneToMany(() => Photo, (photo) => photo.album) photos: Photo[];
}

@Entity('photos')
class Photo {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'album_id' }) albumId: number;
  @ManyToOne(() => Album, (album) => album.photos)
  @JoinColumn({ name: 'album_id' })
  album: Album;
}

describe('QueryProfiler (SQLite in memory)', () => {
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = await new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: [Album, Photo],
      synchronize: true,
    }).initialize();
    for (let a = 1; a <= 6; a++) {
      const album = await dataSource.getRepository(Album).save({ title: `album ${a}` });
      await dataSource.getRepository(Photo).save([{ albumId: album.id }, { albumId: album.id }]);
    }
  });

  afterAll(() => dataSource.destroy());

  /** Runs `fn` as one request of `route` and closes the record the way the middleware does. */
  async function inRequest<T>(profiler: QueryProfiler, route: string, fn: () => Promise<T>) {
    const context = createRequestContext('GET', route);
    const record = profiler.openRequest(context, undefined);
    try {
      return await runWithRequestContext(context, fn);
    } finally {
      profiler.closeRequest(record);
    }
  }

  const photosPerAlbum = async () => {
    const albums = await dataSource.getRepository(Album).find();
    for (const album of albums) {
      await dataSource.getRepository(Photo).findBy({ albumId: album.id });
    }
  };

  it('times statements outside requests as background, and stops at detach', async () => {
    const profiler = new QueryProfiler();
    profiler.attach(dataSource);
    await dataSource.query('SELECT COUNT(*) AS n FROM albums WHERE id > ?', [0]);
    const [row] = profiler.stats();
    expect(row).toMatchObject({ count: 1, errors: 0, routes: ['background'] });
    expect(row.sql).toBe('SELECT COUNT(*) AS n FROM albums WHERE id > ?');
    profiler.detach(dataSource);
    await dataSource.query('SELECT COUNT(*) AS n FROM albums WHERE id > ?', [0]);
    expect(profiler.stats()[0].count).toBe(1);
  });

  it('subscribes once, even across attach/detach cycles, and leaves nothing behind', async () => {
    const before = dataSource.subscribers.length;
    const profiler = new QueryProfiler();
    for (let i = 0; i < 3; i++) {
      profiler.attach(dataSource);
      profiler.attach(dataSource);
      expect(dataSource.subscribers.length).toBe(before + 1);
      profiler.detach(dataSource);
    }
    expect(dataSource.subscribers.length).toBe(before);
    profiler.attach(dataSource);
    await dataSource.query('SELECT 1 AS x');
    await dataSource.query('SELECT 1 AS x');
    expect(profiler.summary().statements).toBe(2);
    profiler.close();
    expect(dataSource.subscribers.length).toBe(before);
  });

  it('attaches to a DataSource before it is initialized, and stays through a re-initialize', async () => {
    const early = new DataSource({ type: 'better-sqlite3', database: ':memory:' });
    const profiler = new QueryProfiler();
    profiler.attach(early);
    await early.initialize();
    try {
      await early.query('SELECT 3 AS three');
      expect(profiler.summary().statements).toBe(1);
      // destroy() + initialize() rebuilds TypeORM's subscriber list: the profiler stays on.
      await early.destroy();
      await early.initialize();
      await early.query('SELECT 3 AS three');
      expect(profiler.summary().statements).toBe(2);
      profiler.detach(early);
      await early.query('SELECT 3 AS three');
      expect(profiler.summary().statements).toBe(2);
      expect(early.subscribers).toEqual([]);
      expect(Object.prototype.hasOwnProperty.call(early, 'initialize')).toBe(false);
    } finally {
      await early.destroy();
    }
  });

  it('pairs statements sent together on the shared runner', async () => {
    const profiler = new QueryProfiler();
    profiler.attach(dataSource);
    const context = createRequestContext('GET', '/together');
    const record = profiler.openRequest(context, undefined);
    const sql = 'SELECT COUNT(*) AS n FROM photos WHERE album_id = ?';
    await runWithRequestContext(context, () =>
      Promise.all([1, 2, 3, 4].map((id) => dataSource.query(sql, [id]))),
    );
    profiler.closeRequest(record);
    profiler.close();
    expect(record.pending).toEqual([]);
    expect(record.queries).toBe(4);
    expect(profiler.stats()[0]).toMatchObject({ count: 4, routes: ['GET /together'] });
  });

  it('reports an N+1 with a hint naming the relation', async () => {
    const profiler = new QueryProfiler();
    profiler.attach(dataSource);
    await inRequest(profiler, '/albums', photosPerAlbum);
    profiler.close();
    const [report] = profiler.nPlusOne();
    expect(report).toMatchObject({ route: 'GET /albums', count: 6, requests: 1 });
    // Frames inside this package are never the call site, and this spec lives in the package.
    expect(report.callSite).toBeUndefined();
    expect(report.hint).toMatch(/Photo rows are loaded one albumId at a time/);
    expect(report.hint).toMatch(/find\(\{ relations: \{ photos: true \} \}\)/);
    expect(report.hint).toMatch(/findBy\(\{ albumId: In\(ids\) \}\)/);
  });

  it('does not count runs below the threshold or outside requests', async () => {
    const profiler = new QueryProfiler({ nPlusOne: { threshold: 7 } });
    profiler.attach(dataSource);
    await inRequest(profiler, '/albums', photosPerAlbum);
    await photosPerAlbum();
    profiler.close();
    expect(profiler.nPlusOne()).toEqual([]);
  });

  it("mode 'throw' rejects the statement that crosses the threshold", async () => {
    const profiler = new QueryProfiler({ nPlusOne: { mode: 'throw' } });
    profiler.attach(dataSource);
    const error = await inRequest(profiler, '/albums', photosPerAlbum).catch((e: unknown) => e);
    profiler.close();
    expect(error).toBeInstanceOf(NPlusOneQueryError);
    expect((error as NPlusOneQueryError).count).toBe(5);
    expect((error as Error).message).toMatch(
      /^N\+1 query in GET \/albums: the same SELECT ran 5 times/,
    );
    // The rejected statement did not run: 1 album list + 4 photo lookups.
    expect(profiler.summary().statements).toBe(5);
  });

  it('counts failed statements as errors and rethrows them unchanged', async () => {
    const profiler = new QueryProfiler();
    profiler.attach(dataSource);
    await expect(dataSource.query('SELECT * FROM nowhere')).rejects.toThrow(/no such table/);
    profiler.close();
    expect(profiler.stats()[0]).toMatchObject({ count: 1, errors: 1 });
    expect(profiler.summary().errors).toBe(1);
  });

  it('never fails a statement because of its own fault', async () => {
    const profiler = new QueryProfiler();
    profiler.attach(dataSource);
    // A fault no real input produces: the fingerprint cache throws.
    const source = (
      profiler as unknown as {
        attached: Map<DataSource, { source: { fingerprints: { get: () => never } } }>;
      }
    ).attached.get(dataSource)!.source;
    const get = jest.spyOn(source.fingerprints, 'get').mockImplementation(() => {
      throw new Error('boom');
    });
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    await expect(dataSource.query('SELECT 2 AS two')).resolves.toEqual([{ two: 2 }]);
    get.mockRestore();
    logged.mockRestore();
    profiler.close();
    expect(profiler.summary().statements).toBe(0);
  });

  it('refuses DataSource types it cannot fingerprint', () => {
    const profiler = new QueryProfiler();
    expect(() =>
      profiler.attach({ options: { type: 'mongodb' } } as unknown as DataSource),
    ).toThrow(/type 'mongodb' is not supported/);
  });
});
