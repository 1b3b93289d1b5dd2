import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { WORKLOAD_VERSION } from '@nest-perf/core';
import type { Workload, WorkloadDialect } from '@nest-perf/core';
import { round } from './query-stats';
import type { FingerprintRow } from './query-stats';

/**
 * The workload (DESIGN.md format) of the rows of one dialect, largest total time first;
 * transaction control statements are left out.
 * @internal
 */
export function workloadOf(rows: FingerprintRow[], dialect: WorkloadDialect): Workload {
  const queries = rows
    .filter((row) => row.dialect === dialect && row.kind !== 'transaction' && row.count > 0)
    .sort((a, b) => b.totalMs - a.totalMs)
    .map((row) => ({
      fingerprint: row.id,
      sql: row.sql,
      calls: row.count,
      totalMs: round(row.totalMs),
      meanMs: round(row.totalMs / row.count),
      ...(row.sampleParams ? { sampleParams: row.sampleParams } : {}),
    }));
  return { version: WORKLOAD_VERSION, dialect, queries };
}

/**
 * Writes a workload to `path` atomically (temp file + rename, parent folders created), so a
 * reader never sees half a file; resolves to the absolute path.
 * @internal
 */
export async function writeWorkloadFile(path: string, workload: Workload): Promise<string> {
  const target = resolve(path);
  await mkdir(dirname(target), { recursive: true });
  const temp = `${target}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(workload, null, 2)}\n`);
  await rename(temp, target);
  return target;
}
