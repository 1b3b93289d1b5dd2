import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { CacheStats } from '@nest-perf/cache';
import type { HttpStatsResponse, OptimizationStatusResponse } from '@nest-perf/metrics';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import type { DataSource } from 'typeorm';
import { scratchDatabase, ScratchDatabase } from './support/databases';
import { bootSampleApp } from './support/sample-app';

/**
 * The `/performance` dashboard in a real browser: the sample app on Postgres gets some traffic
 * (cache hits, an N+1 request), then headless Chromium opens the page under the module's own
 * Content-Security-Policy, and the page must render the data without a console error.
 */
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const DATASET = { users: 20, tasks: 400, seed: 11 };
const SLOW_QUERY_MS = 5;
// The README's picture is refreshed on request (UPDATE_SCREENSHOT=1); otherwise the shot goes to the
// temp folder, so a test run leaves the checkout unchanged.
const SCREENSHOT = process.env.UPDATE_SCREENSHOT
  ? join(__dirname, '..', 'docs', 'dashboard.png')
  : join(tmpdir(), `nest-perf-dashboard-${process.pid}.png`);
const PANELS = [
  'targets',
  'traffic',
  'latency',
  'routes',
  'cache',
  'pool',
  'n-plus-one',
  'slow-queries',
  'queries',
];

jest.setTimeout(60_000);

describe('performance dashboard in Chromium', () => {
  let db: ScratchDatabase;
  let app: INestApplication;
  let dataSource: DataSource;
  let browser: Browser;
  let page: Page;
  let origin: string;
  let naive: { id: string; scripts: number };
  const problems: string[] = [];

  const get = async (path: string) => {
    const res = await fetch(origin + path);
    await res.arrayBuffer();
    if (res.status >= 500) throw new Error(`GET ${path}: ${res.status}`);
    return res.status;
  };
  const json = async <T>(path: string) => (await (await fetch(origin + path)).json()) as T;
  /** The cell texts of a table's body rows. */
  const rows = async (selector: string) => {
    const trs = await page.locator(`${selector} tbody tr`).all();
    return Promise.all(trs.map((tr) => tr.locator('td').allTextContents()));
  };
  /** An attribute of every element a selector matches. */
  const attributes = async (selector: string, name: string) => {
    const found = await page.locator(selector).all();
    return Promise.all(found.map((e) => e.getAttribute(name)));
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium is missing at ${CHROMIUM}; the dashboard test drives a real browser. ` +
          'Install it with `apt-get update && apt-get install -y chromium` ' +
          '(scripts/ensure-services.mjs does this when run as root), or set CHROMIUM_PATH.',
      );
    }
    db = await scratchDatabase('postgres');
    // A low slow-query threshold, so that the slow-query panel has something to show.
    ({ app, dataSource } = await bootSampleApp(db.config, DATASET, {
      profiler: { slowQueryMs: SLOW_QUERY_MS },
    }));
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    origin = `http://127.0.0.1:${port}`;

    const [row] = await dataSource.query(
      'SELECT task_id AS id, COUNT(*) AS n FROM scripts GROUP BY task_id ORDER BY COUNT(*) DESC, task_id LIMIT 1',
    );
    naive = { id: row.id, scripts: Number(row.n) };
    expect(naive.scripts).toBeGreaterThanOrEqual(5);
    const [task] = await dataSource.query('SELECT id FROM tasks ORDER BY id LIMIT 1');

    // pg pools are instrumented the first time they are listed: from then on acquires are timed.
    await json('/performance/pool/stats');
    // Repeated reads so the cache answers some of them; the naive endpoint for an N+1 report.
    for (let i = 0; i < 4; i++) {
      await get('/users/1/tasks');
      await get('/users/2/tasks?pageSize=5');
      await get('/users/1/tasks/stats');
      await get(`/tasks/${task.id}`);
      await get('/users/1/summary');
    }
    await get(`/tasks/${naive.id}/storyboards-naive`);
    await get(`/tasks/${naive.id}/storyboards-naive`);
    await get(`/tasks/${naive.id}/storyboards`);
    expect(await get('/users/abc/tasks')).toBe(400);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
    page.on('console', (message) => {
      if (message.type() === 'error') {
        problems.push(`console.error: ${message.text()} (${message.location().url})`);
      }
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (req) =>
      problems.push(`failed: ${req.url()} ${req.failure()?.errorText}`),
    );
    page.on('response', (res) => {
      if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
    });

    const response = await page.goto(`${origin}/performance`);
    expect(response?.status()).toBe(200);
    // Two polls, so that the session's line charts have two points each. (waitForFunction with
    // a string would need the 'unsafe-eval' the page's CSP forbids: wait on attributes instead.)
    await page.waitForSelector('body:not([data-polls="0"]):not([data-polls="1"])', {
      timeout: 30_000,
    });
    await page.waitForSelector('section[data-state="loading"]', { state: 'detached' });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.drop();
  });

  it('loads under its Content-Security-Policy without console errors, failed requests or page errors', async () => {
    const csp = (await fetch(`${origin}/performance`)).headers.get('content-security-policy');
    expect(csp).toMatch(/script-src 'self'/);
    expect(problems).toEqual([]);
    const ids = await attributes('section[data-state]', 'id');
    const states = await attributes('section[data-state]', 'data-state');
    expect(ids.map((id, i) => `${id}=${states[i]}`)).toEqual(PANELS.map((id) => `${id}=ok`));
  });

  it('shows the routes with the counts and percentiles of /performance/http/stats', async () => {
    const stats = await json<HttpStatsResponse>('/performance/http/stats');
    const table = await rows('[data-testid="routes"]');
    const tasks = table.find(
      ([method, route]) => method === 'GET' && route === '/users/:userId/tasks',
    );
    expect(tasks).toBeDefined();
    const expected = stats.routes.find((r) => r.route === '/users/:userId/tasks')!;
    // The page polled a moment ago; no traffic since, so the count is the same.
    expect(Number(tasks![2].replace(/,/g, ''))).toBe(expected.count);
    expect(expected.count).toBe(9); // 8 reads and the 400
    for (const cell of tasks!.slice(5, 8)) expect(cell).toMatch(/^\d+(\.\d+)? (ms|s)$/);
    const routes = table.map(([method, route]) => `${method} ${route}`);
    expect(routes).toEqual(
      expect.arrayContaining([
        'GET /users/:userId/tasks/stats',
        'GET /tasks/:id',
        'GET /tasks/:id/storyboards-naive',
      ]),
    );
    // The dashboard's own polling is not counted.
    expect(routes.filter((r) => r.includes('/performance'))).toEqual([]);
    const bars = await attributes('[data-testid="latency"] svg g[data-label]', 'data-label');
    expect(bars).toContain('GET /users/:userId/tasks');
    expect(await page.locator('[data-testid="traffic"] svg path.line').count()).toBe(2);
  });

  it('shows the cache hit rate of each namespace', async () => {
    const stats = await json<CacheStats>('/performance/cache/stats');
    const table = await rows('[data-testid="cache"]');
    const tasks = table.find(([name]) => name === 'tasks');
    expect(tasks).toBeDefined();
    expect(stats.namespaces.tasks.hitRate).toBeGreaterThan(0);
    expect(tasks![4]).toBe(`${Math.round(stats.namespaces.tasks.hitRate * 1000) / 10}%`);
    const chart = await page.locator('[data-testid="cache"] svg').first().textContent();
    expect(chart).toMatch(/tasks.*\d+(\.\d)?% \(\d+\/\d+\)/);
    expect(await page.locator('#kpi-hit-rate').textContent()).toMatch(/^\d+(\.\d)?%$/);
  });

  it('shows the N+1 report of the naive endpoint with its count, call site and hint', async () => {
    const report = page.locator(
      '[data-testid="n-plus-one"] .report[data-route="GET /tasks/:id/storyboards-naive"]',
    );
    expect(await report.count()).toBe(1);
    const text = await report.textContent();
    expect(text).toContain(`${naive.scripts}× per request`);
    expect(text).toContain('2 requests');
    expect(await report.locator('.call-site').textContent()).toMatch(/tasks\.service\.ts:\d+/);
    expect(await report.locator('.hint').textContent()).not.toBe('');
  });

  it('shows the Postgres pool, the top statements and the targets', async () => {
    const pool = page.locator('[data-testid="pool"] .pool');
    expect(await pool.count()).toBeGreaterThanOrEqual(1);
    const first = await pool.first().textContent();
    expect(first).toMatch(/postgres/);
    expect(first).toMatch(/\d+(\.\d)?% used/);
    expect(first).toMatch(/active \d+/);
    expect(await page.locator('[data-testid="pool"] .pool svg rect').count()).toBeGreaterThan(1);
    const { pools } = await json<{ pools: { acquire?: { count: number } }[] }>(
      '/performance/pool/stats',
    );
    expect(pools[0].acquire?.count).toBeGreaterThan(0);
    expect(first).toMatch(/acquire p95 \d+(\.\d+)? ms/);
    const queries = await json<{ queries: { sql: string }[] }>('/performance/query/stats?limit=10');
    const top = await rows('[data-testid="queries"]');
    expect(top.map(([sql]) => sql)).toEqual(queries.queries.map((q) => q.sql));
    expect(top.length).toBeGreaterThan(0);
    const { slowQueries } = await json<{ slowQueries: { route: string; durationMs: number }[] }>(
      '/performance/query/slow?limit=10',
    );
    const slow = await rows('[data-testid="slow-queries"]');
    expect(slow.map(([, route]) => route)).toEqual(slowQueries.map((q) => q.route));
    for (const q of slowQueries) expect(q.durationMs).toBeGreaterThanOrEqual(SLOW_QUERY_MS);

    const status = await json<OptimizationStatusResponse>('/performance/optimization/status');
    const cards = await page.locator('[data-testid="targets"] [data-target]').all();
    const shown = await Promise.all(
      cards.map(
        async (c) =>
          `${await c.getAttribute('data-target')}: ${await c.locator('.badge').textContent()}`,
      ),
    );
    const badge = (met: boolean | null) =>
      met === true ? 'Met' : met === false ? 'Not met' : 'No data';
    expect(shown).toEqual(status.targets.map((t) => `${t.name}: ${badge(t.met)}`));
  });

  it('saves a full-page screenshot (docs/dashboard.png with UPDATE_SCREENSHOT=1)', async () => {
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(20_000); // a rendered page, not a blank
    expect(problems).toEqual([]);
  });
});
