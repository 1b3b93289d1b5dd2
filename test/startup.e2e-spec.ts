import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { freePort } from './support/ports';

// These start the built app (dist/, brought up to date by global setup) exactly as `npm start`.
const MAIN = join(__dirname, '..', 'apps', 'sample', 'dist', 'main.js');

function runMain(env: Record<string, string>) {
  return spawnSync(process.execPath, [MAIN], {
    env: { ...process.env, REDIS_URL: '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('npm start', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nest-perf-startup-'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    [{ DATABASE_URL: 'mongodb://localhost/x' }, /DATABASE_URL: unsupported scheme 'mongodb:\/\/'/],
    [{ DATABASE_URL: 'postgres://' }, /DATABASE_URL: .*(not a valid URL|has no host)/],
    [{ DATABASE_URL: 'postgres://db.example.com' }, /DATABASE_URL: .* must name one database/],
    [{ DATABASE_URL: '/etc' }, /DATABASE_URL: '\/etc' is a directory/],
    [{ PORT: 'eighty' }, /PORT: 'eighty' is not a TCP port/],
    [{ PORT: '70000' }, /PORT: '70000' is not a TCP port/],
    [{ REDIS_URL: 'localhost:6379' }, /REDIS_URL: 'localhost:6379' is not a Redis URL/],
  ])('fails fast on bad config %p', (env, message) => {
    const result = runMain({ DATABASE_URL: join(dir, 'unused.sqlite'), ...env });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it('names every bad variable in one message', () => {
    const result = runMain({ DATABASE_URL: 'redis://x', PORT: '-1' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/Invalid configuration:\n {2}- DATABASE_URL: .*\n {2}- PORT: /);
  });

  it('fails with a clear message when the database does not answer', () => {
    const result = runMain({ DATABASE_URL: 'postgres://postgres:secret@127.0.0.1:1/test' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^DATABASE_URL: cannot connect to postgres 127\.0\.0\.1:1\/test: .*ECONNREFUSED/m,
    );
    expect(result.stderr).not.toContain('secret');
  });

  it('migrates, seeds a first run, serves, and prints URLs that return data', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        DATABASE_URL: join(dir, 'first-run', 'sample.sqlite'),
        PORT: String(port),
        REDIS_URL: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    try {
      const deadline = Date.now() + 60_000;
      while (
        !/Try:\n(?: {2}http\S+\n)+/.test(output) &&
        child.exitCode === null &&
        Date.now() < deadline
      ) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(output).toContain('First run: seeded 200 users and 20000 tasks');
      const urls = [...output.matchAll(/^ {2}(http:\/\/127\.0\.0\.1:\d+\S*)$/gm)].map((m) => m[1]);
      expect(urls.length).toBe(10);
      for (const url of urls) {
        const res = await fetch(url);
        expect(res.status).toBe(200);
        const body = await res.json();
        expect(JSON.stringify(body).length).toBeGreaterThan(100);
      }
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    expect(child.exitCode === 0 || child.signalCode === 'SIGTERM').toBe(true);
  });

  it('says so when the port is taken', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as { port: number };
    try {
      const result = runMain({ DATABASE_URL: join(dir, 'busy.sqlite'), PORT: String(port) });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`PORT: ${port} is already in use on 127.0.0.1`);
    } finally {
      server.close();
    }
  });
});
