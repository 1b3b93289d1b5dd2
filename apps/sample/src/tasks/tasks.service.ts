import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { Cached, InvalidateCache, PerfCacheService, TTL } from '@nest-perf/cache';
import { countRows, defineBatchLoader, paginate, paginateKeyset } from '@nest-perf/profiler';
import type { KeysetPage, RowCount } from '@nest-perf/profiler';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { definedOnly, MAX_PAGE_SIZE, Page, PAGE_LIMITS, pageOf } from '../common/pagination';
import { Resource, Script, Storyboard, Task, TASK_STATUSES, User } from '../entities';
import type { TaskStatus } from '../entities';
import type { CreateTaskDto, UpdateTaskDto } from './dto/task-bodies';
import type { CountTasksQuery, ListTasksQuery, SearchTasksQuery } from './dto/task-queries';

/** A task with everything generated for it. */
export interface TaskDetail extends Task {
  scripts: (Script & { storyboards: Storyboard[] })[];
  resources: Resource[];
}

/** Counts of a user's tasks, one entry per status (zeros included). */
export interface TaskStatusCounts {
  userId: number;
  total: number;
  byStatus: Record<TaskStatus, number>;
}

/** A task's scripts, each with its storyboards (`GET /tasks/:id/storyboards[-naive]`). */
export interface TaskStoryboards {
  taskId: string;
  scripts: (Script & { storyboards: Storyboard[] })[];
}

/** The order of a user's task list: newest first, id breaking ties so pages never overlap. */
const NEWEST_FIRST = { createdAt: 'DESC', id: 'DESC' } as const;

/** One page of search results; no total, since counting a substring match scans the table. */
export interface SearchPage<T> {
  items: T[];
  page: number;
  pageSize: number;
  hasMore: boolean;
}

@Injectable()
export class TasksService {
  constructor(
    @InjectRepository(Task) private readonly tasks: Repository<Task>,
    @InjectRepository(Script) private readonly scripts: Repository<Script>,
    @InjectRepository(Storyboard) private readonly storyboards: Repository<Storyboard>,
    @InjectRepository(Resource) private readonly resources: Repository<Resource>,
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cache: PerfCacheService,
  ) {}

  /**
   * The storyboards of a script, batched: every `load(scriptId)` of one tick becomes one
   * `WHERE script_id IN (...)` query, cached for the rest of the request.
   */
  private readonly storyboardsOfScript = defineBatchLoader(() => this.storyboards, 'scriptId', {
    many: true,
    order: { sequenceNumber: 'ASC', id: 'ASC' },
  });

  // Cache tags: `user:<id>` marks everything listed or counted for a user, `task:<id>` one task's
  // detail. Writes invalidate the tags they affect, so reads right after a write are fresh.

  /**
   * A user's tasks, newest first: an offset page with the total (two statements), or, when
   * `query.cursor`/`query.after` is set (empty = first page), a keyset page (one statement).
   * The cache key includes the whole query, cursor too.
   */
  @Cached({ namespace: 'tasks', ttl: TTL.MEDIUM, tags: (userId: number) => [`user:${userId}`] })
  async listForUser(userId: number, query: ListTasksQuery): Promise<Page<Task> | KeysetPage<Task>> {
    const where = definedOnly({ userId, status: query.status, priority: query.priority });
    const cursor = query.cursor ?? query.after;
    if (cursor !== undefined) {
      return paginateKeyset(this.tasks, {
        where,
        orderBy: NEWEST_FIRST,
        after: cursor,
        limit: query.pageSize,
        maxLimit: MAX_PAGE_SIZE,
      });
    }
    return paginate(this.tasks, {
      where,
      order: NEWEST_FIRST,
      page: query.page,
      pageSize: query.pageSize,
      ...PAGE_LIMITS,
    });
  }

  /**
   * How many tasks match, estimated by the Postgres planner when that is at least 100 000
   * (`exact: false`), counted exactly otherwise and on SQLite/MySQL. Uncached: the estimate is a
   * catalog lookup or an EXPLAIN, and exact counts only run for small results.
   */
  count(query: CountTasksQuery): Promise<RowCount> {
    return countRows(this.tasks, {
      where: definedOnly({ userId: query.userId, status: query.status, priority: query.priority }),
    });
  }

  @Cached({ namespace: 'task-detail', ttl: TTL.LONG, tags: (id: string) => [`task:${id}`] })
  async detail(id: string): Promise<TaskDetail> {
    const task = await this.findOrFail(id);
    const [scripts, storyboards, resources] = await Promise.all([
      this.scripts.find({ where: { taskId: id }, order: { id: 'ASC' } }),
      this.storyboards.find({
        where: { taskId: id },
        order: { scriptId: 'ASC', sequenceNumber: 'ASC' },
      }),
      this.resources.find({ where: { taskId: id }, order: { id: 'ASC' } }),
    ]);
    const byScript = new Map(scripts.map((s) => [s.id, { ...s, storyboards: [] as Storyboard[] }]));
    for (const storyboard of storyboards)
      byScript.get(storyboard.scriptId)?.storyboards.push(storyboard);
    return { ...task, scripts: [...byScript.values()], resources };
  }

  /**
   * The N+1 teaching example: one query for the scripts, then one more per script for its
   * storyboards. `detail()` does the same work in a fixed number of queries. Kept on purpose
   * so the profiler has a real N+1 to catch; do not "fix" it.
   */
  async storyboardsNaive(
    id: string,
  ): Promise<{ taskId: string; scripts: (Script & { storyboards: Storyboard[] })[] }> {
    await this.findOrFail(id);
    const scripts = await this.scripts.find({ where: { taskId: id }, order: { id: 'ASC' } });
    const result: (Script & { storyboards: Storyboard[] })[] = [];
    for (const script of scripts) {
      const storyboards = await this.storyboards.find({
        where: { scriptId: script.id },
        order: { sequenceNumber: 'ASC' },
      });
      result.push({ ...script, storyboards });
    }
    return { taskId: id, scripts: result };
  }

  /**
   * The fixed twin of {@link storyboardsNaive}: the same per-script code shape, but each script's
   * storyboards come from the batch loader, so all of them arrive in ONE `IN (...)` query. Three
   * statements whatever the number of scripts (task, scripts, storyboards).
   */
  async storyboardsBatched(id: string): Promise<TaskStoryboards> {
    await this.findOrFail(id);
    const scripts = await this.scripts.find({ where: { taskId: id }, order: { id: 'ASC' } });
    const withStoryboards = await Promise.all(
      scripts.map(async (script) => ({
        ...script,
        storyboards: await this.storyboardsOfScript.load(script.id),
      })),
    );
    return { taskId: id, scripts: withStoryboards };
  }

  @InvalidateCache({ tags: (dto: CreateTaskDto) => [`user:${dto.userId}`] })
  async create(dto: CreateTaskDto): Promise<Task> {
    if (!(await this.users.existsBy({ id: dto.userId }))) {
      throw new NotFoundException(`user ${dto.userId} not found`);
    }
    // Stamped here rather than by the database: TypeORM's SQLite default is whole seconds,
    // which would make "newest first" ambiguous for tasks created in the same second.
    const now = new Date();
    const task = this.tasks.create({
      createdAt: now,
      updatedAt: now,
      userId: dto.userId,
      topic: dto.topic,
      priority: dto.priority ?? 'normal',
      status: dto.status ?? 'pending',
    });
    return this.tasks.save(task);
  }

  async update(id: string, dto: UpdateTaskDto): Promise<Task> {
    const patch = definedOnly(dto);
    if (Object.keys(patch).length === 0) {
      throw new BadRequestException('nothing to update: send topic, status and/or priority');
    }
    const task = await this.findOrFail(id);
    const saved = await this.tasks.save(this.tasks.merge(task, patch, { updatedAt: new Date() }));
    // The owner is known only after loading the task, so this tag is invalidated here rather
    // than by a decorator (whose tags come from the arguments).
    await this.cache.invalidate({ tags: [`user:${task.userId}`, `task:${id}`] });
    return saved;
  }

  async remove(id: string): Promise<void> {
    const task = await this.tasks.findOne({ where: { id }, select: { id: true, userId: true } });
    if (!task) throw new NotFoundException(`task ${id} not found`);
    await this.tasks.delete({ id });
    await this.cache.invalidate({ tags: [`user:${task.userId}`, `task:${id}`] });
  }

  async search(query: SearchTasksQuery): Promise<SearchPage<Task>> {
    const page = pageOf(query);
    const qb = this.tasks.createQueryBuilder('task');
    const pattern = `%${escapeLike(query.q)}%`;
    // Case-insensitive everywhere: ILIKE on Postgres; SQLite's LIKE and MySQL's default
    // collations already ignore case.
    if (this.dataSource.options.type === 'postgres') {
      qb.where(`task.topic ILIKE :pattern ESCAPE '\\'`, { pattern });
    } else if (this.dataSource.options.type === 'mysql') {
      qb.where('task.topic LIKE :pattern', { pattern });
    } else {
      qb.where(`task.topic LIKE :pattern ESCAPE '\\'`, { pattern });
    }
    if (query.userId !== undefined) qb.andWhere('task.userId = :userId', { userId: query.userId });
    const rows = await qb
      .orderBy('task.createdAt', 'DESC')
      .addOrderBy('task.id', 'DESC')
      .skip(page.skip)
      .take(page.pageSize + 1)
      .getMany();
    return {
      items: rows.slice(0, page.pageSize),
      page: page.page,
      pageSize: page.pageSize,
      hasMore: rows.length > page.pageSize,
    };
  }

  @Cached({ namespace: 'task-stats', ttl: TTL.SHORT, tags: (userId: number) => [`user:${userId}`] })
  async statusCounts(userId: number): Promise<TaskStatusCounts> {
    return this.countByStatus(userId);
  }

  /** {@link statusCounts} without the cache: one `GROUP BY status` statement. */
  async countByStatus(userId: number): Promise<TaskStatusCounts> {
    const rows = await this.tasks
      .createQueryBuilder('task')
      .select('task.status', 'status')
      .addSelect('COUNT(*)', 'count')
      .where('task.userId = :userId', { userId })
      .groupBy('task.status')
      .getRawMany<{ status: TaskStatus; count: string | number }>();
    const byStatus = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<
      TaskStatus,
      number
    >;
    let total = 0;
    for (const row of rows) {
      const count = Number(row.count);
      byStatus[row.status] = count;
      total += count;
    }
    return { userId, total, byStatus };
  }

  private async findOrFail(id: string): Promise<Task> {
    const task = await this.tasks.findOneBy({ id });
    if (!task) throw new NotFoundException(`task ${id} not found`);
    return task;
  }
}

/** Makes user input match literally inside a LIKE pattern (backslash is the escape). */
export function escapeLike(input: string): string {
  return input.replace(/[\\%_]/g, (c) => `\\${c}`);
}
