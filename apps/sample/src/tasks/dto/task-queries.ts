import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Min } from 'class-validator';
import { PageQuery } from '../../common/pagination';
import { TASK_PRIORITIES, TASK_STATUSES } from '../../entities';
import type { TaskPriority, TaskStatus } from '../../entities';

/** `GET /users/:userId/tasks?status=&priority=&page=&pageSize=` */
export class ListTasksQuery extends PageQuery {
  @IsOptional()
  @IsIn(TASK_STATUSES)
  status?: TaskStatus;

  @IsOptional()
  @IsIn(TASK_PRIORITIES)
  priority?: TaskPriority;
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
