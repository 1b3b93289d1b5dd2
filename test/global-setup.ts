import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { adminQuery, E2E_DATABASE_PREFIX, TEST_POSTGRES_URL } from './support/databases';

/**
 * Before the end-to-end suites: fail loudly when Postgres is missing (npm test's pretest step
 * starts it; a bare `jest` does not), drop scratch databases that crashed runs left behind, and
 * bring dist/ up to date for the tests that start the built app as users do.
 */
export default async function globalSetup(): Promise<void> {
  let stale: Record<string, unknown>[];
  try {
    stale = await adminQuery(
      `SELECT datname FROM pg_database WHERE datname LIKE '${E2E_DATABASE_PREFIX}%'`,
    );
  } catch (error) {
    throw new Error(
      `End-to-end tests need Postgres at ${TEST_POSTGRES_URL.replace(/:[^:@/]*@/, ':***@')} ` +
        `(set TEST_DATABASE_URL to use another): ${(error as Error).message}. ` +
        'Run `node scripts/ensure-services.mjs` (npm test does) to start it.',
      { cause: error },
    );
  }
  const hourAgo = Date.now() / 1000 - 3600;
  for (const { datname } of stale) {
    const created = Number(String(datname).slice(E2E_DATABASE_PREFIX.length).split('_')[0]);
    if (created < hourAgo)
      await adminQuery(`DROP DATABASE IF EXISTS "${String(datname)}" WITH (FORCE)`);
  }
  const build = spawnSync(process.execPath, [join(__dirname, '..', 'scripts', 'build.mjs')], {
    encoding: 'utf8',
  });
  if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}${build.stderr}`);
}
