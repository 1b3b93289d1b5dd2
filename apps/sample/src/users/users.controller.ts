import { Controller, Get, Param, ParseIntPipe, Query } from '@nestjs/common';
import { IsIn, IsOptional } from 'class-validator';
import { PageQuery } from '../common/pagination';
import { CONVERSATION_STATUSES } from '../entities';
import type { ConversationStatus } from '../entities';
import { ListTasksQuery } from '../tasks/dto/task-queries';
import { TasksService } from '../tasks/tasks.service';
import { UsersService } from './users.service';

/** `GET /users/:userId/conversations?status=&page=&pageSize=` */
export class ConversationsQuery extends PageQuery {
  @IsOptional()
  @IsIn(CONVERSATION_STATUSES)
  status?: ConversationStatus;
}

@Controller('users/:userId')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly tasks: TasksService,
  ) {}

  @Get()
  get(@Param('userId', ParseIntPipe) userId: number) {
    return this.users.get(userId);
  }

  /** The user's tasks, newest first, filtered by status and/or priority, in offset pages. */
  @Get('tasks')
  tasksOf(@Param('userId', ParseIntPipe) userId: number, @Query() query: ListTasksQuery) {
    return this.tasks.listForUser(userId, query);
  }

  /** How many tasks the user has in each status. */
  @Get('tasks/stats')
  taskStats(@Param('userId', ParseIntPipe) userId: number) {
    return this.tasks.statusCounts(userId);
  }

  /** The user's conversations, most recently active first. */
  @Get('conversations')
  conversationsOf(
    @Param('userId', ParseIntPipe) userId: number,
    @Query() query: ConversationsQuery,
  ) {
    return this.users.conversationsOf(userId, query);
  }
}
