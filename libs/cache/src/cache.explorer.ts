import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import { CACHE_HANDLERS, CACHE_METHOD_METADATA } from './cache.constants';
import { buildHandler } from './cache.handlers';
import { PerfCacheService } from './cache.service';
import type { CacheHandler, CacheMethodRecord } from './decorators/method-record';

/**
 * Finds `@Cached` / `@InvalidateCache` methods on every provider and controller at module init
 * and installs their handlers, which use the injected {@link PerfCacheService}.
 * @internal
 */
@Injectable()
export class CacheExplorer implements OnModuleInit {
  private readonly logger = new Logger('PerfCache');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly cache: PerfCacheService,
  ) {}

  onModuleInit(): void {
    const seen = new WeakSet<object>();
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      for (const instance of this.instancesOf(wrapper)) {
        if (seen.has(instance)) continue;
        seen.add(instance);
        this.install(wrapper, instance);
      }
    }
  }

  private instancesOf(wrapper: InstanceWrapper): object[] {
    if (wrapper.isTransient) {
      return wrapper
        .getStaticTransientInstances()
        .map((holder) => holder?.instance as unknown)
        .filter((i): i is object => typeof i === 'object' && i !== null);
    }
    const instance = wrapper.instance as unknown;
    return typeof instance === 'object' && instance !== null ? [instance] : [];
  }

  private install(wrapper: InstanceWrapper, instance: object): void {
    const prototype = Object.getPrototypeOf(instance) as object | null;
    if (prototype === null) return;
    const records: CacheMethodRecord[] = [];
    for (const name of this.scanner.getAllMethodNames(prototype)) {
      const record = Reflect.getMetadata(CACHE_METHOD_METADATA, prototype, name) as
        CacheMethodRecord | undefined;
      if (record !== undefined) records.push(record);
    }
    if (records.length === 0) return;
    const className = instance.constructor.name;
    if (!wrapper.isDependencyTreeStatic()) {
      this.logger.warn(
        `${className} is request-scoped (or depends on a request-scoped provider): ` +
          `${records.map((r) => r.methodName).join(', ')} will run uncached. ` +
          'Move cached methods to a singleton provider.',
      );
      return;
    }
    const handlers: Record<string, CacheHandler> = Object.create(null) as Record<
      string,
      CacheHandler
    >;
    for (const record of records) {
      const returnsPromise =
        Reflect.getMetadata('design:returntype', prototype, record.methodName) === Promise;
      handlers[record.methodName] = buildHandler(this.cache, record, className, returnsPromise);
    }
    Object.defineProperty(instance, CACHE_HANDLERS, { value: handlers, configurable: true });
  }
}
