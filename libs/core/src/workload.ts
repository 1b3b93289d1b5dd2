/**
 * The workload file (`workload.json`): the statements an application ran, one entry per
 * fingerprint. Written by @nest-perf/profiler, read by @nest-perf/index-advisor.
 *
 * @example
 * { "version": 1, "dialect": "postgres", "queries": [
 *   { "fingerprint": "9f2c61d0a4b3e871", "sql": "SELECT ... WHERE \"userId\" = $1", "calls": 120,
 *     "totalMs": 84.2, "meanMs": 0.7 } ] }
 */
export interface Workload {
  version: typeof WORKLOAD_VERSION;
  dialect: WorkloadDialect;
  queries: WorkloadQuery[];
}

/** The SQL dialects a workload can hold. */
export type WorkloadDialect = 'postgres' | 'mysql' | 'sqlite';

/** One normalized statement of a workload. */
export interface WorkloadQuery {
  /** Stable id of the normalized statement (16 hex digits). */
  fingerprint: string;
  /** The normalized statement: literals replaced by placeholders (`$1` on Postgres, `?` elsewhere). */
  sql: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  /** One set of values for the placeholders, present only when parameters were captured. */
  sampleParams?: unknown[];
}

/** The workload format version this code reads and writes. */
export const WORKLOAD_VERSION = 1;

const DIALECTS: readonly WorkloadDialect[] = ['postgres', 'mysql', 'sqlite'];

/** Thrown by {@link parseWorkload}; `problems` lists everything wrong with the input. */
export class InvalidWorkloadError extends Error {
  override readonly name = 'InvalidWorkloadError';

  constructor(
    readonly problems: string[],
    source = 'workload',
  ) {
    super(
      `${source} is not a valid nest-perf workload (format version ${WORKLOAD_VERSION}):\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
  }
}

/**
 * Checks a parsed workload and returns it typed; throws {@link InvalidWorkloadError} listing every
 * problem (at most 20 entries are itemized) otherwise. `source` names the input in the message.
 */
export function parseWorkload(input: unknown, source?: string): Workload {
  const problems: string[] = [];
  if (!isObject(input)) throw new InvalidWorkloadError(['expected a JSON object'], source);
  if (input.version !== WORKLOAD_VERSION) {
    problems.push(
      `version: expected ${WORKLOAD_VERSION}, got ${JSON.stringify(input.version)}` +
        ' (written by another version of @nest-perf/profiler?)',
    );
  }
  if (!DIALECTS.includes(input.dialect as WorkloadDialect)) {
    problems.push(
      `dialect: expected one of ${DIALECTS.join(', ')}, got ${JSON.stringify(input.dialect)}`,
    );
  }
  if (!Array.isArray(input.queries)) {
    problems.push('queries: expected an array');
  } else {
    input.queries.forEach((query: unknown, i: number) =>
      checkQuery(query, `queries[${i}]`, problems),
    );
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 20);
    if (problems.length > 20) shown.push(`... and ${problems.length - 20} more`);
    throw new InvalidWorkloadError(shown, source);
  }
  return input as unknown as Workload;
}

function checkQuery(query: unknown, at: string, problems: string[]): void {
  if (!isObject(query)) {
    problems.push(`${at}: expected an object`);
    return;
  }
  if (typeof query.fingerprint !== 'string' || !/^[0-9a-f]{16}$/.test(query.fingerprint)) {
    problems.push(`${at}.fingerprint: expected 16 lower-case hex digits`);
  }
  if (typeof query.sql !== 'string' || query.sql.trim() === '') {
    problems.push(`${at}.sql: expected a non-empty string`);
  }
  if (!Number.isInteger(query.calls) || (query.calls as number) < 1) {
    problems.push(`${at}.calls: expected an integer >= 1`);
  }
  for (const field of ['totalMs', 'meanMs'] as const) {
    const value = query[field];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      problems.push(`${at}.${field}: expected a finite number >= 0`);
    }
  }
  if (query.sampleParams !== undefined && !Array.isArray(query.sampleParams)) {
    problems.push(`${at}.sampleParams: expected an array when present`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
