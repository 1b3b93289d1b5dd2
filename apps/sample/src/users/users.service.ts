import { Injectable, NotFoundException } from '@nestjs/common';
import { forEachChunk, paginate } from '@nest-perf/profiler';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { definedOnly, Page, PAGE_LIMITS } from '../common/pagination';
import { Conversation, Resource, Task, User } from '../entities';
import type { TaskStatusCounts } from '../tasks/tasks.service';
import { TasksService } from '../tasks/tasks.service';
import type { ConversationsQuery } from './users.controller';

/** `GET /users/:userId/summary`: a user's dashboard. */
export interface UserSummary {
  user: User;
  tasks: Omit<TaskStatusCounts, 'userId'>;
  /** The five newest tasks. */
  recentTasks: Task[];
  conversations: number;
  /** Resources generated for the user's tasks. */
  resources: number;
}

/** What one `POST /users/:userId/conversations/archive` did. */
export interface ArchiveResult {
  archived: number;
  /** False when more closed conversations remain: call again. */
  complete: boolean;
}

/** Most conversations one archive request moves (4 chunks), so a request stays short. */
export const ARCHIVE_BATCH = { chunkSize: 250, maxRows: 1_000 } as const;

@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectRepository(Conversation) private readonly conversations: Repository<Conversation>,
    @InjectRepository(Task) private readonly tasks: Repository<Task>,
    @InjectRepository(Resource) private readonly resources: Repository<Resource>,
    private readonly taskService: TasksService,
  ) {}

  async get(id: number): Promise<User> {
    const user = await this.users.findOneBy({ id });
    if (!user) throw new NotFoundException(`user ${id} not found`);
    return user;
  }

  conversationsOf(userId: number, query: ConversationsQuery): Promise<Page<Conversation>> {
    return paginate(this.conversations, {
      where: definedOnly({ userId, status: query.status }),
      order: { updatedAt: 'DESC', id: 'DESC' },
      page: query.page,
      pageSize: query.pageSize,
      ...PAGE_LIMITS,
    });
  }

  /**
   * Exactly five statements, each of a different shape and none cached: the user, task counts
   * per status, the five newest tasks, the conversation count, and the count of resources of the
   * user's tasks (a join). The last four run concurrently once the user is known to exist.
   */
  async summary(userId: number): Promise<UserSummary> {
    const user = await this.get(userId);
    const [counts, recentTasks, conversations, resources] = await Promise.all([
      this.taskService.countByStatus(userId),
      this.tasks.find({ where: { userId }, order: { createdAt: 'DESC', id: 'DESC' }, take: 5 }),
      this.conversations.countBy({ userId }),
      this.resources
        .createQueryBuilder('resource')
        .innerJoin('resource.task', 'task')
        .where('task.userId = :userId', { userId })
        .getCount(),
    ]);
    return {
      user,
      tasks: { total: counts.total, byStatus: counts.byStatus },
      recentTasks,
      conversations,
      resources,
    };
  }

  /**
   * Moves the user's closed conversations to `archived`, in keyset chunks of 250 (a chunk is
   * read, then updated with one `UPDATE ... WHERE id IN (...)`), at most 1 000 per call so that a
   * request never repeats a statement five times. Updating the filtered column is safe: chunks
   * follow the primary key, not an offset.
   */
  async archiveClosedConversations(userId: number): Promise<ArchiveResult> {
    const run = await forEachChunk(
      this.conversations,
      { where: { userId, status: 'closed' }, ...ARCHIVE_BATCH },
      async (rows) => {
        await this.conversations.update({ id: In(rows.map((c) => c.id)) }, { status: 'archived' });
      },
    );
    return { archived: run.rows, complete: run.complete };
  }
}
