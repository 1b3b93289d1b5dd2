import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import { CreateTaskDto, UpdateTaskDto } from './dto/task-bodies';
import { CountTasksQuery, SearchTasksQuery } from './dto/task-queries';
import { TasksService } from './tasks.service';

@Controller('tasks')
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  /** Tasks whose topic contains `q` (case-insensitive), newest first. */
  @Get('search')
  search(@Query() query: SearchTasksQuery) {
    return this.tasks.search(query);
  }

  /**
   * How many tasks match `status`, `priority` and/or `userId`: `{ count, exact }`. On Postgres a
   * result of 100 000 or more is the planner's estimate (`exact: false`, no table scan); smaller
   * results, and every result on SQLite, are exact. One to three statements (catalog estimate,
   * EXPLAIN when the table was never analyzed, COUNT only for small results), all different.
   */
  @Get('count')
  count(@Query() query: CountTasksQuery) {
    return this.tasks.count(query);
  }

  /** A task with its scripts (each with its storyboards) and resources. */
  @Get(':id')
  detail(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.tasks.detail(id);
  }

  /** Teaching example: the same data as the scripts of `GET /tasks/:id`, loaded with N+1 queries. */
  @Get(':id/storyboards-naive')
  storyboardsNaive(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.tasks.storyboardsNaive(id);
  }

  /**
   * The fixed twin of `storyboards-naive`: the same response, but the storyboards of all scripts
   * are loaded by a per-request batch loader in ONE `IN (...)` query (three statements in all).
   */
  @Get(':id/storyboards')
  storyboards(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.tasks.storyboardsBatched(id);
  }

  @Post()
  create(@Body() dto: CreateTaskDto) {
    return this.tasks.create(dto);
  }

  @Patch(':id')
  update(@Param('id', new ParseUUIDPipe()) id: string, @Body() dto: UpdateTaskDto) {
    return this.tasks.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    await this.tasks.remove(id);
  }
}
