import { IsIn, IsInt, IsOptional, IsString, Length, Min } from 'class-validator';
import { TASK_PRIORITIES, TASK_STATUSES } from '../../entities';
import type { TaskPriority, TaskStatus } from '../../entities';

/** `POST /tasks` */
export class CreateTaskDto {
  @IsInt()
  @Min(1)
  userId: number;

  @IsString()
  @Length(1, 2000)
  topic: string;

  @IsOptional()
  @IsIn(TASK_PRIORITIES)
  priority?: TaskPriority;

  @IsOptional()
  @IsIn(TASK_STATUSES)
  status?: TaskStatus;
}

/** `PATCH /tasks/:id`: any subset of the fields, at least one. */
export class UpdateTaskDto {
  @IsOptional()
  @IsString()
  @Length(1, 2000)
  topic?: string;

  @IsOptional()
  @IsIn(TASK_PRIORITIES)
  priority?: TaskPriority;

  @IsOptional()
  @IsIn(TASK_STATUSES)
  status?: TaskStatus;
}
