import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { DatabaseConfig } from '../../apps/sample/src/config/app-config';
import { parseDatabaseUrl } from '../../apps/sample/src/config/app-config';

/** The Postgres the tests use; each test file gets its own database on it. */
export const TEST_POSTGRES_URL =
  process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

/** Databases the sample app's end-to-end suites run against (describe.each). */
export const DIALECTS = ['sqlite', 'postgres'] as const;
export type Dialect = (typeof DIALECTS)[number];

/** A fresh, empty database of one dialect, and how to throw it away. */
export interface ScratchDatabase {
  config: DatabaseConfig;
  drop(): Promise<void>;
}

export const E2E_DATABASE_PREFIX = 'np_e2e_';

export async function scratchDatabase(dialect: Dialect): Promise<ScratchDatabase> {
  return dialect === 'sqlite' ? scratchSqlite() : scratchPostgres();
}

function scratchSqlite(): ScratchDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'nest-perf-e2e-'));
  const config = parse(join(dir, 'sample.sqlite'));
  return { config, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

async function scratchPostgres(): Promise<ScratchDatabase> {
  // The creation time in the name lets global setup drop databases a crashed run left behind.
  const name = `${E2E_DATABASE_PREFIX}${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    config: parse(url.toString()),
    drop: async () => {
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

/** Runs one statement on the server's maintenance database. */
export async function adminQuery(sql: string): Promise<Record<string, unknown>[]> {
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString(), connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

function parse(raw: string): DatabaseConfig {
  const problems: string[] = [];
  const config = parseDatabaseUrl(raw, problems);
  if (!config) throw new Error(problems.join('; '));
  return config;
}
