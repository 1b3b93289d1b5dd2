import { isDuration } from '@nest-perf/core';
import type { Duration } from '@nest-perf/core';
import { CacheDecoratorError } from '../cache.errors';
import { describeValue as describe } from '@nest-perf/core';
import { recordCacheMethod } from './method-record';

/**
 * Options of {@link Cached}. `A` is the method's argument list and `R` its (awaited) result;
 * both are inferred from the functions you pass when you annotate their parameters.
 */
export interface CachedOptions<A extends unknown[] = unknown[], R = unknown> {
  /** Groups entries for stats and invalidation. Default `'ClassName.methodName'`. No `:`. */
  namespace?: string;
  /**
   * The entry's key within the namespace, from the arguments. A string is used as it is
   * (`(id) => \`user:${id}\``); anything else is encoded like the default. Default: a stable
   * encoding of all arguments (object keys sorted; Date, BigInt, Map, Set kept distinct).
   */
  key?: (...args: A) => unknown;
  /**
   * Time to live: a duration (`'5m'`, `TTL.MEDIUM`, ms), or a function of the result for
   * values that carry their own expiry. `0` (or a function returning 0 or less) means do not
   * cache. Default: the module's `defaultTtl`.
   */
  ttl?: Duration | ((result: R) => Duration);
  /** Tags of the entry, invalidated together with `@InvalidateCache({ tags })`. Global, not per namespace. */
  tags?: readonly string[] | ((...args: A) => readonly string[]);
  /** Skip the cache entirely (no read, no write) for calls where this returns false. */
  condition?: (...args: A) => boolean;
  /** Don't store results for which this returns true (they are still returned). */
  unless?: (result: R) => boolean;
  /** Store `null` and `undefined` results too. Default `false`. */
  cacheNull?: boolean;
}

const KNOWN = ['namespace', 'key', 'ttl', 'tags', 'condition', 'unless', 'cacheNull'];

/**
 * Caches the method's result per arguments: in L1 (in-process LRU) and, when configured, L2
 * (Redis). Concurrent misses of one key run the method once. Async methods keep returning a
 * Promise; sync methods stay sync and use L1 only.
 *
 * @example
 * \@Cached({ namespace: 'tasks', ttl: TTL.MEDIUM, tags: (userId: number) => [`user:${userId}`] })
 * listForUser(userId: number, q: ListQuery): Promise<Page<Task>> { ... }
 */
export function Cached<A extends unknown[] = unknown[], R = unknown>(
  options: CachedOptions<A, R> = {},
): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    recordCacheMethod('@Cached', target, propertyKey, descriptor, (record) => {
      const where = `@Cached on ${record.declaredIn}.${record.methodName}`;
      const problems = validateCachedOptions(options as CachedOptions);
      if (problems.length > 0) {
        throw new CacheDecoratorError(`${where}: ${problems.join('; ')}`);
      }
      if (record.cached) throw new CacheDecoratorError(`${where}: the method already has @Cached`);
      record.cached = options as CachedOptions;
    });
  };
}

/** @internal Shared by @Cached and @InvalidateCache. */
export function checkNamespace(namespace: unknown, problems: string[]): void {
  if (namespace === undefined) return;
  if (typeof namespace !== 'string' || namespace.length === 0) {
    problems.push(`namespace must be a non-empty string (got ${describe(namespace)})`);
  } else if (namespace.includes(':')) {
    problems.push(`namespace must not contain ':' (got '${namespace}'); put the rest in the key`);
  } else if (namespace === 'nest-perf') {
    problems.push(`namespace 'nest-perf' is reserved for the cache's own version keys`);
  }
}

function validateCachedOptions(options: CachedOptions): string[] {
  const problems: string[] = [];
  if (typeof options !== 'object' || options === null) return [`options must be an object`];
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) problems.push(`unknown option '${key}' (known: ${KNOWN.join(', ')})`);
  }
  checkNamespace(options.namespace, problems);
  const ttl = options.ttl;
  if (ttl !== undefined && typeof ttl !== 'function' && !isDuration(ttl)) {
    problems.push(
      `ttl must be a duration ('5m', 300000, TTL.MEDIUM) or a function of the result (got ${describe(ttl)})`,
    );
  }
  for (const fn of ['key', 'condition', 'unless'] as const) {
    if (options[fn] !== undefined && typeof options[fn] !== 'function') {
      problems.push(`${fn} must be a function (got ${describe(options[fn])})`);
    }
  }
  if (
    options.tags !== undefined &&
    typeof options.tags !== 'function' &&
    !Array.isArray(options.tags)
  ) {
    problems.push(
      `tags must be an array of strings or a function returning one (got ${describe(options.tags)})`,
    );
  }
  if (options.cacheNull !== undefined && typeof options.cacheNull !== 'boolean') {
    problems.push(`cacheNull must be a boolean (got ${describe(options.cacheNull)})`);
  }
  return problems;
}
