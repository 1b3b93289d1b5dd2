import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { currentRequestContext } from '@nest-perf/core';
import { routeTemplateOf } from './request-record';

/**
 * Never blocks: it only names the route template as early as Nest knows it, so that on Fastify a
 * request rejected by a later guard (401, 403) is still attributed to its route. Express requests
 * carry their route on the request itself; the interceptor names it too.
 * @internal
 */
@Injectable()
export class QueryProfilerRouteGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() === 'http') {
      const perf = currentRequestContext();
      if (perf && perf.route === undefined) {
        perf.route = routeTemplateOf(context.switchToHttp().getRequest<unknown>());
      }
    }
    return true;
  }
}
