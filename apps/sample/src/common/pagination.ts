import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { resolvePage } from '@nest-perf/profiler';
import type { Page, PageWindow } from '@nest-perf/profiler';

export type { Page };

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** The sample's page-size policy, in the form `paginate()` takes it. */
export const PAGE_LIMITS = { defaultPageSize: DEFAULT_PAGE_SIZE, maxPageSize: MAX_PAGE_SIZE };

/** `?page=&pageSize=`: 1-based pages; sizes above {@link MAX_PAGE_SIZE} are clamped to it. */
export class PageQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  // Offsets beyond this are a scan of a million rows to show twenty; use narrower filters.
  @Max(100_000)
  page?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  pageSize?: number;
}

/** The page to read, with defaults applied and the size clamped. */
export function pageOf(query: PageQuery): PageWindow {
  return resolvePage({ page: query.page, pageSize: query.pageSize, ...PAGE_LIMITS });
}

/**
 * Drops undefined properties, for TypeORM `where` objects built from optional filters
 * (TypeORM 1.x rejects undefined values in a where condition rather than ignoring them).
 */
export function definedOnly<T extends object>(
  filters: T,
): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined)) as never;
}
