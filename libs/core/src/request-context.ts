import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What nest-perf knows about the HTTP request the current code runs for. One object per request,
 * created before guards and pipes run, reachable from any async continuation of that request
 * through {@link currentRequestContext}.
 */
export interface PerfRequestContext {
  /** HTTP method, upper case. */
  readonly method: string;
  /**
   * The route template (`/tasks/:id`), never the raw URL. Undefined until the router has matched
   * the request; requests that match no route keep it undefined (see {@link UNMATCHED_ROUTE}).
   */
  route: string | undefined;
  /** `performance.now()` when the request arrived. */
  readonly startedAt: number;
  /**
   * Per-request values that modules keep for themselves (a profiler's query record, batch
   * loaders), keyed by a symbol or object the owning module holds. Cleared with the request.
   */
  readonly slots: Map<unknown, unknown>;
}

/** The label used for requests that matched no route, so random paths share one label. */
export const UNMATCHED_ROUTE = '(unmatched)';

/** The label for work that runs outside any HTTP request (startup, timers, queues). */
export const BACKGROUND_ROUTE = 'background';

// One storage per process, even when two copies of @nest-perf/core are installed (a library
// resolving its own nested copy must still see the context the app's copy entered).
const STORAGE_KEY = Symbol.for('@nest-perf/core.requestContext');
type GlobalWithStorage = typeof globalThis & {
  [STORAGE_KEY]?: AsyncLocalStorage<PerfRequestContext>;
};
const holder = globalThis as GlobalWithStorage;
const storage: AsyncLocalStorage<PerfRequestContext> = (holder[STORAGE_KEY] ??=
  new AsyncLocalStorage<PerfRequestContext>());

/** The current request's context, or undefined outside any request. */
export function currentRequestContext(): PerfRequestContext | undefined {
  return storage.getStore();
}

// A class so that `slots` is created on first use: most requests never need it.
class RequestContext implements PerfRequestContext {
  private slotMap: Map<unknown, unknown> | undefined;

  constructor(
    readonly method: string,
    public route: string | undefined,
    readonly startedAt: number,
  ) {}

  get slots(): Map<unknown, unknown> {
    return (this.slotMap ??= new Map());
  }
}

const UPPER_CASE = /^[A-Z]+$/;

/** A fresh context for a request that has just arrived. */
export function createRequestContext(method: string, route?: string): PerfRequestContext {
  // Node reports methods in upper case already; avoid a new string per request.
  const normalized = UPPER_CASE.test(method) ? method : method.toUpperCase();
  return new RequestContext(normalized, route, performance.now());
}

/** Runs `fn` with `context` as the current request context for it and everything it starts. */
export function runWithRequestContext<T>(context: PerfRequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** `"GET /tasks/:id"`, or `"GET (unmatched)"` before/without a route match. */
export function describeRoute(context: PerfRequestContext): string {
  return `${context.method} ${context.route ?? UNMATCHED_ROUTE}`;
}

/**
 * Where a Fastify `onRequest` hook leaves the matched route template on the raw Node request,
 * which is all a hook on the Node HTTP server sees on Fastify. `Symbol.for`, so that every
 * nest-perf library (and every copy of this package) reads the same property.
 */
export const ROUTE_TEMPLATE: unique symbol = Symbol.for('@nest-perf/core.routeTemplate');

/**
 * The route template of a request as the HTTP framework matched it: Express `req.route.path`
 * (Nest registers the full path, prefix and version included), then the Fastify hook's
 * {@link ROUTE_TEMPLATE}, then Fastify's own request (`routeOptions.url`). Undefined when no route
 * matched.
 */
export function routeTemplateOf(request: unknown): string | undefined {
  const req = request as
    | {
        route?: { path?: unknown };
        routeOptions?: { url?: unknown };
        routerPath?: unknown;
        [ROUTE_TEMPLATE]?: string;
      }
    | undefined;
  if (req === undefined) return undefined;
  // Express first (the common case); Fastify's raw request carries the hook's symbol.
  const path = req.route?.path ?? req[ROUTE_TEMPLATE] ?? req.routeOptions?.url ?? req.routerPath;
  return typeof path === 'string' && path.length > 0 ? path : undefined;
}

/** The part of a Fastify instance {@link nameFastifyRoutes} uses. */
export interface FastifyRouteHookTarget {
  addHook(
    name: 'onRequest',
    hook: (
      request: { routeOptions?: { url?: unknown }; raw: Record<symbol, unknown> },
      reply: unknown,
      done: () => void,
    ) => void,
  ): unknown;
}

// Instances already hooked: the profiler and the metrics module both ask, one hook is enough.
const HOOKED = new WeakSet<object>();

/**
 * On Fastify a hook on the Node HTTP server sees only the raw request, which carries no route:
 * this adds an `onRequest` hook (before Fastify is ready, so it applies to every route) that
 * copies the matched template onto the raw request under {@link ROUTE_TEMPLATE}. Idempotent per
 * instance. Throws what Fastify throws (e.g. when it is already listening).
 */
export function nameFastifyRoutes(fastify: FastifyRouteHookTarget): void {
  if (HOOKED.has(fastify)) return;
  fastify.addHook('onRequest', (request, _reply, done) => {
    const url = request.routeOptions?.url;
    if (typeof url === 'string') request.raw[ROUTE_TEMPLATE] = url;
    done();
  });
  HOOKED.add(fastify);
}
