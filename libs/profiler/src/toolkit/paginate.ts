import type { FindOptionsOrder, ObjectLiteral } from 'typeorm';
import { checkInteger, queryOf } from './source';
import type { QuerySource, WhereOption } from './source';
import { ToolkitOptionsError } from './toolkit.errors';

/**
 * Which page to read, as a client asks for it. Defaults: page 1, pageSize 20, maxPageSize 100.
 *
 * @example const request: PageRequest = { page: 2, pageSize: 50 };
 */
export interface PageRequest {
  /** 1-based page number. Default 1. */
  page?: number;
  /** Rows per page; clamped to `maxPageSize`. Default `defaultPageSize`. */
  pageSize?: number;
  /** The largest page a client may ask for. Default 100. */
  maxPageSize?: number;
  /** The page size when the client gives none. Default 20 (clamped to `maxPageSize`). */
  defaultPageSize?: number;
}

/**
 * Options of {@link paginate}: a {@link PageRequest} plus `where` and `order` (default none).
 *
 * @example { where: { userId: 1 }, order: { createdAt: 'DESC', id: 'DESC' }, page: 2 }
 */
export interface PaginateOptions<T extends ObjectLiteral> extends PageRequest {
  /** Filter, as `find({ where })` takes it; ANDed with a builder's own conditions. */
  where?: WhereOption<T>;
  /**
   * Sort order, as `find({ order })` takes it; added after a builder's own ORDER BY. End it with
   * a unique column (`id`) or rows with equal values may repeat or vanish between pages.
   */
  order?: FindOptionsOrder<T>;
}

/**
 * One offset page. `totalPages` is 0 when nothing matched.
 *
 * @example { items: [...20], page: 1, pageSize: 20, total: 57, totalPages: 3 }
 */
export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
  totalPages: number;
}

/**
 * A validated page request: the page, its clamped size, and the rows to skip.
 *
 * @example { page: 3, pageSize: 20, skip: 40 }
 */
export interface PageWindow {
  page: number;
  pageSize: number;
  skip: number;
}

/**
 * Validates a page request, applies the defaults and clamps the size; for query builders that
 * {@link paginate} does not fit (e.g. a "has more" page without a total).
 *
 * @throws ToolkitOptionsError when page, pageSize, maxPageSize or defaultPageSize is not a
 *   positive integer (all problems in one error)
 * @example resolvePage({ page: 3, pageSize: 500 }) // { page: 3, pageSize: 100, skip: 200 }
 */
export function resolvePage(request: PageRequest, fn = 'resolvePage'): PageWindow {
  const problems: string[] = [];
  checkInteger(problems, 'page', request.page, 1);
  checkInteger(problems, 'pageSize', request.pageSize, 1);
  checkInteger(problems, 'maxPageSize', request.maxPageSize, 1);
  checkInteger(problems, 'defaultPageSize', request.defaultPageSize, 1);
  if (problems.length > 0) throw new ToolkitOptionsError(fn, problems);
  const page = request.page ?? 1;
  const maxPageSize = request.maxPageSize ?? 100;
  const pageSize = Math.min(request.pageSize ?? request.defaultPageSize ?? 20, maxPageSize);
  const skip = (page - 1) * pageSize;
  if (!Number.isSafeInteger(skip)) {
    throw new ToolkitOptionsError(fn, [`page ${page} is too far: it would skip ${skip} rows`]);
  }
  return { page, pageSize, skip };
}

/**
 * Reads one offset page and the total count (two statements: the rows and a COUNT). Works on a
 * repository (`where`/`order` as for `find()`) or a select query builder (cloned; joins kept).
 * Offsets get slower the deeper the page; for deep or endless lists use {@link paginateKeyset}.
 *
 * Defaults: page 1, pageSize = defaultPageSize 20, maxPageSize 100 (larger sizes are clamped).
 *
 * @throws ToolkitOptionsError when page or a size is not a positive integer
 * @example
 * const page = await paginate(tasksRepo, {
 *   where: { userId: 1 }, order: { createdAt: 'DESC', id: 'DESC' }, page: 2, pageSize: 50,
 * }); // { items: [...50], page: 2, pageSize: 50, total: 1234, totalPages: 25 }
 */
export async function paginate<T extends ObjectLiteral>(
  source: QuerySource<T>,
  options: PaginateOptions<T> = {},
): Promise<Page<T>> {
  const window = resolvePage(options, 'paginate');
  const qb = queryOf('paginate', source, options.where, options.order);
  const [items, total] = await qb
    .limit(undefined)
    .offset(undefined)
    .skip(window.skip)
    .take(window.pageSize)
    .getManyAndCount();
  return {
    items,
    page: window.page,
    pageSize: window.pageSize,
    total,
    totalPages: Math.ceil(total / window.pageSize),
  };
}
