import { Controller, Get, Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from './app.constants';
import type { AppConfig } from './config/app-config';

/** The routes of the sample app, for humans (GET /) and the startup banner. */
export const ENDPOINTS = [
  [
    'GET',
    '/users/:userId/tasks?status=&priority=&page=&pageSize=',
    "a user's tasks, newest first (pageSize <= 100)",
  ],
  ['GET', '/users/:userId/tasks?cursor=&pageSize=', 'the same in keyset pages (next: nextCursor)'],
  ['GET', '/users/:userId/tasks/stats', "a user's task counts per status"],
  ['GET', '/users/:userId/conversations?status=&page=&pageSize=', "a user's conversations"],
  ['GET', '/users/:userId', 'one user'],
  ['GET', '/users/:userId/summary', "a user's dashboard in 5 uncached statements"],
  ['POST', '/users/:userId/conversations/archive', "archive a user's closed conversations"],
  ['GET', '/tasks/search?q=&userId=&page=&pageSize=', 'tasks whose topic contains q'],
  [
    'GET',
    '/tasks/count?status=&priority=&userId=',
    'how many tasks match (planner estimate if big)',
  ],
  ['GET', '/tasks/:id', 'a task with its scripts, storyboards and resources'],
  ['GET', '/tasks/:id/storyboards-naive', 'N+1 teaching example: one query per script'],
  ['GET', '/tasks/:id/storyboards', 'the same, batched: one IN (...) query for all scripts'],
  ['POST', '/tasks', 'create a task: { userId, topic, priority?, status? }'],
  ['PATCH', '/tasks/:id', 'update topic, status and/or priority'],
  ['DELETE', '/tasks/:id', 'delete a task and everything generated for it'],
  ['GET', '/resources/:id/download', 'a download URL signed with a cached storage token'],
  ['GET', '/health', 'database pool, cache and memory health (Terminus; 503 when down)'],
  ['GET', '/performance', 'dashboard: route latencies, cache hit rates, slow queries, N+1, pool'],
  ['GET', '/performance/optimization/status', 'targets (p95, hit rate, N+1, slow) vs now'],
  ['GET', '/metrics', 'Prometheus metrics'],
] as const;

/** Finds real ids in the database so the example URLs return data. */
@Injectable()
export class SampleLinks {
  private cached?: Promise<string[]>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Example paths; computed once (it scans the tasks of the busiest user). */
  examples(): Promise<string[]> {
    this.cached ??= this.compute().catch((error: unknown) => {
      this.cached = undefined;
      throw error;
    });
    return this.cached;
  }

  private async compute(): Promise<string[]> {
    const [user] = await this.dataSource.query<{ id: number }[]>(
      'SELECT id FROM users ORDER BY id LIMIT 1',
    );
    if (!user) return [];
    const param = this.dataSource.options.type === 'postgres' ? '$1' : '?';
    // The user's task with the most scripts, so that the N+1 example shows several queries.
    const [task] = await this.dataSource.query<{ id: string }[]>(
      `SELECT t.id FROM tasks t JOIN scripts s ON s.task_id = t.id WHERE t.user_id = ${param}
        GROUP BY t.id ORDER BY COUNT(*) DESC, t.id LIMIT 1`,
      [user.id],
    );
    const links = [
      `/users/${user.id}/tasks?status=completed&pageSize=5`,
      `/users/${user.id}/tasks?cursor=&pageSize=5`,
      `/users/${user.id}/tasks/stats`,
      `/users/${user.id}/summary`,
      `/users/${user.id}/conversations?pageSize=5`,
      '/tasks/search?q=espresso&pageSize=5',
    ];
    if (task) {
      links.push(
        `/tasks/${task.id}`,
        `/tasks/${task.id}/storyboards-naive`,
        `/tasks/${task.id}/storyboards`,
      );
    }
    return links;
  }
}

@Controller()
export class IndexController {
  constructor(
    private readonly links: SampleLinks,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  async index() {
    return {
      name: 'nest-perf sample app',
      database: this.config.database.display,
      cache: this.config.redisUrl ? 'redis' : 'memory',
      endpoints: ENDPOINTS.map(([method, path, description]) => ({ method, path, description })),
      examples: await this.links.examples(),
    };
  }
}
