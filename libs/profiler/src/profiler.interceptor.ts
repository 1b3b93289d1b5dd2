import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import {
  createRequestContext,
  currentRequestContext,
  runWithRequestContext,
} from '@nest-perf/core';
import { Observable } from 'rxjs';
import { QueryProfilerService } from './profiler.service';
import { routeTemplateOf } from './request-record';
import { methodOf, trackRequest } from './request-tracking';

/**
 * Names the request's route template (`/tasks/:id`) for the profiler's record, which the
 * module's middleware opened; if no middleware ran (an app that mounts no Nest middleware), opens
 * the record itself around the handler. Registered globally by `QueryProfilerModule`; HTTP only.
 */
@Injectable()
export class QueryProfilerInterceptor implements NestInterceptor {
  constructor(private readonly service: QueryProfilerService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http' || !this.service.profiler.options.enabled) {
      return next.handle();
    }
    const http = context.switchToHttp();
    const request = http.getRequest<unknown>();
    const current = currentRequestContext();
    if (current && this.service.profiler.recordOf(current)) {
      current.route ??= routeTemplateOf(request);
      return next.handle();
    }
    // Fallback: no middleware ran for this request.
    const reply = http.getResponse<{ raw?: ServerResponse } & ServerResponse>();
    const perf = createRequestContext(methodOf(request), routeTemplateOf(request));
    trackRequest(this.service.profiler, perf, request, reply.raw ?? reply);
    return new Observable((subscriber) =>
      runWithRequestContext(perf, () => next.handle().subscribe(subscriber)),
    );
  }
}
