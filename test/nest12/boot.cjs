// Boots the built nest-perf libraries on NestJS 12 with plain `node` (Nest 12 is ESM-only;
// Node >= 20.19 can require() it) and prints what happened as one JSON line.
// Run by test/nest12.e2e-spec.ts as `node --preserve-symlinks boot.cjs` from this folder, after
// it links ../../libs/* into node_modules/@nest-perf/: with symlinks preserved, the libraries
// resolve their @nestjs peers from this folder's node_modules (Nest 12), as in a user's app.
require('reflect-metadata');
const { Controller, Get, Injectable, Module, Param } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { Cached, InvalidateCache, PerfCacheModule, PerfCacheService } = require('@nest-perf/cache');

const { decorateMethod: decorate, report } = require('./support.cjs');

class GreetingService {
  constructor() {
    this.loads = 0;
  }
  async greet(name) {
    this.loads++;
    return { hello: name, load: this.loads };
  }
  async rename(name) {
    return name;
  }
}
decorate(
  [Cached({ namespace: 'greet', ttl: '1m', tags: (name) => [`name:${name}`] })],
  GreetingService.prototype,
  'greet',
);
decorate(
  [InvalidateCache({ tags: (name) => [`name:${name}`] })],
  GreetingService.prototype,
  'rename',
);
Reflect.decorate([Injectable()], GreetingService);

class GreetingController {
  constructor(service) {
    this.service = service;
    this.handled = 0;
  }
  async byName(name) {
    this.handled++;
    return this.service.greet(name);
  }
}
decorate(
  [Get(':name'), Cached({ namespace: 'route', ttl: '1m' })],
  GreetingController.prototype,
  'byName',
);
Reflect.defineMetadata('design:paramtypes', [GreetingService], GreetingController);
Reflect.decorate([Controller('greetings')], GreetingController);
// Param decorators are parameter decorators: apply index 0 by hand.
Param('name')(GreetingController.prototype, 'byName', 0);

class AppModule {}
const l2 = process.env.NEST12_REDIS_URL ? { l2: { url: process.env.NEST12_REDIS_URL } } : {};
Reflect.decorate(
  [
    Module({
      imports: [PerfCacheModule.forRoot({ version: `n12${process.pid}`, ...l2 })],
      controllers: [GreetingController],
      providers: [GreetingService],
    }),
  ],
  AppModule,
);

async function main() {
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  await app.listen(0, '127.0.0.1');
  const base = await app.getUrl();
  const get = async (path) => (await fetch(base + path)).json();
  const first = await get('/greetings/ada');
  const second = await get('/greetings/ada');
  const service = app.get(GreetingService);
  const direct1 = await service.greet('bob');
  await service.rename('bob');
  const direct2 = await service.greet('bob');
  const direct3 = await service.greet('bob');
  const cache = app.get(PerfCacheService);
  const result = {
    nestCore: require('@nestjs/core/package.json').version,
    nestCommon: require('@nestjs/common/package.json').version,
    first,
    second,
    handled: app.get(GreetingController).handled,
    direct1,
    direct2,
    direct3,
    stats: cache.stats().total,
    ping: await cache.ping(),
  };
  await app.close();
  return result;
}

report(main);
