import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { isObservable, lastValueFrom } from 'rxjs';
import { OWN_REQUEST } from './http-stats.service';
import { RESOLVED_OPTIONS } from './metrics.constants';
import type { ResolvedPerformanceOptions } from './metrics.options';

interface RequestLike {
  method?: string;
  url?: string;
  originalUrl?: string;
  raw?: object;
  [OWN_REQUEST]?: true;
}

/**
 * Runs first on every route of the module: marks the request as the module's own (so the
 * dashboard's polling does not show in the HTTP statistics), answers 404 when the module is off
 * (production without `guard` or `enabled: true`), then runs the app's `guard`: `false` gives 403.
 * @internal
 */
@Injectable()
export class PerformanceAccessGuard implements CanActivate {
  private userGuard: Promise<CanActivate> | undefined;

  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedPerformanceOptions,
    private readonly moduleRef: ModuleRef,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestLike>();
    // Express hands Nest the Node request itself; Fastify wraps it (`raw`).
    const node = (request.raw ?? request) as RequestLike;
    node[OWN_REQUEST] = true;
    if (!this.options.enabled) {
      const url = (request.originalUrl ?? request.url ?? '').split('?')[0];
      throw new NotFoundException(`Cannot ${request.method ?? 'GET'} ${url}`);
    }
    const type = this.options.guard;
    if (!type) return true;
    const guard = await (this.userGuard ??= this.resolve(type));
    const result = guard.canActivate(context);
    const allowed = isObservable(result) ? await lastValueFrom(result) : await result;
    if (!allowed) throw new ForbiddenException('Forbidden resource');
    return true;
  }

  private async resolve(type: NonNullable<ResolvedPerformanceOptions['guard']>) {
    try {
      return this.moduleRef.get(type, { strict: false });
    } catch {
      return this.moduleRef.create(type); // not a provider anywhere: build it with DI
    }
  }
}
