import { CACHE_HANDLERS, CACHE_METHOD_METADATA } from '../cache.constants';
import { CacheDecoratorError } from '../cache.errors';
import type { CachedOptions } from './cached.decorator';
import type { InvalidateCacheOptions } from './invalidate-cache.decorator';

/** @internal What the decorators record for one method; the explorer reads it. */
export interface CacheMethodRecord {
  /** The method as written (what the handlers call). */
  original: (...args: unknown[]) => unknown;
  /** The class that declared it, for messages. */
  declaredIn: string;
  methodName: string;
  cached?: CachedOptions;
  invalidations: InvalidateCacheOptions[];
}

/** @internal The handler the explorer installs: runs a call of the method with caching. */
export type CacheHandler = (self: object, args: unknown[]) => unknown;

/**
 * Records the options and installs, once per method, a small delegating function in place of the
 * method. The delegate is needed because Nest captures controller handlers (`instance[method]`)
 * while registering routes, which happens before `onModuleInit`; the explorer then installs the
 * real handler per instance at `onModuleInit`, when the cache service exists. The delegate keeps
 * the method's name and copies its reflect metadata, so route, guard and swagger decorators
 * applied before or after keep working. Without `PerfCacheModule` it just calls the method.
 * @internal
 */
export function recordCacheMethod(
  decorator: string,
  target: object,
  propertyKey: string | symbol | undefined,
  descriptor: PropertyDescriptor | undefined,
  update: (record: CacheMethodRecord) => void,
): void {
  const where =
    typeof target === 'function'
      ? `class ${target.name}`
      : `${target?.constructor?.name ?? 'an object'}.${String(propertyKey)}`;
  if (propertyKey === undefined || descriptor === undefined) {
    throw new CacheDecoratorError(`${decorator} can only decorate methods, not ${where}`);
  }
  if (typeof descriptor.value !== 'function') {
    const what = descriptor.get || descriptor.set ? 'an accessor' : 'a property';
    throw new CacheDecoratorError(`${decorator} can only decorate methods; ${where} is ${what}`);
  }
  if (typeof propertyKey === 'symbol') {
    throw new CacheDecoratorError(`${decorator} cannot decorate symbol-named methods (${where})`);
  }
  const isStatic = typeof target === 'function';
  if (isStatic) {
    throw new CacheDecoratorError(
      `${decorator} cannot decorate static methods (${where}); use an instance method of a provider`,
    );
  }

  let record = Reflect.getOwnMetadata(CACHE_METHOD_METADATA, target, propertyKey) as
    CacheMethodRecord | undefined;
  if (record === undefined) {
    const original = descriptor.value as (...args: unknown[]) => unknown;
    record = {
      original,
      declaredIn: target.constructor.name,
      methodName: propertyKey,
      invalidations: [],
    };
    const name = propertyKey;
    const delegate = {
      [name](this: Record<symbol, Record<string, CacheHandler> | undefined>, ...args: unknown[]) {
        const handler = this?.[CACHE_HANDLERS]?.[name];
        return handler === undefined ? original.apply(this, args) : handler(this, args);
      },
    }[name];
    for (const key of Reflect.getMetadataKeys(original)) {
      Reflect.defineMetadata(key, Reflect.getMetadata(key, original), delegate);
    }
    descriptor.value = delegate;
    Reflect.defineMetadata(CACHE_METHOD_METADATA, record, target, propertyKey);
  }
  update(record);
}
