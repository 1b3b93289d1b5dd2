import { CacheDecoratorError } from '../cache.errors';
import { describeValue as describe } from '@nest-perf/core';
import { checkNamespace } from './cached.decorator';
import { recordCacheMethod } from './method-record';

/**
 * Options of {@link InvalidateCache}. Give at least one of `key`, `tags`, `allEntries`,
 * `pattern`; `key`, `allEntries` and `pattern` need the `namespace` they apply to.
 */
export interface InvalidateCacheOptions<A extends unknown[] = unknown[]> {
  /** The namespace of `key`, `allEntries` and `pattern`. */
  namespace?: string;
  /** The exact entry to remove, computed from this method's arguments like `@Cached`'s `key`. */
  key?: (...args: A) => unknown;
  /** Invalidate every entry carrying one of these tags (any namespace). */
  tags?: readonly string[] | ((...args: A) => readonly string[]);
  /** Invalidate the whole namespace, in O(1) (a new generation, no key scan). */
  allEntries?: boolean;
  /**
   * Remove the keys of the namespace whose key part matches this Redis glob (`'user:42:*'`).
   * Use the `glob` tag for values: `` (id) => glob`user:${id}:*` `` escapes `*?[]\` in `id`.
   * Runs SCAN + UNLINK in Redis; stores that cannot scan invalidate the whole namespace.
   */
  pattern?: string | ((...args: A) => string);
  /** `'after'` (default): once the method succeeded. `'before'`: before it runs, whatever happens. */
  when?: 'after' | 'before';
}

const KNOWN = ['namespace', 'key', 'tags', 'allEntries', 'pattern', 'when'];

/**
 * Invalidates cache entries when the method runs. Repeatable, or pass several option objects.
 * With the default `when: 'after'`, the invalidation completes before the method's Promise
 * resolves, so a read right after sees fresh data.
 *
 * @example
 * \@InvalidateCache({ tags: (userId: number) => [`user:${userId}`] })
 * update(userId: number, id: string, patch: TaskPatch): Promise<Task> { ... }
 */
export function InvalidateCache<A extends unknown[] = unknown[]>(
  ...options: Array<InvalidateCacheOptions<A> | Array<InvalidateCacheOptions<A>>>
): MethodDecorator {
  const list = options.flat();
  return (target, propertyKey, descriptor) => {
    recordCacheMethod('@InvalidateCache', target, propertyKey, descriptor, (record) => {
      const where = `@InvalidateCache on ${record.declaredIn}.${record.methodName}`;
      if (list.length === 0)
        throw new CacheDecoratorError(`${where}: give at least one options object`);
      const problems = list.flatMap((o, i) =>
        validate(o as InvalidateCacheOptions).map((p) => (list.length > 1 ? `[${i}] ${p}` : p)),
      );
      if (problems.length > 0) throw new CacheDecoratorError(`${where}: ${problems.join('; ')}`);
      record.invalidations.push(...(list as InvalidateCacheOptions[]));
    });
  };
}

function validate(o: InvalidateCacheOptions): string[] {
  if (typeof o !== 'object' || o === null)
    return [`options must be an object (got ${describe(o)})`];
  const problems: string[] = [];
  for (const key of Object.keys(o)) {
    if (!KNOWN.includes(key)) problems.push(`unknown option '${key}' (known: ${KNOWN.join(', ')})`);
  }
  checkNamespace(o.namespace, problems);
  const targets = (['key', 'tags', 'allEntries', 'pattern'] as const).filter(
    (k) => o[k] !== undefined && o[k] !== false,
  );
  if (targets.length === 0) problems.push('give key, tags, allEntries or pattern');
  if (o.namespace === undefined && targets.some((t) => t !== 'tags')) {
    problems.push(`${targets.filter((t) => t !== 'tags').join(', ')} needs a namespace`);
  }
  if (o.allEntries && (o.key !== undefined || o.pattern !== undefined)) {
    problems.push('allEntries already covers key and pattern; drop one');
  }
  if (o.key !== undefined && typeof o.key !== 'function') {
    problems.push(`key must be a function of the arguments (got ${describe(o.key)})`);
  }
  if (o.tags !== undefined && typeof o.tags !== 'function' && !Array.isArray(o.tags)) {
    problems.push(
      `tags must be an array of strings or a function returning one (got ${describe(o.tags)})`,
    );
  }
  if (o.pattern !== undefined && typeof o.pattern !== 'function' && typeof o.pattern !== 'string') {
    problems.push(
      `pattern must be a glob string or a function returning one (got ${describe(o.pattern)})`,
    );
  }
  if (o.allEntries !== undefined && typeof o.allEntries !== 'boolean') {
    problems.push(`allEntries must be a boolean (got ${describe(o.allEntries)})`);
  }
  if (o.when !== undefined && o.when !== 'after' && o.when !== 'before') {
    problems.push(`when must be 'after' or 'before' (got ${describe(o.when)})`);
  }
  return problems;
}
