import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, MaxLength, Min } from 'class-validator';
import { PageQuery } from '../../common/pagination';
import { TASK_PRIORITIES, TASK_STATUSES } from '../../entities';
import type { TaskPriority, TaskStatus } from '../../entities';

/**
 * `GET /users/:userId/tasks?status=&priority=&page=&pageSize=` (offset pages), or
 * `...&cursor=` / `...&after=` (keyset pages; empty for the first one).
 */
export class ListTasksQuery extends PageQuery {
  @IsOptional()
  @IsIn(TASK_STATUSES)
  status?: TaskStatus;

  @IsOptional()
  @IsIn(TASK_PRIORITIES)
  priority?: TaskPriority;

  /** Keyset mode: the previous page's `nextCursor`, or empty for the first page. */
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  cursor?: string;

  /** The same as `cursor`. */
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  after?: string;
}

/** `GET /tasks/search?q=&userId=&page=&pageSize=` */
export class SearchTasksQuery extends PageQuery {
  @IsString()
  @Length(2, 100)
  q: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  userId?: number;
}

/** `GET /tasks/count?status=&priority=&userId=` */
export class CountTasksQuery {
  @IsOptional()
  @IsIn(TASK_STATUSES)
  status?: TaskStatus;

  @IsOptional()
  @IsIn(TASK_PRIORITIES)
  priority?: TaskPriority;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  userId?: number;
}
