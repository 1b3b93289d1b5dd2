import {
  BadRequestException,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseIntPipe,
  Post,
  Query,
} from '@nestjs/common';
import { InvalidCursorError } from '@nest-perf/profiler';
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

  /**
   * The user's tasks, newest first, filtered by status and/or priority. Two modes:
   * - offset pages (default): `?page=&pageSize=` →
   *   `{ items, page, pageSize, total, totalPages }`;
   * - keyset pages, when `?cursor=` (or its alias `?after=`) is present: empty for the first
   *   page, then the previous page's `nextCursor`; `?pageSize=` is the page size →
   *   `{ items, nextCursor: string | null, hasMore }`. Every page costs the same however deep,
   *   and no total is counted. `page` cannot be combined with a cursor; a cursor that was
   *   garbled, edited or made for another list is a 400.
   * Page sizes above 100 are clamped to 100.
   */
  @Get('tasks')
  async tasksOf(@Param('userId', ParseIntPipe) userId: number, @Query() query: ListTasksQuery) {
    const { cursor, after } = query;
    if (cursor !== undefined && after !== undefined && cursor !== after) {
      throw new BadRequestException('cursor and after are the same parameter; send one of them');
    }
    if ((cursor ?? after) !== undefined && query.page !== undefined) {
      throw new BadRequestException(
        'page cannot be combined with cursor/after: keyset pages are reached through nextCursor',
      );
    }
    try {
      return await this.tasks.listForUser(userId, query);
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new BadRequestException(error.message);
      throw error;
    }
  }

  /** How many tasks the user has in each status. */
  @Get('tasks/stats')
  taskStats(@Param('userId', ParseIntPipe) userId: number) {
    return this.tasks.statusCounts(userId);
  }

  /**
   * The user's dashboard: the user, task counts per status, the five newest tasks, and how many
   * conversations and generated resources they have. Not cached, and exactly 5 SQL statements
   * of 5 different shapes: the profiler benchmark's "endpoint that runs 5 queries".
   */
  @Get('summary')
  summary(@Param('userId', ParseIntPipe) userId: number) {
    return this.users.summary(userId);
  }

  /** The user's conversations, most recently active first. */
  @Get('conversations')
  conversationsOf(
    @Param('userId', ParseIntPipe) userId: number,
    @Query() query: ConversationsQuery,
  ) {
    return this.users.conversationsOf(userId, query);
  }

  /**
   * Archives the user's closed conversations, at most 1 000 per call (chunks of 250):
   * `{ archived, complete }`; call again while `complete` is false.
   */
  @Post('conversations/archive')
  @HttpCode(200)
  archiveConversations(@Param('userId', ParseIntPipe) userId: number) {
    return this.users.archiveClosedConversations(userId);
  }
}
