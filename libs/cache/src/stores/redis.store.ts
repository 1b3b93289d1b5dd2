import { createClient, createCluster } from '@redis/client';
import type { L2Store } from '../interfaces/l2-store.interface';

type Client = ReturnType<typeof createClient>;
type Cluster = ReturnType<typeof createCluster>;

const SCAN_COUNT = 1000;
const UNLINK_BATCH = 500;

/**
 * L2 on Redis through node-redis 6, chosen by measurement (bench/cache, 64 GETs in flight):
 * with its per-command timeout turned off it ran GETs faster than node-redis 5 and about twice
 * as fast as ioredis 5. That per-command timeout (on by default in v6: an AbortSignal timer per
 * command) costs it half to two thirds of its throughput, so it is off here; the engine's own
 * timeout is one shared timer (see ResilientL2).
 * @internal
 */
export class RedisStore implements L2Store {
  readonly supportsPatterns = true;
  readonly description: string;
  private readonly client: Client | Cluster;
  private subscriber: Client | undefined;
  private closed = false;

  constructor(
    target: { url: string } | { cluster: { rootNodes: Array<{ url: string }> } },
    private readonly onError: (error: Error) => void,
  ) {
    // Commands issued while disconnected fail at once (the engine then runs the method
    // uncached) instead of queueing behind a reconnect; reconnects back off up to 2 s.
    const socket = {
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2_000),
    };
    if ('url' in target) {
      this.description = `redis ${redactUrl(target.url)}`;
      this.client = createClient({
        url: target.url,
        socket,
        disableOfflineQueue: true,
        commandOptions: { timeout: undefined },
      });
    } else {
      this.description = `redis cluster ${target.cluster.rootNodes.map((n) => redactUrl(n.url)).join(',')}`;
      this.client = createCluster({
        rootNodes: target.cluster.rootNodes,
        defaults: { socket, disableOfflineQueue: true },
        // The cluster client takes command options only at the top level.
        commandOptions: { timeout: undefined },
      });
    }
    this.client.on('error', onError);
  }

  async connect(timeoutMs: number): Promise<void> {
    const connecting = this.client.connect();
    // The app starts without waiting for a Redis that is down; the client keeps reconnecting.
    connecting.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no connection to ${this.description} within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([connecting, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  get(key: string): Promise<string | null> {
    return this.client.get(key) as Promise<string | null>;
  }

  async mget(keys: string[]): Promise<Array<string | null>> {
    if (keys.length === 0) return [];
    if (keys.length === 1 || this.isCluster()) {
      // MGET across cluster slots is not allowed; single GETs pipeline anyway.
      return Promise.all(keys.map((k) => this.get(k)));
    }
    return (await (this.client as Client).mGet(keys)) as Array<string | null>;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    if (ttlMs > 0) await this.client.set(key, value, { expiration: { type: 'PX', value: ttlMs } });
    else await this.client.set(key, value);
  }

  async del(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    if (this.isCluster()) await Promise.all(keys.map((k) => this.client.unlink(k)));
    else await this.client.unlink(keys);
  }

  async deleteMatching(match: string): Promise<number> {
    const clients = this.isCluster()
      ? await Promise.all(
          (this.client as Cluster).masters.map((m) => (this.client as Cluster).nodeClient(m)),
        )
      : [this.client as Client];
    let deleted = 0;
    for (const client of clients) {
      let batch: string[] = [];
      for await (const keys of (client as Client).scanIterator({
        MATCH: match,
        COUNT: SCAN_COUNT,
      })) {
        batch.push(...(keys as string[]));
        if (batch.length >= UNLINK_BATCH) {
          deleted += await this.unlinkEach(client as Client, batch);
          batch = [];
        }
      }
      if (batch.length > 0) deleted += await this.unlinkEach(client as Client, batch);
    }
    return deleted;
  }

  /** Round-trip of a PING; in a cluster, of every master (the slowest counts). */
  async publish(channel: string, message: string): Promise<void> {
    await this.client.publish(channel, message);
  }

  /** Listens on a second connection (a subscribed connection can run no other commands). */
  async subscribe(channel: string, onMessage: (message: string) => void): Promise<void> {
    if (this.isCluster()) throw new Error('the invalidation bus is not available on Redis Cluster');
    const subscriber = (this.client as Client).duplicate();
    subscriber.on('error', this.onError);
    this.subscriber = subscriber;
    await subscriber.connect();
    await subscriber.subscribe(channel, (message) => onMessage(String(message)));
  }

  async ping(): Promise<number> {
    const started = performance.now();
    if (this.isCluster()) {
      const cluster = this.client as Cluster;
      await Promise.all(cluster.masters.map(async (m) => (await cluster.nodeClient(m)).ping()));
    } else await (this.client as Client).ping();
    return performance.now() - started;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.subscriber !== undefined) {
      try {
        if (this.subscriber.isOpen) await this.subscriber.close();
        else this.subscriber.destroy();
      } catch {
        this.subscriber.destroy();
      }
    }
    try {
      if (this.client.isOpen) await this.client.close();
      else this.client.destroy();
    } catch {
      this.client.destroy();
    }
  }

  private isCluster(): boolean {
    return 'masters' in this.client;
  }

  private async unlinkEach(client: Client, keys: string[]): Promise<number> {
    // In a cluster, keys found on one master may still span slots: unlink them one by one.
    if (this.isCluster()) {
      const counts = await Promise.all(keys.map((k) => client.unlink(k)));
      return counts.reduce<number>((a, b) => a + Number(b), 0);
    }
    return Number(await client.unlink(keys));
  }
}

/** @internal */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.host + (parsed.pathname && parsed.pathname !== '/' ? parsed.pathname : '');
  } catch {
    return '(invalid url)';
  }
}
