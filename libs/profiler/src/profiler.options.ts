import { describeValue as describe, isDuration, parseDuration } from '@nest-perf/core';
import type { Duration } from '@nest-perf/core';
import type { DataSource } from 'typeorm';
import { QueryProfilerOptionsError } from './profiler.errors';
import type { NPlusOneMode, QueryProfilerOptions } from './interfaces/profiler-options.interface';

/** @internal Options with defaults applied and durations in ms. */
export interface ResolvedProfilerOptions {
  enabled: boolean;
  slowQueryMs: number;
  slowQueryBuffer: number;
  captureParams: boolean;
  explainSlowQueries: boolean;
  maxFingerprints: number;
  nPlusOne: { threshold: number; mode: NPlusOneMode; intervalMs: number; maxReports: number };
  serverTiming: boolean;
  dataSources: DataSource[] | undefined;
  workloadFile: { path: string; intervalMs: number | undefined } | undefined;
}

const KNOWN = [
  'enabled',
  'slowQueryMs',
  'slowQueryBuffer',
  'captureParams',
  'explainSlowQueries',
  'maxFingerprints',
  'nPlusOne',
  'serverTiming',
  'dataSources',
  'workloadFile',
  'isGlobal',
];
const MODES: NPlusOneMode[] = ['warn', 'throw', 'off'];

/**
 * Applies defaults and validates, collecting every problem into one error.
 * @internal
 */
export function resolveProfilerOptions(
  options: QueryProfilerOptions | undefined,
): ResolvedProfilerOptions {
  const o = (options ?? {}) as QueryProfilerOptions;
  if (typeof o !== 'object' || Array.isArray(o)) {
    throw new QueryProfilerOptionsError([`options must be an object (got ${describe(o)})`]);
  }
  const problems: string[] = [];
  for (const key of Object.keys(o)) {
    if (!KNOWN.includes(key)) problems.push(`unknown option '${key}' (known: ${KNOWN.join(', ')})`);
  }
  const duration = (value: Duration | undefined, name: string, fallback: number): number => {
    if (value === undefined) return fallback;
    if (!isDuration(value)) {
      problems.push(
        `${name} must be a duration such as 100, '250ms' or '1s' (got ${describe(value)})`,
      );
      return fallback;
    }
    return parseDuration(value);
  };
  const integer = (value: unknown, name: string, fallback: number, min: number): number => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || (value as number) < min) {
      problems.push(`${name} must be an integer >= ${min} (got ${describe(value)})`);
      return fallback;
    }
    return value as number;
  };
  const flag = (value: unknown, name: string, fallback: boolean): boolean => {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') {
      problems.push(`${name} must be true or false (got ${describe(value)})`);
      return fallback;
    }
    return value;
  };

  const n = o.nPlusOne ?? {};
  if (typeof n !== 'object' || Array.isArray(n)) {
    problems.push(`nPlusOne must be an object such as { threshold: 5 } (got ${describe(n)})`);
  }
  const mode = (n as { mode?: unknown }).mode ?? 'warn';
  if (!MODES.includes(mode as NPlusOneMode)) {
    problems.push(
      `nPlusOne.mode must be one of ${MODES.map((m) => `'${m}'`).join(', ')} (got ${describe(mode)})`,
    );
  }
  if (o.dataSources !== undefined) {
    const ok =
      Array.isArray(o.dataSources) &&
      o.dataSources.every(
        (d) => typeof (d as { createQueryRunner?: unknown })?.createQueryRunner === 'function',
      );
    if (!ok) problems.push('dataSources must be an array of TypeORM DataSource instances');
  }
  let workloadFile: ResolvedProfilerOptions['workloadFile'];
  if (o.workloadFile !== undefined) {
    const w = o.workloadFile as { path?: unknown; interval?: Duration };
    if (typeof w !== 'object' || w === null || typeof w.path !== 'string' || w.path.trim() === '') {
      problems.push(
        `workloadFile must be { path: 'workload.json', interval?: '5m' } (got ${describe(o.workloadFile)})`,
      );
    } else {
      const intervalMs =
        w.interval === undefined ? undefined : duration(w.interval, 'workloadFile.interval', 0);
      if (intervalMs !== undefined && intervalMs < 1000 && problems.length === 0) {
        problems.push(`workloadFile.interval must be at least 1s (got ${describe(w.interval)})`);
      }
      workloadFile = { path: w.path, intervalMs };
    }
  }

  const resolved: ResolvedProfilerOptions = {
    enabled: flag(o.enabled, 'enabled', true),
    slowQueryMs: duration(o.slowQueryMs, 'slowQueryMs', 100),
    slowQueryBuffer: integer(o.slowQueryBuffer, 'slowQueryBuffer', 100, 1),
    captureParams: flag(o.captureParams, 'captureParams', false),
    explainSlowQueries: flag(o.explainSlowQueries, 'explainSlowQueries', false),
    maxFingerprints: integer(o.maxFingerprints, 'maxFingerprints', 2000, 1),
    nPlusOne: {
      threshold: integer((n as { threshold?: unknown }).threshold, 'nPlusOne.threshold', 5, 2),
      mode: mode as NPlusOneMode,
      intervalMs: duration((n as { interval?: Duration }).interval, 'nPlusOne.interval', 60_000),
      maxReports: integer(
        (n as { maxReports?: unknown }).maxReports,
        'nPlusOne.maxReports',
        500,
        1,
      ),
    },
    serverTiming: flag(o.serverTiming, 'serverTiming', true),
    dataSources: o.dataSources,
    workloadFile,
  };
  if (problems.length > 0) throw new QueryProfilerOptionsError(problems);
  return resolved;
}
