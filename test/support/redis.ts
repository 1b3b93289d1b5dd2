import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@redis/client';
import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { freePort } from './ports';

export { freePort };

/** The shared Redis the cache suites use (other suites use it at the same time). */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';

function newClient(url: string) {
  return createClient({ url, socket: { connectTimeout: 2_000, reconnectStrategy: false } });
}

export type RawRedis = ReturnType<typeof newClient>;

/**
 * A cache `version` no other run uses: every key the cache writes contains it (`<ns>:<version>:…`,
 * `nest-perf:<version>:…`), so parallel suites never collide and cleanup can find them all.
 */
export function uniqueVersion(): string {
  return `v${randomBytes(8).toString('hex')}`;
}

/** A plain client for looking at what the cache wrote; fails loudly when Redis is missing. */
export async function rawRedis(url = TEST_REDIS_URL): Promise<RawRedis> {
  const client = newClient(url);
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    destroyQuietly(client);
    throw new Error(
      `The cache end-to-end tests need Redis at ${url} (set TEST_REDIS_URL to use another; ` +
        `\`node scripts/ensure-services.mjs\` starts it): ${(error as Error).message}`,
      { cause: error },
    );
  }
  return client;
}

/** Drops a raw client's connection at once, whatever state it is in. */
export function destroyQuietly(client: RawRedis): void {
  try {
    client.destroy();
  } catch {
    // already closed
  }
}

/** Keys matching `match`, found with SCAN (never KEYS: the server is shared). */
export async function scanKeys(client: RawRedis, match: string): Promise<string[]> {
  const found: string[] = [];
  for await (const keys of client.scanIterator({ MATCH: match, COUNT: 1000 })) found.push(...keys);
  return found.sort();
}

/** Deletes what a test wrote: SCAN MATCH + UNLINK on the test's own prefix. */
export async function unlinkMatching(client: RawRedis, match: string): Promise<number> {
  const keys = await scanKeys(client, match);
  if (keys.length > 0) await client.unlink(keys);
  return keys.length;
}

/** Every key a cache with this version wrote (data keys and version keys), wherever prefixed. */
export function versionMatch(version: string): string {
  return `*${version}*`;
}

/** What {@link useRedisScope} gives a cache suite: the shared Redis and the current test's run. */
export interface RedisScope {
  /** A raw client on the shared Redis, for looking at what the cache wrote; open for the file. */
  readonly redis: RawRedis;
  /** The current test's cache `version` ({@link uniqueVersion}): a new one before each test. */
  readonly version: string;
  /** Closes `app` after the current test, before its keys are deleted; returns `app`. */
  track<T extends INestApplication>(app: T): T;
  /** Runs `dispose` after the current test, once its apps are closed and before its keys go. */
  afterApps(dispose: () => Promise<unknown>): void;
}

/**
 * Registers the lifecycle every suite on the shared Redis needs: a raw client for the file, a
 * fresh cache version for each test, and after each test its apps closed and every key written
 * under its version unlinked. Call it at the top of the `describe` block, before hooks of its own
 * (they run after these, and see the new version).
 *
 * @example
 * const scope = useRedisScope();
 * // in a test (or a beforeEach after this call):
 * const app = scope.track(await bootApp(fixtureWith(scope.version)));
 * expect(await scope.redis.exists(`items:${scope.version}:item:1`)).toBe(1);
 */
export function useRedisScope(): RedisScope {
  let redis: RawRedis | undefined;
  let version: string | undefined;
  const apps: INestApplication[] = [];
  const disposers: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    redis = await rawRedis();
  });

  beforeEach(() => {
    version = uniqueVersion();
  });

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await Promise.all(disposers.splice(0).map((dispose) => dispose()));
    if (redis && version) await unlinkMatching(redis, versionMatch(version));
  });

  afterAll(async () => {
    await redis?.close();
  });

  return {
    get redis() {
      if (!redis) throw new Error('useRedisScope: the Redis client is connected in beforeAll');
      return redis;
    },
    get version() {
      if (!version) throw new Error('useRedisScope: the version is set in beforeEach');
      return version;
    },
    track(app) {
      apps.push(app);
      return app;
    },
    afterApps(dispose) {
      disposers.push(dispose);
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `check` returns a truthy value (returned), or throws after `timeoutMs`. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  what: string,
  { timeoutMs = 10_000, intervalMs = 20 } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what} (last: ${String(last)})`,
      );
    }
    await sleep(intervalMs);
  }
}

/** Compiles and initialises one Nest app (no HTTP listener) from a fixture module's metadata. */
export async function bootApp(metadata: ModuleMetadata): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

/**
 * A redis-server of this test file's own, to stop and restart at will. Data lives in a private
 * directory: `stop({ save: true })` writes it out so a restart comes back with the same keys.
 */
export class PrivateRedis {
  private process: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'nest-perf-redis-'));

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const server = new PrivateRedis(await freePort());
    await server.start();
    return server;
  }

  get running(): boolean {
    return this.process !== undefined;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        this.dir,
      ],
      { stdio: 'ignore' },
    );
    let failed: Error | undefined;
    child.on('error', (error) => (failed = error));
    this.process = child;
    await waitFor(
      async () => {
        if (failed) throw new Error(`cannot run redis-server: ${failed.message}`);
        const client = await rawRedis(this.url);
        try {
          return (await client.ping()) === 'PONG';
        } finally {
          destroyQuietly(client);
        }
      },
      `redis-server on port ${this.port}`,
      { timeoutMs: 10_000, intervalMs: 50 },
    );
  }

  /** Stops the server; with `save`, the dataset survives into the next `start()`. */
  async stop({ save = false } = {}): Promise<void> {
    const child = this.process;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    if (save) {
      const client = await rawRedis(this.url);
      await client.sendCommand(['SHUTDOWN', 'SAVE']).catch(() => undefined);
      destroyQuietly(client);
    } else {
      child.kill('SIGKILL');
    }
    await exited;
    this.process = undefined;
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
