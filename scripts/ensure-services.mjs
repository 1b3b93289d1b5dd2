#!/usr/bin/env node
// Runs before `npm test` and in CI: makes sure Postgres and Redis answer at the URLs the tests
// use (TEST_DATABASE_URL, TEST_REDIS_URL; defaults below). When one does not and it is meant to
// be local, starts the local server, installing it from Debian's packages first when it is
// missing and we are root. Likewise for the Chromium the dashboard test drives (CHROMIUM_PATH,
// default /usr/bin/chromium) and the hypopg extension the index advisor tests use. Otherwise stops
// with the exact commands to run. When everything is already there this takes a few tens of
// milliseconds.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import pg from 'pg';

const PG_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const isRoot = process.getuid?.() === 0;
const LOCAL = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

const pgTarget = new URL(PG_URL);
const redisTarget = new URL(REDIS_URL);
const problems = [];

await ensure('Postgres', PG_URL, pgTarget, checkPostgres, startPostgres, postgresHelp);
await ensure('Redis', REDIS_URL, redisTarget, checkRedis, startRedis, redisHelp);
ensureChromium();
if (problems.length === 0) await ensureHypopg();
if (problems.length > 0) {
  console.error(`\nTest services are not available:\n\n${problems.join('\n\n')}\n`);
  process.exit(1);
}

async function ensure(name, url, target, check, start, help) {
  const first = await check();
  if (first === true) return;
  const safeUrl = url.replace(/:[^:@/]*@/, ':***@');
  if (!LOCAL.has(target.hostname)) {
    problems.push(
      `${name} at ${safeUrl} does not answer (${first}); it is not local, so start it yourself.`,
    );
    return;
  }
  console.log(`${name} at ${safeUrl} does not answer (${first}); starting the local server ...`);
  try {
    await start();
  } catch (error) {
    problems.push(`${name}: could not start it: ${error.message}\n${help()}`);
    return;
  }
  for (let i = 0; i < 60; i++) {
    const again = await check();
    if (again === true) return console.log(`${name} is up.`);
    await sleep(500);
  }
  problems.push(`${name} was started but still does not answer at ${safeUrl}.\n${help()}`);
}

// ---------------------------------------------------------------- Postgres
async function checkPostgres() {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    if (error.code === '3D000') return createDatabase();
    return error.code || error.message;
  } finally {
    await client.end().catch(() => {});
  }
}

/** The server answers but the test database is missing: create it. */
async function createDatabase() {
  const admin = new URL(PG_URL);
  const name = decodeURIComponent(admin.pathname.slice(1));
  admin.pathname = '/postgres';
  const client = new pg.Client({
    connectionString: admin.toString(),
    connectionTimeoutMillis: 2000,
  });
  try {
    await client.connect();
    await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    console.log(`Created database ${name}.`);
    return true;
  } catch (error) {
    return `database ${name} is missing and could not be created: ${error.message}`;
  } finally {
    await client.end().catch(() => {});
  }
}

async function startPostgres() {
  let installed = false;
  if (!has('pg_ctlcluster')) {
    if (!isRoot || !has('apt-get')) throw new Error('PostgreSQL is not installed');
    aptInstall('postgresql');
    installed = true;
  }
  const versions = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql').sort() : [];
  const version = versions.at(-1);
  if (!version) throw new Error('no PostgreSQL cluster in /etc/postgresql');
  if (installed) trustLoopback(version);
  const port = pgTarget.port || '5432';
  const conf = `/etc/postgresql/${version}/main/postgresql.conf`;
  if (installed && port !== '5432' && existsSync(conf)) {
    writeFileSync(conf, `${readFileSync(conf, 'utf8')}\nport = ${port}\n`);
  }
  run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], [0, 2]);
}

/**
 * A cluster we just installed only accepts passwords over TCP; the tests connect as postgres
 * without one, so trust loopback connections (as the CI machines are set up).
 */
function trustLoopback(version) {
  const hba = `/etc/postgresql/${version}/main/pg_hba.conf`;
  if (!existsSync(hba)) return;
  const rules = 'host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n';
  writeFileSync(hba, rules + readFileSync(hba, 'utf8'));
}

function postgresHelp() {
  return [
    'Start PostgreSQL (trust auth for user postgres on 127.0.0.1, database test), e.g. on Debian:',
    '  sudo apt-get update && sudo apt-get install -y postgresql',
    '  sudo pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
    "  sudo -u postgres psql -c 'CREATE DATABASE test'",
    'or point TEST_DATABASE_URL at a Postgres you can use (e.g. postgres://user:pass@host:5432/test).',
  ].join('\n');
}

// ---------------------------------------------------------------- Redis
function checkRedis() {
  return new Promise((resolve) => {
    const socket = net.connect({
      host: redisTarget.hostname.replace(/^\[|\]$/g, ''),
      port: Number(redisTarget.port || 6379),
    });
    let reply = '';
    const done = (result) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(2000, () => done('timeout'));
    socket.on('error', (error) => done(error.code || error.message));
    socket.on('connect', () => {
      const auth = redisTarget.password
        ? `AUTH ${decodeURIComponent(redisTarget.username || 'default')} ${decodeURIComponent(redisTarget.password)}\r\n`
        : '';
      socket.write(`${auth}PING\r\n`);
    });
    socket.on('data', (chunk) => {
      reply += chunk;
      if (reply.includes('+PONG')) done(true);
      else if (reply.startsWith('-')) done(reply.trim());
    });
  });
}

async function startRedis() {
  if (!has('redis-server')) {
    if (!isRoot || !has('apt-get')) throw new Error('redis-server is not installed');
    aptInstall('redis-server');
  }
  const port = redisTarget.port || '6379';
  run('redis-server', [
    '--daemonize',
    'yes',
    '--bind',
    '127.0.0.1',
    '--port',
    port,
    '--save',
    '',
    '--appendonly',
    'no',
  ]);
}

function redisHelp() {
  return [
    'Start Redis, e.g. on Debian:',
    '  sudo apt-get update && sudo apt-get install -y redis-server',
    `  redis-server --daemonize yes --bind 127.0.0.1 --port ${redisTarget.port || 6379} --save "" --appendonly no`,
    'or point TEST_REDIS_URL at a Redis you can use.',
  ].join('\n');
}

// ---------------------------------------------------------------- hypopg
/**
 * The index advisor's tests run what-if indexes through hypopg. Its package for a local server
 * (postgresql-<major>-hypopg) is installed when missing and we are root.
 */
async function ensureHypopg() {
  const available = async () => {
    const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      const { rows } = await client.query(
        "SELECT current_setting('server_version_num')::int / 10000 AS major, " +
          "EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'hypopg') AS present",
      );
      return rows[0];
    } finally {
      await client.end().catch(() => {});
    }
  };
  const { major, present } = await available();
  if (present) return;
  const pkg = `postgresql-${major}-hypopg`;
  const help = `Install hypopg for the Postgres server, e.g. on Debian:\n  sudo apt-get install -y ${pkg}`;
  if (!LOCAL.has(pgTarget.hostname) || !isRoot || !has('apt-get')) {
    problems.push(
      `The hypopg extension is not available on Postgres at ${pgTarget.host}.\n${help}`,
    );
    return;
  }
  try {
    aptInstall(pkg);
  } catch (error) {
    problems.push(`hypopg: could not install ${pkg}: ${error.message}\n${help}`);
    return;
  }
  if (!(await available()).present)
    problems.push(`${pkg} was installed but hypopg is still missing.\n${help}`);
}

// ---------------------------------------------------------------- Chromium
/** test/dashboard.e2e-spec.ts opens the dashboard page in headless Chromium (playwright-core). */
function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  const help = [
    `Install Chromium (the dashboard test drives it at ${CHROMIUM}), e.g. on Debian:`,
    '  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y chromium',
    'or set CHROMIUM_PATH to a Chromium or Chrome binary.',
  ].join('\n');
  if (CHROMIUM !== '/usr/bin/chromium' || !isRoot || !has('apt-get')) {
    problems.push(`Chromium is missing at ${CHROMIUM}.\n${help}`);
    return;
  }
  console.log(`Chromium is missing at ${CHROMIUM}; installing it ...`);
  try {
    aptInstall('chromium');
  } catch (error) {
    problems.push(`Chromium: could not install it: ${error.message}\n${help}`);
    return;
  }
  if (!existsSync(CHROMIUM))
    problems.push(`Chromium was installed but ${CHROMIUM} is missing.\n${help}`);
}

// ---------------------------------------------------------------- helpers
function has(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function aptInstall(pkg) {
  console.log(`Installing ${pkg} from Debian's packages ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-q', pkg], { stdio: 'inherit', env });
}

function run(command, args, okCodes = [0]) {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (!okCodes.includes(result.status)) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
  }
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
