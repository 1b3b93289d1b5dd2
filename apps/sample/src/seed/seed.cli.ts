/**
 * `npm run seed -- --users N --tasks M [--seed S]`: replaces the sample data in the database
 * named by DATABASE_URL (default ./data/sample.sqlite) with a generated dataset.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/app-config';
import { openDatabase } from '../database/database';
import { seedDatabase } from './seed';

const USAGE = 'usage: npm run seed -- --users <N> --tasks <M> [--seed <S>] [--verbose]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      users: { type: 'string', default: '200' },
      tasks: { type: 'string', default: '20000' },
      seed: { type: 'string', default: '42' },
      verbose: { type: 'boolean', short: 'v', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    console.log(
      `${USAGE}\n\nReplaces the sample data in DATABASE_URL (default ./data/sample.sqlite) with ` +
        'a generated dataset: the same --seed gives the same rows. Defaults: --users 200 --tasks 20000 --seed 42.',
    );
    return;
  }
  const users = count('--users', values.users, 1);
  const tasks = count('--tasks', values.tasks, 0);
  const seed = count('--seed', values.seed, 0);

  const config = loadConfig();
  const dataSource = await openDatabase(config.database);
  try {
    console.log(`Replacing the sample data in ${config.database.display} (seed ${seed}) ...`);
    const started = performance.now();
    const counts = await seedDatabase(
      dataSource,
      { users, tasks, seed },
      values.verbose ? console.log : undefined,
    );
    const seconds = (performance.now() - started) / 1000;
    const rows = Object.entries(counts)
      .map(([table, n]) => `${n.toLocaleString('en-US')} ${table}`)
      .join(', ');
    console.log(`Seeded ${rows} in ${seconds.toFixed(1)} s.`);
  } finally {
    await dataSource.destroy();
  }
}

function count(flag: string, raw: string | undefined, min: number): number {
  const n = /^\d+$/.test(raw ?? '') ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`${flag}: '${raw}' is not an integer >= ${min}\n${USAGE}`);
  }
  return n;
}

class UsageError extends Error {}

main().catch((error: unknown) => {
  const known =
    error instanceof Error && ['ConfigError', 'DatabaseUnavailableError'].includes(error.name);
  const usage =
    error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  console.error(
    known || usage
      ? (error as Error).message + (usage && !(error instanceof UsageError) ? `\n${USAGE}` : '')
      : error,
  );
  process.exit(1);
});
