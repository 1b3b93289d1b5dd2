import type { ObjectLiteral } from 'typeorm';
import { describeValue } from '@nest-perf/core';
import { fetchKeysetPage, resolveKeys } from './keyset';
import type { KeyColumn } from './keyset';
import { checkInteger, metadataOf, queryOf } from './source';
import type { QuerySource, WhereOption } from './source';
import { ToolkitOptionsError } from './toolkit.errors';

/**
 * Options of {@link chunks} and {@link forEachChunk}. Defaults: chunkSize 1000, by = the primary
 * key, no where, no maxRows.
 *
 * @example { where: { status: 'closed' }, chunkSize: 250, maxRows: 1_000 }
 */
export interface ChunkOptions<T extends ObjectLiteral> {
  /** Rows per chunk. Default 1000. */
  chunkSize?: number;
  /**
   * The key to walk in ascending order: one column property or several that together are
   * unique, and that the work does not change. Default: the primary key.
   */
  by?: (keyof T & string) | (keyof T & string)[];
  /** Filter, as `find({ where })` takes it; ANDed with a builder's own conditions. */
  where?: WhereOption<T>;
  /** Stop after this many rows (a bounded batch per call). Default: no limit. */
  maxRows?: number;
}

/**
 * What {@link forEachChunk} did. `complete` is false when `maxRows` stopped it before the end.
 *
 * @example { chunks: 4, rows: 1000, complete: false }
 */
export interface ChunkRun {
  chunks: number;
  rows: number;
  complete: boolean;
}

/**
 * Reads matching rows in chunks, as an async iterator. Each chunk is one keyset query
 * (`WHERE key > :last ORDER BY key LIMIT n`, never OFFSET), issued only when the previous chunk
 * has been handled, so work that updates or deletes the rows it was given (even the columns of
 * `where`) neither skips nor repeats rows. Rows inserted ahead of the cursor are visited.
 *
 * Defaults: chunkSize 1000, by = primary key, no maxRows.
 *
 * @throws ToolkitOptionsError for a bad chunkSize/maxRows or a `by` that is not a unique key
 * @example
 * for await (const rows of chunks(tasksRepo, { where: { status: 'pending' }, chunkSize: 500 })) {
 *   await tasksRepo.update({ id: In(rows.map((t) => t.id)) }, { status: 'cancelled' });
 * }
 */
export async function* chunks<T extends ObjectLiteral>(
  source: QuerySource<T>,
  options: ChunkOptions<T> = {},
): AsyncGenerator<T[], void, undefined> {
  for await (const chunk of walk('chunks', source, options)) yield chunk.rows;
}

/**
 * Runs `work` on every matching row, one chunk at a time (see {@link chunks}); resolves with how
 * many chunks and rows it handled. A rejection from `work` stops the walk and rejects.
 *
 * Defaults: chunkSize 1000, by = primary key, no maxRows.
 *
 * @param work called with each chunk and its 0-based index; awaited before the next query
 * @example
 * const run = await forEachChunk(conversationsRepo, { where: { status: 'closed' }, chunkSize: 250 },
 *   async (rows) => conversationsRepo.update({ id: In(rows.map((c) => c.id)) }, { status: 'archived' }),
 * ); // { chunks: 3, rows: 612, complete: true }
 */
export async function forEachChunk<T extends ObjectLiteral>(
  source: QuerySource<T>,
  options: ChunkOptions<T>,
  work: (rows: T[], index: number) => unknown,
): Promise<ChunkRun> {
  if (typeof work !== 'function') {
    throw new ToolkitOptionsError('forEachChunk', [
      `the third argument must be a function (got ${describeValue(work)})`,
    ]);
  }
  const run: ChunkRun = { chunks: 0, rows: 0, complete: true };
  for await (const chunk of walk('forEachChunk', source, options ?? {})) {
    await work(chunk.rows, run.chunks);
    run.chunks++;
    run.rows += chunk.rows.length;
    run.complete = chunk.complete;
  }
  return run;
}

async function* walk<T extends ObjectLiteral>(
  fn: string,
  source: QuerySource<T>,
  options: ChunkOptions<T>,
): AsyncGenerator<{ rows: T[]; complete: boolean }, void, undefined> {
  const problems: string[] = [];
  checkInteger(problems, 'chunkSize', options.chunkSize, 1);
  if (options.maxRows !== Infinity) checkInteger(problems, 'maxRows', options.maxRows, 1);
  if (problems.length > 0) throw new ToolkitOptionsError(fn, problems);
  const chunkSize = options.chunkSize ?? 1000;
  const maxRows = options.maxRows ?? Infinity;

  const base = queryOf(fn, source, options.where);
  const metadata = metadataOf(base);
  const by =
    options.by === undefined
      ? metadata.primaryColumns.map((c) => c.propertyPath)
      : ([] as string[]).concat(options.by);
  const keys: KeyColumn[] = resolveKeys(
    fn,
    metadata,
    Object.fromEntries(by.map((p) => [p, 'ASC'])),
    'by',
  );

  let after: unknown[] | undefined;
  let seen = 0;
  while (seen < maxRows) {
    const limit = Math.min(chunkSize, maxRows - seen);
    const page = await fetchKeysetPage(fn, base, keys, after, limit);
    if (page.items.length === 0) return;
    seen += page.items.length;
    after = page.lastKey;
    if (after!.some((v) => v === null || v === undefined)) {
      throw new ToolkitOptionsError(fn, ['a key column is NULL in a row; `by` must be NOT NULL']);
    }
    yield { rows: page.items, complete: !page.hasMore };
    if (!page.hasMore) return;
  }
}
