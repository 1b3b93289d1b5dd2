// Boots the built @nest-perf/metrics on NestJS 12 (with the cache, profiler and health modules it
// reads) using plain `node` (see boot.cjs for why) and prints what its routes answered as one
// JSON line. Run by test/nest12.e2e-spec.ts.
require('reflect-metadata');
const { decorateMethod, report } = require('./support.cjs');
const { Controller, Get, Module, Param } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { DataSource } = require('typeorm');
const { PerfCacheModule } = require('@nest-perf/cache');
const { PerfHealthModule } = require('@nest-perf/health');
const { PerformanceModule } = require('@nest-perf/metrics');
const { QueryProfilerModule } = require('@nest-perf/profiler');

const dataSource = new DataSource({ type: 'better-sqlite3', database: ':memory:' });

class ItemsController {
  item(id) {
    return dataSource.query('SELECT ? AS id', [id]).then((rows) => rows[0]);
  }
}
decorateMethod([Get(':id')], ItemsController.prototype, 'item');
Reflect.decorate([Controller('items')], ItemsController);
Param('id')(ItemsController.prototype, 'item', 0);

class AppModule {}
Reflect.decorate(
  [
    Module({
      imports: [
        PerfCacheModule.forRoot(),
        QueryProfilerModule.forRoot({ dataSources: [dataSource] }),
        PerfHealthModule,
        PerformanceModule.forRoot({ targets: { p95Ms: 1000 } }),
      ],
      controllers: [ItemsController],
      providers: [{ provide: DataSource, useValue: dataSource }],
    }),
  ],
  AppModule,
);

async function main() {
  await dataSource.initialize();
  const app = await NestFactory.create(AppModule, { logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  for (const id of [1, 2, 3]) await fetch(`${url}/items/${id}`);
  await fetch(`${url}/no/such/path`);
  const json = async (path) => (await fetch(`${url}${path}`)).json();
  const dashboard = await fetch(`${url}/performance`);
  const metrics = await (await fetch(`${url}/metrics`)).text();
  const result = {
    nestCore: require('@nestjs/core/package.json').version,
    http: await json('/performance/http/stats'),
    queries: await json('/performance/query/stats'),
    pools: await json('/performance/pool/stats'),
    status: await json('/performance/optimization/status'),
    cache: await json('/performance/cache/stats'),
    dashboard: { status: dashboard.status, type: dashboard.headers.get('content-type') },
    metrics: metrics
      .split('\n')
      .filter((line) => line.startsWith('nest_perf_http_request_duration_seconds_count')),
  };
  await app.close();
  await dataSource.destroy();
  return result;
}

report(main);
