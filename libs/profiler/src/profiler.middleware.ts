import { Injectable, NestMiddleware } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { createRequestContext, runWithRequestContext } from '@nest-perf/core';
import { QueryProfilerService } from './profiler.service';
import { methodOf, trackRequest } from './request-tracking';

/**
 * Enters the per-request context before anything else of the request runs (guards, pipes,
 * interceptors, handler), so every statement they cause is attributed to it. Mounted on every
 * route by `QueryProfilerModule`; Express and Fastify.
 * @internal
 */
@Injectable()
export class QueryProfilerMiddleware implements NestMiddleware {
  constructor(private readonly service: QueryProfilerService) {}

  use(request: unknown, response: ServerResponse, next: (error?: unknown) => void): void {
    const profiler = this.service.profiler;
    if (!profiler.options.enabled) return next();
    // Always a fresh context: one found here could only be left over from an earlier request
    // (async resources created inside it), and joining it would mix two requests' statements.
    const context = createRequestContext(methodOf(request));
    trackRequest(profiler, context, request, response);
    runWithRequestContext(context, next);
  }
}
