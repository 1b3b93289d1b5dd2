import type { CacheManagerLike, KeyvLike, L2Store } from '../interfaces/l2-store.interface';

/** The five calls a key-value store must offer to serve as L2. */
interface KeyValueCalls {
  get(key: string): Promise<unknown>;
  getMany?(keys: string[]): Promise<unknown[]>;
  set(key: string, value: string, ttlMs: number | undefined): Promise<unknown>;
  delete(keys: string[]): Promise<unknown>;
}

/**
 * L2 on a key-value store that has no key scan and no pub/sub (Keyv, cache-manager): pattern
 * invalidation falls back to invalidating the whole namespace (see the engine), and there is no
 * invalidation bus. The store belongs to the application, which closes it.
 * @internal
 */
export class KeyValueStore implements L2Store {
  readonly supportsPatterns = false;

  constructor(
    readonly description: string,
    private readonly calls: KeyValueCalls,
  ) {}

  async connect(): Promise<void> {}

  async get(key: string): Promise<string | null> {
    return asString(await this.calls.get(key));
  }

  async mget(keys: string[]): Promise<Array<string | null>> {
    if (this.calls.getMany) return (await this.calls.getMany(keys)).map(asString);
    return Promise.all(keys.map((k) => this.get(k)));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.calls.set(key, value, ttlMs > 0 ? ttlMs : undefined);
  }

  async del(keys: string[]): Promise<void> {
    if (keys.length > 0) await this.calls.delete(keys);
  }

  async deleteMatching(): Promise<number> {
    throw new Error(`${this.description} stores cannot delete by pattern`);
  }

  async ping(): Promise<number> {
    const started = performance.now();
    await this.calls.get('nest-perf:ping');
    return performance.now() - started;
  }

  async close(): Promise<void> {}
}

/** L2 on any Keyv instance. @internal */
export function keyvStore(keyv: KeyvLike): KeyValueStore {
  return new KeyValueStore('keyv', {
    get: (key) => keyv.get(key),
    getMany: keyv.getMany ? (keys) => keyv.getMany!(keys) : undefined,
    set: (key, value, ttl) => keyv.set(key, value, ttl),
    delete: (keys) => keyv.delete(keys),
  });
}

/**
 * L2 on an existing cache-manager 7 `Cache` (what `@nestjs/cache-manager` injects), so an app
 * that already has `CacheModule` reuses its stores and connection. @internal
 */
export function cacheManagerStore(cache: CacheManagerLike): KeyValueStore {
  return new KeyValueStore('cache-manager', {
    get: (key) => cache.get<unknown>(key),
    getMany: cache.mget ? (keys) => cache.mget!<unknown>(keys) : undefined,
    set: (key, value, ttl) => cache.set(key, value, ttl),
    delete: (keys) => (cache.mdel ? cache.mdel(keys) : Promise.all(keys.map((k) => cache.del(k)))),
  });
}

function asString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
