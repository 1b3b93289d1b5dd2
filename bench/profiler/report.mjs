// Markdown helpers (the cache benchmark's) and this benchmark's machine / versions header.
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, BENCH_DB_URL, require } from './shared.mjs';

export { table, fmtInt, fmtNs, fmtRatio, check, targetLine } from '../cache/report.mjs';

const PACKAGES = [
  ['@nest-perf/profiler', 'libs/profiler/package.json'],
  ['@nest-perf/core', 'libs/core/package.json'],
  ['typeorm'],
  ['@nestjs/core'],
  ['pg'],
  ['better-sqlite3'],
  ['@opentelemetry/api'],
  ['@opentelemetry/sdk-trace-base'],
  ['@opentelemetry/sdk-trace-node'],
  ['@opentelemetry/instrumentation'],
  ['@opentelemetry/instrumentation-typeorm'],
  ['autocannon'],
  ['mitata'],
];

export function version(name, path) {
  try {
    const file = join(ROOT, path ?? `node_modules/${name}/package.json`);
    return JSON.parse(readFileSync(file, 'utf8')).version;
  } catch {
    return 'not installed';
  }
}

async function postgresVersion() {
  const pg = require('pg');
  const client = new pg.Client({ connectionString: BENCH_DB_URL });
  try {
    await client.connect();
    const { rows } = await client.query('SHOW server_version');
    return `PostgreSQL ${rows[0].server_version}`;
  } catch (err) {
    return `PostgreSQL unreachable (${err.message})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function machineMarkdown() {
  const cpus = os.cpus();
  const db = new URL(BENCH_DB_URL);
  return [
    `- machine: ${cpus[0]?.model?.trim() ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.platform()} ${os.release()}`,
    `- runtime: Node ${process.version} (${process.execArgv.join(' ') || 'no flags'})`,
    `- database: ${await postgresVersion()} at ${db.host}${db.pathname} (loopback)`,
    `- date: ${new Date().toISOString()}`,
    `- packages: ${PACKAGES.map(([n, p]) => `${n} ${version(n, p)}`).join(', ')}`,
  ].join('\n');
}

/** `{ ok, text, measured }` → the target line; `ok` null/undefined = not measured. */
export const target = (ok, text, measured) => ({ ok, text, measured });
