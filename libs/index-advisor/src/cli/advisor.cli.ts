#!/usr/bin/env node
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { InvalidWorkloadError, WORKLOAD_VERSION } from '@nest-perf/core';
import type { Workload } from '@nest-perf/core';
import type { DataSource } from 'typeorm';
import { adviseIndexes } from '../advise';
import { AdvisorError } from '../advisor.errors';
import { loadDataSource } from './load-data-source';

const USAGE = `Usage: nest-perf-advisor --data-source <file> (--workload <workload.json> | --from-pg-stat-statements)
                         [--out src/migrations] [--report index-advice.md] [--dry-run]
                         [--min-improvement 0.5] [--allow-real-what-if]

Proposes the indexes a recorded workload needs, checked with the Postgres planner (hypopg), and
writes a TypeORM migration plus a Markdown report. --dry-run prints both and writes nothing.
--allow-real-what-if builds what hypopg cannot simulate (GIN) for real inside rolled-back
transactions: that blocks writes to the table while it builds.`;

/** Runs the CLI; resolves to the exit code. @internal */
export async function main(
  argv: string[],
  log = console.log,
  fail = console.error,
): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        'data-source': { type: 'string', short: 'd' },
        workload: { type: 'string', short: 'w' },
        'from-pg-stat-statements': { type: 'boolean' },
        out: { type: 'string', default: 'src/migrations' },
        report: { type: 'string', default: 'index-advice.md' },
        'dry-run': { type: 'boolean' },
        'min-improvement': { type: 'string' },
        'allow-real-what-if': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (error) {
    fail(`nest-perf-advisor: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    log(USAGE);
    return 0;
  }
  const problems: string[] = [];
  if (!args['data-source']) problems.push('--data-source <file> is required');
  if (!args.workload === !args['from-pg-stat-statements']) {
    problems.push('give either --workload <file> or --from-pg-stat-statements');
  }
  const minImprovement =
    args['min-improvement'] === undefined ? 0.5 : Number(args['min-improvement']);
  if (!(minImprovement > 0 && minImprovement < 1)) {
    problems.push(
      `--min-improvement must be a number between 0 and 1 (got '${args['min-improvement']}')`,
    );
  }
  if (problems.length > 0) {
    fail(`nest-perf-advisor: ${problems.join('; ')}\n\n${USAGE}`);
    return 2;
  }

  let dataSource: DataSource | undefined;
  try {
    const workload = args.workload ? await readWorkload(args.workload) : undefined;
    dataSource = loadDataSource(args['data-source']!);
    try {
      if (!dataSource.isInitialized) await dataSource.initialize();
    } catch (error) {
      throw new AdvisorError(
        `cannot connect to the database of ${args['data-source']}: ${messageOf(error)}`,
      );
    }
    const result = await adviseIndexes({
      dataSource,
      workload: workload ?? (await fromPgStatStatements(dataSource)),
      options: {
        minImprovement,
        allowRealWhatIf: args['allow-real-what-if'] ?? false,
        source: args.workload ?? 'pg_stat_statements',
      },
    });
    const migrationPath = join(resolve(args.out!), result.migration.fileName);
    if (args['dry-run']) {
      log(result.report);
      log(`\n--- ${relative(process.cwd(), migrationPath)} (dry run: not written)\n`);
      log(result.migration.source);
      return 0;
    }
    if (result.indexes.length > 0) await writeAtomically(migrationPath, result.migration.source);
    await writeAtomically(resolve(args.report!), result.report);
    log(
      result.indexes.length > 0
        ? `${result.indexes.length} index(es) proposed: ${relative(process.cwd(), migrationPath)}; report: ${args.report}`
        : `no index proposed; report: ${args.report}`,
    );
    return 0;
  } catch (error) {
    if (error instanceof AdvisorError || error instanceof InvalidWorkloadError) {
      fail(`nest-perf-advisor: ${error.message}`);
      return 1;
    }
    fail(`nest-perf-advisor: unexpected error: ${(error as Error).stack ?? String(error)}`);
    return 1;
  } finally {
    if (dataSource?.isInitialized) await dataSource.destroy().catch(() => undefined);
  }
}

async function readWorkload(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new AdvisorError(`--workload: cannot read ${path}: ${messageOf(error)}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AdvisorError(`--workload: ${path} is not JSON: ${messageOf(error)}`);
  }
}

/** pg_stat_statements as a workload (its statements are already normalized with $n). */
async function fromPgStatStatements(dataSource: DataSource): Promise<Workload> {
  let rows: { queryid: string; query: string; calls: string; total: number; mean: number }[];
  try {
    rows = await dataSource.query(
      `SELECT queryid::text AS queryid, query, calls, total_exec_time AS total, mean_exec_time AS mean
         FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND query ~* '^\\s*(select|update|delete|with)\\s'
        ORDER BY total_exec_time DESC LIMIT 500`,
    );
  } catch (error) {
    throw new AdvisorError(
      `--from-pg-stat-statements: pg_stat_statements is not available (${messageOf(error)}); ` +
        'add it to shared_preload_libraries, restart Postgres and run CREATE EXTENSION pg_stat_statements',
    );
  }
  return {
    version: WORKLOAD_VERSION,
    dialect: 'postgres',
    queries: rows.map((r) => ({
      fingerprint: BigInt.asUintN(64, BigInt(r.queryid)).toString(16).padStart(16, '0'),
      sql: r.query,
      calls: Number(r.calls),
      totalMs: Math.round(Number(r.total) * 1000) / 1000,
      meanMs: Math.round(Number(r.mean) * 1000) / 1000,
    })),
  };
}

async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, text);
  await rename(temp, path);
}

function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return [...new Set(error.errors.map(messageOf))].join('; ');
  }
  return error instanceof Error
    ? error.message || String((error as { code?: string }).code)
    : String(error);
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
