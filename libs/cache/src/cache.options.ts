import { describeValue as describe, isDuration, parseDuration, TTL } from '@nest-perf/core';
import type { Duration } from '@nest-perf/core';
import { PerfCacheOptionsError } from './cache.errors';
import type {
  L2Options,
  PerfCacheModuleOptions,
} from './interfaces/cache-module-options.interface';

/** @internal Options with defaults applied and durations in ms. */
export interface ResolvedCacheOptions {
  l1: { maxEntries: number; maxBytes: number | undefined; maxTtlMs: number | undefined } | false;
  l2: L2Options | undefined;
  l2Timeouts: {
    timeoutMs: number;
    failureThreshold: number;
    cooldownMs: number;
    versionCheckMs: number;
    connectTimeoutMs: number;
    bus: boolean;
  };
  defaultTtlMs: number;
  version: string;
  jitter: number;
  graceMs: number;
  maxValueBytes: number;
  maxKeyLength: number;
}

const VERSION_PATTERN = /^[A-Za-z0-9_.-]{1,32}$/;

/**
 * Applies defaults and validates, collecting every problem into one error.
 * @internal
 */
export function resolveCacheOptions(
  options: PerfCacheModuleOptions | undefined,
): ResolvedCacheOptions {
  const o = options ?? {};
  const problems: string[] = [];
  const known = [
    'l1',
    'l2',
    'defaultTtl',
    'version',
    'jitter',
    'grace',
    'maxValueBytes',
    'maxKeyLength',
    'isGlobal',
  ];
  if (typeof o !== 'object' || Array.isArray(o)) {
    throw new PerfCacheOptionsError([`options must be an object (got ${describe(o)})`]);
  }
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) problems.push(`unknown option '${key}' (known: ${known.join(', ')})`);
  }

  const duration = (
    value: Duration | undefined,
    name: string,
    fallback: number,
    min = 0,
  ): number => {
    if (value === undefined) return fallback;
    if (!isDuration(value)) {
      problems.push(
        `${name} must be milliseconds or a string like '30s', '5m' (got ${describe(value)})`,
      );
      return fallback;
    }
    const ms = parseDuration(value);
    if (ms < min) problems.push(`${name} must be >= ${min} ms (got ${describe(value)})`);
    return ms;
  };
  const integer = (value: unknown, name: string, fallback: number, min: number): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      problems.push(`${name} must be an integer >= ${min} (got ${describe(value)})`);
      return fallback;
    }
    return value;
  };

  let l1: ResolvedCacheOptions['l1'] = {
    maxEntries: 10_000,
    maxBytes: undefined,
    maxTtlMs: undefined,
  };
  if (o.l1 === false) l1 = false;
  else if (o.l1 !== undefined) {
    if (typeof o.l1 !== 'object' || o.l1 === null) {
      problems.push(`l1 must be an object or false (got ${describe(o.l1)})`);
    } else {
      l1 = {
        maxEntries: integer(o.l1.maxEntries, 'l1.maxEntries', 10_000, 1),
        maxBytes:
          o.l1.maxBytes === undefined ? undefined : integer(o.l1.maxBytes, 'l1.maxBytes', 0, 1),
        maxTtlMs: o.l1.maxTtl === undefined ? undefined : duration(o.l1.maxTtl, 'l1.maxTtl', 0, 1),
      };
    }
  }

  const l2 = o.l2;
  const timeouts = {
    timeoutMs: 100,
    failureThreshold: 5,
    cooldownMs: 10_000,
    versionCheckMs: 1_000,
    connectTimeoutMs: 2_000,
    bus: true,
  };
  if (l2 !== undefined) {
    if (typeof l2 !== 'object' || l2 === null) {
      problems.push(
        `l2 must be an object such as { url: 'redis://127.0.0.1:6379' } (got ${describe(l2)})`,
      );
    } else {
      const kinds = ['url', 'cluster', 'keyv', 'cacheManager'].filter((k) => k in l2);
      if (kinds.length !== 1) {
        problems.push(
          `l2 needs exactly one of url, cluster, keyv, cacheManager (got ${kinds.length ? kinds.join(', ') : 'none'})`,
        );
      }
      if ('url' in l2) checkRedisUrl(l2.url, 'l2.url', problems);
      if ('cluster' in l2) {
        const nodes = l2.cluster?.rootNodes;
        if (!Array.isArray(nodes) || nodes.length === 0) {
          problems.push('l2.cluster.rootNodes must be a non-empty array of { url }');
        } else
          nodes.forEach((n, i) =>
            checkRedisUrl(n?.url, `l2.cluster.rootNodes[${i}].url`, problems),
          );
      }
      if ('keyv' in l2 && !hasMethods(l2.keyv, ['get', 'set', 'delete'])) {
        problems.push('l2.keyv must be a Keyv instance (with get, set, delete)');
      }
      if ('cacheManager' in l2 && !hasMethods(l2.cacheManager, ['get', 'set', 'del'])) {
        problems.push(
          'l2.cacheManager must be a cache-manager Cache (inject CACHE_MANAGER from @nestjs/cache-manager)',
        );
      }
      timeouts.timeoutMs = duration(l2.timeout, 'l2.timeout', 100, 1);
      timeouts.failureThreshold = integer(l2.failureThreshold, 'l2.failureThreshold', 5, 1);
      timeouts.cooldownMs = duration(l2.cooldown, 'l2.cooldown', 10_000, 1);
      timeouts.versionCheckMs = duration(l2.versionCheckInterval, 'l2.versionCheckInterval', 1_000);
      if ('bus' in l2 && l2.bus !== undefined) {
        if (typeof l2.bus !== 'boolean')
          problems.push(`l2.bus must be a boolean (got ${describe(l2.bus)})`);
        else timeouts.bus = l2.bus;
      }
      if ('connectTimeout' in l2) {
        timeouts.connectTimeoutMs = duration(l2.connectTimeout, 'l2.connectTimeout', 2_000, 1);
      }
    }
  }

  const defaultTtlMs = duration(o.defaultTtl, 'defaultTtl', parseDuration(TTL.MEDIUM), 1);
  const version = o.version ?? 'v1';
  if (typeof version !== 'string' || !VERSION_PATTERN.test(version)) {
    problems.push(
      `version must be 1-32 characters of A-Z a-z 0-9 _ . - (got ${describe(version)})`,
    );
  }
  const jitter = o.jitter ?? 0.1;
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter < 1)) {
    problems.push(
      `jitter must be a fraction in [0, 1), e.g. 0.1 for +-10% (got ${describe(jitter)})`,
    );
  }
  const graceMs = duration(o.grace, 'grace', 0);
  const maxValueBytes = integer(o.maxValueBytes, 'maxValueBytes', 1_048_576, 1);
  const maxKeyLength = integer(o.maxKeyLength, 'maxKeyLength', 200, 64);

  if (problems.length > 0) throw new PerfCacheOptionsError(problems);
  return {
    l1,
    l2,
    l2Timeouts: timeouts,
    defaultTtlMs,
    version,
    jitter,
    graceMs,
    maxValueBytes,
    maxKeyLength,
  };
}

function checkRedisUrl(url: unknown, name: string, problems: string[]): void {
  if (typeof url !== 'string') {
    problems.push(`${name} must be a string like 'redis://127.0.0.1:6379' (got ${describe(url)})`);
    return;
  }
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
      problems.push(`${name} must start with redis:// or rediss:// (got '${parsed.protocol}//')`);
    }
  } catch {
    problems.push(`${name} is not a URL (expected 'redis://host:port')`);
  }
}

function hasMethods(value: unknown, names: string[]): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    names.every((n) => typeof (value as Record<string, unknown>)[n] === 'function')
  );
}
