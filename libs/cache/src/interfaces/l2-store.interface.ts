/**
 * The shape of a Keyv instance that the Keyv adapter uses (Keyv 5).
 * Declared structurally so that `keyv` stays an optional dependency.
 */
export interface KeyvLike {
  get(key: string): Promise<unknown>;
  getMany?(keys: string[]): Promise<unknown[]>;
  set(key: string, value: unknown, ttl?: number): Promise<unknown>;
  delete(key: string | string[]): Promise<unknown>;
  disconnect?(): Promise<void>;
}

/** The shape of a cache-manager 7 `Cache` (what `@nestjs/cache-manager` injects as `CACHE_MANAGER`). */
export interface CacheManagerLike {
  get<T>(key: string): Promise<T | undefined | null>;
  mget?<T>(keys: string[]): Promise<Array<T | undefined | null>>;
  set<T>(key: string, value: T, ttl?: number): Promise<T>;
  del(key: string): Promise<unknown>;
  mdel?(keys: string[]): Promise<unknown>;
}

/**
 * A shared tier as the cache engine sees it: strings in, strings out.
 * @internal
 */
export interface L2Store {
  /** Short description for logs and errors, e.g. `redis 127.0.0.1:6379`. */
  readonly description: string;
  /** True when `deleteMatching` works (Redis); other stores fall back to a namespace bump. */
  readonly supportsPatterns: boolean;
  connect(timeoutMs: number): Promise<void>;
  get(key: string): Promise<string | null>;
  mget(keys: string[]): Promise<Array<string | null>>;
  /** `ttlMs` 0 means no expiry. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  del(keys: string[]): Promise<void>;
  /** Deletes every key matching the glob; returns how many. */
  deleteMatching(match: string): Promise<number>;
  /** Round-trip time of a PING (or a get for stores without one), in ms. */
  ping(): Promise<number>;
  /**
   * Publish/subscribe for the invalidation bus (Redis by URL); absent on stores without it.
   * `subscribe` resolves once listening; messages arrive as strings.
   */
  publish?(channel: string, message: string): Promise<void>;
  subscribe?(channel: string, onMessage: (message: string) => void): Promise<void>;
  close(): Promise<void>;
}
