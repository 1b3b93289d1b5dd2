// Boots the built @nest-perf/health on NestJS 12 + Terminus 12 with plain `node` (see boot.cjs for
// why) and prints what /health answered as one JSON line. Run by test/nest12.e2e-spec.ts.
require('reflect-metadata');
const { decorateMethod, report } = require('./support.cjs');
const { Controller, Get, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { HealthCheck, HealthCheckService, TerminusModule } = require('@nestjs/terminus');
const { DataSource } = require('typeorm');
const {
  CacheHealthIndicator,
  PerfHealthModule,
  PoolHealthIndicator,
} = require('@nest-perf/health');

const dataSource = new DataSource({ type: 'better-sqlite3', database: ':memory:' });
// A Postgres pool of one connection, to saturate it: Terminus 12 then reports `degraded`.
const pg = new DataSource({ type: 'postgres', url: process.env.NEST12_PG_URL, extra: { max: 1 } });

class HealthController {
  constructor(health, pool, cache) {
    this.health = health;
    this.pool = pool;
    this.cache = cache;
  }
  check() {
    return this.health.check([
      () => this.pool.isHealthy('database', { dataSource }),
      () => this.cache.isHealthy('cache'),
    ]);
  }
  checkPostgres() {
    return this.health.check([
      () => this.pool.isHealthy('postgres', { dataSource: pg, timeout: 5000 }),
    ]);
  }
}
decorateMethod([Get('postgres'), HealthCheck()], HealthController.prototype, 'checkPostgres');
decorateMethod([Get(), HealthCheck()], HealthController.prototype, 'check');
Reflect.defineMetadata(
  'design:paramtypes',
  [HealthCheckService, PoolHealthIndicator, CacheHealthIndicator],
  HealthController,
);
Reflect.decorate([Controller('health')], HealthController);

class AppModule {}
Reflect.decorate(
  [Module({ imports: [TerminusModule, PerfHealthModule], controllers: [HealthController] })],
  AppModule,
);

async function main() {
  await dataSource.initialize();
  const app = await NestFactory.create(AppModule, { logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  const response = await fetch(`${await app.getUrl()}/health`);
  const body = await response.json();
  await pg.initialize();
  const idle = await fetch(`${await app.getUrl()}/health/postgres`);
  const idleBody = await idle.json();
  // Hold the only connection for 400 ms, then check: saturated, but the probe gets through.
  const holding = pg.query('SELECT pg_sleep(0.4)');
  await new Promise((resolve) => setTimeout(resolve, 50));
  const busy = await fetch(`${await app.getUrl()}/health/postgres`);
  const busyBody = await busy.json();
  await holding;
  await pg.destroy();
  const result = {
    postgres: {
      idle: { status: idle.status, body: idleBody },
      busy: { status: busy.status, body: busyBody },
    },
    nestCore: require('@nestjs/core/package.json').version,
    terminus: require('@nestjs/terminus/package.json').version,
    status: response.status,
    body,
  };
  await app.close();
  await dataSource.destroy();
  return result;
}

report(main);
