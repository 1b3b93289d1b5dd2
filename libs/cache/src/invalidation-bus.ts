import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { ResilientL2 } from './stores/resilient-l2';

/** @internal What one instance tells the others after an invalidation. */
export interface BusMessage {
  /** Exact keys: [namespace, key part] pairs. */
  k?: Array<[string, string]>;
  /** A pattern: [namespace, glob on the key part]. */
  p?: [string, string];
  /** Version keys (tags, namespaces) whose token changed: re-read before trusting them. */
  v?: string[];
}

/** @internal How the engine applies a message from another instance to its own L1. */
export interface BusHandlers {
  keys(namespace: string, keyParts: string[]): void;
  pattern(namespace: string, pattern: string): void;
  versions(keys: string[]): void;
}

/**
 * Tells the other app instances sharing Redis what this one invalidated, so their L1 copies go
 * at once instead of when they expire: exact keys and patterns are dropped from L1, changed
 * tag/namespace tokens are re-read on the next use. Redis pub/sub on a second connection; at
 * most once delivery, so L1 lifetimes (`l1.maxTtl`, the version check interval) remain the
 * bound when a message is lost.
 * @internal
 */
export class InvalidationBus {
  private readonly origin = randomBytes(8).toString('hex');
  private active = false;

  constructor(
    private readonly l2: ResilientL2,
    private readonly channel: string,
    private readonly handlers: BusHandlers,
    private readonly logger: Logger,
  ) {}

  /** Subscribes; resolves when listening, or after `timeoutMs` (it keeps trying meanwhile). */
  async start(timeoutMs: number): Promise<void> {
    const store = this.l2.store;
    if (store.subscribe === undefined) return;
    const subscribing = store
      .subscribe(this.channel, (message) => this.receive(message))
      .then(
        () => {
          this.active = true;
        },
        (error: unknown) => {
          this.logger.warn(
            `invalidation bus not started (${error instanceof Error ? error.message : String(error)}); ` +
              'other instances drop their L1 copies when they expire',
          );
        },
      );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      subscribing,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }

  /** Never fails the caller: a lost message only delays other instances (see above). */
  async publish(message: BusMessage): Promise<void> {
    if (!this.active || this.l2.store.publish === undefined) return;
    const text = JSON.stringify({ ...message, o: this.origin });
    await this.l2.run((s) => s.publish!(this.channel, text));
  }

  private receive(text: string): void {
    let message: BusMessage & { o?: string };
    try {
      message = JSON.parse(text) as BusMessage & { o?: string };
    } catch {
      return;
    }
    if (message.o === this.origin) return;
    try {
      if (Array.isArray(message.k)) {
        const byNamespace = new Map<string, string[]>();
        for (const [namespace, keyPart] of message.k) {
          const list = byNamespace.get(namespace) ?? [];
          list.push(keyPart);
          byNamespace.set(namespace, list);
        }
        for (const [namespace, keyParts] of byNamespace) this.handlers.keys(namespace, keyParts);
      }
      if (Array.isArray(message.p)) this.handlers.pattern(message.p[0], message.p[1]);
      if (Array.isArray(message.v)) this.handlers.versions(message.v);
    } catch (error) {
      this.logger.warn(
        `could not apply an invalidation from another instance: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}
