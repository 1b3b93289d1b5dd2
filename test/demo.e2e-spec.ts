import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { adminQuery, E2E_DATABASE_PREFIX, TEST_POSTGRES_URL } from './support/databases';

// `npm run demo` in CI size: bench/demo/run.mjs --quick on its own database, as a child process
// (the built app and advisor, brought up to date by global setup). Timings are reported by the
// demo, never asserted here beyond "went down".
const RUN = join(__dirname, '..', 'bench', 'demo', 'run.mjs');
const STEPS = ['dataset', 'load-before', 'advisor', 'migration', 'load-after', 'cache-after'];

interface Measured {
  p50: number;
  requests: number;
}
interface DemoSummary {
  ok: boolean;
  config: { mode: string };
  steps: { name: string; ok: boolean; error?: string }[];
  indexes: { name: string; table: string; sql: string }[];
  migration?: { className: string; ran: string[] };
  endpoints: { id: string; seqScanTables: string[]; before?: Measured; after?: Measured }[];
  targets: { id: string; ok?: boolean }[];
}

function runDemo(args: string[], timeoutMs: number) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [RUN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGINT'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm run demo (--quick)', () => {
  // The e2e prefix and creation time let global setup drop it if this run crashes.
  const name = `${E2E_DATABASE_PREFIX}${Math.floor(Date.now() / 1000)}_demo_${randomBytes(4).toString('hex')}`;
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  let out: string;
  let run: { code: number | null; stdout: string; stderr: string };
  let summary: DemoSummary;
  let indexesInDb: string[];

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'nest-perf-demo-test-'));
    run = await runDemo(['--quick', '--database-url', url.toString(), '--out', out], 150_000);
    try {
      summary = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as DemoSummary;
    } catch (error) {
      throw new Error(`the demo wrote no results.json (exit ${run.code}):\n${run.stderr}`, {
        cause: error,
      });
    }
    const client = new Client({ connectionString: url.toString() });
    await client.connect();
    try {
      const { rows } = await client.query<{ indexname: string }>(
        `SELECT indexname FROM pg_indexes WHERE schemaname = 'public'`,
      );
      indexesInDb = rows.map((r) => r.indexname);
    } finally {
      await client.end();
    }
  }, 180_000);

  afterAll(async () => {
    await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    rmSync(out, { recursive: true, force: true });
  });

  it('runs every step and exits 0', () => {
    const failed = summary.steps.filter((s) => !s.ok).map((s) => `${s.name}: ${s.error}`);
    expect(failed).toEqual([]);
    expect(summary.steps.map((s) => s.name)).toEqual(STEPS);
    expect(summary.config.mode).toBe('quick');
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({
      code: 0,
      stderr: '',
    });
    // The last stdout line is the JSON summary.
    const last = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
      demo: { ok: boolean; steps: Record<string, boolean> };
    };
    expect(last.demo.ok).toBe(true);
    expect(Object.keys(last.demo.steps)).toEqual(STEPS);
    expect(readFileSync(join(out, 'results.md'), 'utf8')).toContain('## Targets');
  });

  it('gets at least one index from the advisor, applies the migration, and every index exists', () => {
    expect(summary.indexes.length).toBeGreaterThanOrEqual(1);
    for (const index of summary.indexes) {
      expect(index.sql).toMatch(/^CREATE INDEX CONCURRENTLY IF NOT EXISTS "/);
    }
    expect(summary.migration?.ran).toEqual([summary.migration?.className]);
    expect(indexesInDb).toEqual(expect.arrayContaining(summary.indexes.map((i) => i.name)));
  });

  it('keeps the cache out of the uncached runs, and lowers the task list p50 with the indexes', () => {
    expect(summary.targets.find((t) => t.id === 'misses')?.ok).toBe(true);
    const tasks = summary.endpoints.find((e) => e.id === 'tasks')!;
    expect(tasks.seqScanTables).toContain('tasks');
    expect(tasks.before!.requests).toBeGreaterThan(0);
    expect(tasks.after!.requests).toBeGreaterThan(0);
    expect(tasks.after!.p50).toBeLessThan(tasks.before!.p50);
  });
});
