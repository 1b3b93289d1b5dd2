import type { CacheManagerLike, KeyvLike, L2Store } from '../interfaces/l2-store.interface';

/**
 * L2 on any Keyv instance. Keyv has no key scan, so pattern invalidation falls back to
 * invalidating the whole namespace (see the engine).
 * @internal
 */
export class KeyvStore implements L2Store {
  readonly supportsPatterns = false;
  readonly description = 'keyv';

  constructor(private readonly keyv: KeyvLike) {}

  async connect(): Promise<void> {}

  async get(key: string): Promise<string | null> {
    return asString(await this.keyv.get(key));
  }

  async mget(keys: string[]): Promise<Array<string | null>> {
    if (this.keyv.getMany) return (await this.keyv.getMany(keys)).map(asString);
    return Promise.all(keys.map((k) => this.get(k)));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.keyv.set(key, value, ttlMs > 0 ? ttlMs : undefined);
  }

  async del(keys: string[]): Promise<void> {
    if (keys.length > 0) await this.keyv.delete(keys);
  }

  async deleteMatching(): Promise<number> {
    throw new Error('Keyv stores cannot delete by pattern');
  }

  async ping(): Promise<number> {
    const started = performance.now();
    await this.keyv.get('nest-perf:ping');
    return performance.now() - started;
  }

  async close(): Promise<void> {
    // The Keyv instance belongs to the application, which closes it.
  }
}

/**
 * L2 on an existing cache-manager 7 `Cache` (what `@nestjs/cache-manager` injects), so an app
 * that already has `CacheModule` reuses its stores and connection.
 * @internal
 */
export class CacheManagerStore implements L2Store {
  readonly supportsPatterns = false;
  readonly description = 'cache-manager';

  constructor(private readonly cache: CacheManagerLike) {}

  async connect(): Promise<void> {}

  async get(key: string): Promise<string | null> {
    return asString(await this.cache.get<unknown>(key));
  }

  async mget(keys: string[]): Promise<Array<string | null>> {
    if (this.cache.mget) return (await this.cache.mget<unknown>(keys)).map(asString);
    return Promise.all(keys.map((k) => this.get(k)));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.cache.set(key, value, ttlMs > 0 ? ttlMs : undefined);
  }

  async del(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    if (this.cache.mdel) await this.cache.mdel(keys);
    else await Promise.all(keys.map((k) => this.cache.del(k)));
  }

  async deleteMatching(): Promise<number> {
    throw new Error('cache-manager stores cannot delete by pattern');
  }

  async ping(): Promise<number> {
    const started = performance.now();
    await this.cache.get('nest-perf:ping');
    return performance.now() - started;
  }

  async close(): Promise<void> {
    // The Cache belongs to CacheModule, which closes it.
  }
}

function asString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
