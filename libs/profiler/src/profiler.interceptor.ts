import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import {
  createRequestContext,
  currentRequestContext,
  runWithRequestContext,
} from '@nest-perf/core';
import { Observable } from 'rxjs';
import { QueryProfilerService } from './profiler.service';
import { routeTemplateOf } from '@nest-perf/core';
import { trackRequest } from './request-tracking';

/**
 * For HTTP adapters without a Node HTTP server for `QueryProfilerModule` to hook: register it as
 * `APP_INTERCEPTOR` and it opens each request's record around the handler (statements of guards
 * and pipes then count as background). Where the module's server hook already opened the record,
 * it only names the route template. Not registered by the module: in Nest 11.2 any global
 * interceptor costs ~15 µs per request.
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
    // Fallback: the module could not hook this adapter's server.
    const reply = http.getResponse<{ raw?: ServerResponse } & ServerResponse>();
    const perf = createRequestContext(
      (request as { method?: string }).method ?? 'GET',
      routeTemplateOf(request),
    );
    trackRequest(this.service.profiler, perf, request, reply.raw ?? reply);
    return new Observable((subscriber) =>
      runWithRequestContext(perf, () => next.handle().subscribe(subscriber)),
    );
  }
}
