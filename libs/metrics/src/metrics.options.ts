import { describeValue as describe, isDuration, parseDuration } from '@nest-perf/core';
import type { CanActivate, Type } from '@nestjs/common';
import type { Registry } from 'prom-client';
import type {
  PerformanceModuleOptions,
  PerformanceTargets,
} from './interfaces/performance-module-options.interface';
import { PerformanceOptionsError } from './metrics.errors';

/** @internal Options with defaults applied. */
export interface ResolvedPerformanceOptions {
  enabled: boolean;
  guard: Type<CanActivate> | undefined;
  targets: Required<PerformanceTargets>;
  prometheus:
    { defaultMetrics: boolean; registry: Registry | undefined; buckets: number[] } | undefined;
  http: boolean;
  refreshMs: number;
}

/** The defaults of {@link PerformanceTargets}. */
export const DEFAULT_TARGETS: Required<PerformanceTargets> = {
  p95Ms: 500,
  cacheHitRate: 0.6,
  nPlusOne: 0,
  slowQueries: 0,
};

/** Seconds: 1 ms to 10 s, the range of web request latencies. @internal */
export const DEFAULT_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

const KNOWN = ['path', 'enabled', 'guard', 'targets', 'prometheus', 'http', 'refreshInterval'];
const KNOWN_PROMETHEUS = ['path', 'defaultMetrics', 'registry', 'buckets'];
const PATH = /^[A-Za-z0-9._~-]+(?:\/[A-Za-z0-9._~-]+)*$/;

/**
 * Checks a route path option (`'performance'`, `'ops/perf'`; slashes at either end are dropped).
 * @internal
 */
export function normalizePath(value: unknown, name: string, problems: string[]): string {
  if (typeof value !== 'string') {
    problems.push(`${name} must be a path such as 'performance' (got ${describe(value)})`);
    return '';
  }
  const path = value.replace(/^\/+|\/+$/g, '');
  if (!PATH.test(path)) {
    problems.push(
      `${name} must be a non-empty path of letters, digits and - . _ ~ separated by / ` +
        `(got ${describe(value)})`,
    );
  }
  return path;
}

/**
 * Applies defaults and validates, collecting every problem into one error. `env` is
 * `process.env.NODE_ENV` (a parameter so tests need not change the process's environment).
 * @internal
 */
export function resolvePerformanceOptions(
  options: PerformanceModuleOptions | undefined,
  env: string | undefined = process.env.NODE_ENV,
): ResolvedPerformanceOptions {
  const o = options ?? {};
  if (typeof o !== 'object' || Array.isArray(o)) {
    throw new PerformanceOptionsError([`options must be an object (got ${describe(o)})`]);
  }
  const problems: string[] = [];
  unknownKeys(o, KNOWN, '', problems);
  const flag = (value: unknown, name: string, fallback: boolean): boolean => {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean')
      problems.push(`${name} must be true or false (got ${describe(value)})`);
    return value === true;
  };
  if (o.path !== undefined) normalizePath(o.path, 'path', problems);
  if (o.guard !== undefined && typeof o.guard !== 'function') {
    problems.push(`guard must be a guard class (got ${describe(o.guard)})`);
  }
  const enabled = flag(o.enabled, 'enabled', env !== 'production' || o.guard !== undefined);
  const targets = resolveTargets(o.targets, problems);
  const http = flag(o.http, 'http', true);

  let prometheus: ResolvedPerformanceOptions['prometheus'];
  const p = o.prometheus ?? true;
  if (p === true) {
    prometheus = { defaultMetrics: false, registry: undefined, buckets: DEFAULT_BUCKETS };
  } else if (p !== false) {
    if (typeof p !== 'object' || Array.isArray(p)) {
      problems.push(`prometheus must be true, false or an object (got ${describe(p)})`);
    } else {
      unknownKeys(p, KNOWN_PROMETHEUS, 'prometheus.', problems);
      if (p.path !== undefined) normalizePath(p.path, 'prometheus.path', problems);
      const registry = p.registry;
      if (registry !== undefined && typeof registry?.metrics !== 'function') {
        problems.push(
          `prometheus.registry must be a prom-client Registry (got ${describe(registry)})`,
        );
      }
      const buckets = p.buckets ?? DEFAULT_BUCKETS;
      const ascending =
        Array.isArray(buckets) &&
        buckets.length > 0 &&
        buckets.every(
          (b, i) =>
            typeof b === 'number' && b > 0 && Number.isFinite(b) && (i === 0 || b > buckets[i - 1]),
        );
      if (!ascending) {
        problems.push(
          `prometheus.buckets must be increasing positive numbers of seconds (got ${describe(buckets)})`,
        );
      }
      prometheus = {
        defaultMetrics: flag(p.defaultMetrics, 'prometheus.defaultMetrics', false),
        registry,
        buckets,
      };
    }
  }

  let refreshMs = 5000;
  if (o.refreshInterval !== undefined) {
    if (!isDuration(o.refreshInterval) || parseDuration(o.refreshInterval) < 500) {
      problems.push(
        `refreshInterval must be a duration of at least 500 ms such as '5s' (got ${describe(o.refreshInterval)})`,
      );
    } else {
      refreshMs = parseDuration(o.refreshInterval);
    }
  }
  if (problems.length > 0) throw new PerformanceOptionsError(problems);
  return { enabled, guard: o.guard, targets, prometheus, http, refreshMs };
}

function resolveTargets(value: unknown, problems: string[]): Required<PerformanceTargets> {
  if (value === undefined) return { ...DEFAULT_TARGETS };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(`targets must be an object (got ${describe(value)})`);
    return { ...DEFAULT_TARGETS };
  }
  const t = value as PerformanceTargets;
  unknownKeys(t, Object.keys(DEFAULT_TARGETS), 'targets.', problems);
  const number = (name: keyof PerformanceTargets, ok: (n: number) => boolean, rule: string) => {
    const n = t[name];
    if (n === undefined) return DEFAULT_TARGETS[name];
    if (typeof n !== 'number' || !Number.isFinite(n) || !ok(n)) {
      problems.push(`targets.${name} must be ${rule} (got ${describe(n)})`);
    }
    return n;
  };
  return {
    p95Ms: number('p95Ms', (n) => n > 0, 'a number of ms > 0'),
    cacheHitRate: number('cacheHitRate', (n) => n >= 0 && n <= 1, 'a number from 0 to 1'),
    nPlusOne: number('nPlusOne', (n) => Number.isInteger(n) && n >= 0, 'an integer >= 0'),
    slowQueries: number('slowQueries', (n) => Number.isInteger(n) && n >= 0, 'an integer >= 0'),
  };
}

function unknownKeys(o: object, known: string[], prefix: string, problems: string[]): void {
  for (const key of Object.keys(o)) {
    if (key === 'isGlobal' && prefix === '') continue;
    if (!known.includes(key)) {
      problems.push(
        `unknown option '${prefix}${key}' (known: ${known.map((k) => prefix + k).join(', ')})`,
      );
    }
  }
}
