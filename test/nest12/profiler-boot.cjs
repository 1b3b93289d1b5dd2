// Boots the built @nest-perf/profiler on NestJS 12 with plain `node` (see boot.cjs for why) and
// prints what it recorded as one JSON line. Run by test/nest12.e2e-spec.ts.
require('reflect-metadata');
const { decorateMethod, report } = require('./support.cjs');
const { Controller, Get, Injectable, Module, Param } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { DataSource } = require('typeorm');
const { QueryProfilerModule, QueryProfilerService } = require('@nest-perf/profiler');

const dataSource = new DataSource({ type: 'better-sqlite3', database: ':memory:' });

class ItemsService {
  // One query per item: an N+1 the profiler must report.
  async itemsOf(owner) {
    const ids = await dataSource.query('SELECT id FROM items WHERE owner = ? ORDER BY id', [owner]);
    const items = [];
    for (const { id } of ids) {
      items.push((await dataSource.query('SELECT id, name FROM items WHERE id = ?', [id]))[0]);
    }
    return items;
  }
}
Reflect.decorate([Injectable()], ItemsService);

class ItemsController {
  constructor(service) {
    this.service = service;
  }
  list(owner) {
    return this.service.itemsOf(owner);
  }
}
decorateMethod([Get(':owner')], ItemsController.prototype, 'list');
Reflect.defineMetadata('design:paramtypes', [ItemsService], ItemsController);
Reflect.decorate([Controller('owners')], ItemsController);
Param('owner')(ItemsController.prototype, 'list', 0);

class AppModule {}
Reflect.decorate(
  [
    Module({
      imports: [QueryProfilerModule.forRoot({ dataSources: [dataSource] })],
      controllers: [ItemsController],
      providers: [ItemsService],
    }),
  ],
  AppModule,
);

async function main() {
  await dataSource.initialize();
  await dataSource.query('CREATE TABLE items (id INTEGER PRIMARY KEY, owner TEXT, name TEXT)');
  for (let i = 1; i <= 6; i++) {
    await dataSource.query('INSERT INTO items (owner, name) VALUES (?, ?)', ['ada', `item ${i}`]);
  }
  const app = await NestFactory.create(AppModule, { logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  const response = await fetch(`${await app.getUrl()}/owners/ada`);
  const body = await response.json();
  const profiler = app.get(QueryProfilerService);
  const result = {
    nestCore: require('@nestjs/core/package.json').version,
    status: response.status,
    items: body.length,
    serverTiming: response.headers.get('server-timing'),
    nPlusOne: profiler.nPlusOne().map(({ route, count }) => ({ route, count })),
    routes: profiler.stats().find((row) => /WHERE id = \?/.test(row.sql))?.routes,
  };
  await app.close();
  await dataSource.destroy();
  return result;
}

report(main);
