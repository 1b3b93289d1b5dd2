import { resolve } from 'node:path';
import { ConfigError, loadConfig, redact } from './app-config';

describe('loadConfig', () => {
  it('defaults to the SQLite file, no Redis, port 3000 on loopback', () => {
    expect(loadConfig({})).toEqual({
      database: {
        type: 'better-sqlite3',
        path: resolve('./data/sample.sqlite'),
        display: 'SQLite ./data/sample.sqlite',
      },
      redisUrl: undefined,
      port: 3000,
      host: '127.0.0.1',
      profiler: true,
      metrics: true,
    });
  });

  it.each([
    ['off', false],
    ['OFF', false],
    ['0', false],
    ['on', true],
    ['true', true],
  ])('reads PROFILER=%s as %s', (raw, expected) => {
    expect(loadConfig({ PROFILER: raw }).profiler).toBe(expected);
  });

  it('reads METRICS like PROFILER', () => {
    expect(loadConfig({ METRICS: 'off' }).metrics).toBe(false);
    expect(loadConfig({}).metrics).toBe(true);
    expect(() => loadConfig({ METRICS: 'sometimes' })).toThrow(
      /METRICS: 'sometimes' is not a switch/,
    );
  });

  it('reads WORKLOAD_FILE', () => {
    expect(loadConfig({ WORKLOAD_FILE: ' out/workload.json ' }).workloadFile).toBe(
      'out/workload.json',
    );
    expect(loadConfig({}).workloadFile).toBeUndefined();
  });

  it('rejects a PROFILER value that is not a switch', () => {
    expect(() => loadConfig({ PROFILER: 'maybe' })).toThrow(
      /PROFILER: 'maybe' is not a switch \(expected on or off\)/,
    );
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ DATABASE_URL: ' ', REDIS_URL: '', PORT: '' })).toEqual(loadConfig({}));
  });

  it.each([
    ['postgres://postgres@127.0.0.1:5432/test', 'postgres', 'postgres 127.0.0.1:5432/test'],
    ['postgresql://u:p@db.internal/app', 'postgres', 'postgres db.internal:5432/app'],
    ['mariadb://root@127.0.0.1/test', 'mysql', 'mysql 127.0.0.1:3306/test'],
  ])('reads %s as %s', (url, type, display) => {
    const { database } = loadConfig({ DATABASE_URL: url });
    expect(database).toMatchObject({ type, display });
  });

  it('gives the mysql driver a mysql:// URL for mariadb://', () => {
    expect(loadConfig({ DATABASE_URL: 'mariadb://root@h/test' }).database).toMatchObject({
      url: 'mysql://root@h/test',
    });
  });

  it('accepts sqlite: and file: prefixes and relative paths', () => {
    expect(loadConfig({ DATABASE_URL: 'sqlite:tmp/a.db' }).database).toMatchObject({
      path: resolve('tmp/a.db'),
    });
    expect(loadConfig({ DATABASE_URL: 'file:/tmp/b.db' }).database).toMatchObject({
      path: '/tmp/b.db',
    });
  });

  it('reads PORT, HOST and REDIS_URL', () => {
    expect(
      loadConfig({ PORT: '8080', HOST: '0.0.0.0', REDIS_URL: 'rediss://:pw@cache:6380' }),
    ).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      redisUrl: 'rediss://:pw@cache:6380',
    });
  });

  it('lists every problem in one error', () => {
    let error: unknown;
    try {
      loadConfig({ DATABASE_URL: 'oracle://x/y', PORT: '0', REDIS_URL: 'http://cache' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      expect.stringMatching(/^DATABASE_URL: unsupported scheme 'oracle:\/\/'/),
      expect.stringMatching(/^REDIS_URL: 'http:\/\/cache' is not a Redis URL/),
      expect.stringMatching(/^PORT: '0' is not a TCP port/),
    ]);
    expect((error as Error).message).toMatch(/^Invalid configuration:\n {2}- DATABASE_URL/);
  });

  it.each(['3000.5', '1e3', '65536', 'abc', '-80'])('rejects PORT=%s', (port) => {
    expect(() => loadConfig({ PORT: port })).toThrow(/PORT: .* is not a TCP port/);
  });

  it.each([
    ['postgres://host:99999/db', /'postgres:\/\/host:99999\/db' is not a valid URL/],
    ['postgres://user@host', /must name one database/],
    ['postgres://user@host/a/b', /must name one database/],
  ])('rejects DATABASE_URL=%s', (url, message) => {
    expect(() => loadConfig({ DATABASE_URL: url })).toThrow(message);
  });

  it('never puts a password in a message', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://u:hunter2@host' })).toThrow(
      /postgres:\/\/u:\*\*\*@host/,
    );
    expect(redact('redis://:s3cret@h:6379')).toBe('redis://:***@h:6379');
  });
});
