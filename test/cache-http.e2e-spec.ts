import {
  Controller,
  Get,
  Injectable,
  Param,
  UseGuards,
  type CanActivate,
  type INestApplication,
} from '@nestjs/common';
import request from 'supertest';
import { Cached, PerfCacheModule, PerfCacheService } from '@nest-perf/cache';
import { bootApp, TEST_REDIS_URL, useRedisScope } from './support/redis';

// @Cached on controller methods served by a real Express app: both decorator orders, guards
// still run on cached routes, and a method calling its own cached method goes through the cache.

/** Lets requests through while `open`; the tests close it. */
@Injectable()
class Gate implements CanActivate {
  open = true;

  canActivate(): boolean {
    return this.open;
  }
}

/** How many times each handler body ran, per app. */
@Injectable()
class Runs {
  above = 0;
  below = 0;
  inner = 0;
}

@Controller('above')
class CachedAboveController {
  constructor(private readonly runs: Runs) {}

  @Cached({ namespace: 'above', key: (id: string) => id })
  @UseGuards(Gate)
  @Get(':id')
  async find(@Param('id') id: string) {
    return { id, run: ++this.runs.above };
  }
}

@Controller('below')
class CachedBelowController {
  constructor(private readonly runs: Runs) {}

  @Get(':id')
  @UseGuards(Gate)
  @Cached({ namespace: 'below', key: (id: string) => id })
  async find(@Param('id') id: string) {
    return { id, run: ++this.runs.below };
  }

  /** Not cached itself; calls the cached method below through `this`. */
  @Get(':id/summary')
  async summary(@Param('id') id: string) {
    const detail = await this.detail(id);
    return { summary: `${detail.id}: ${detail.words}` };
  }

  @Cached({ namespace: 'detail', key: (id: string) => id })
  async detail(id: string) {
    this.runs.inner++;
    return { id, words: 'a few words' };
  }
}

describe('@Cached on controllers over HTTP', () => {
  const scope = useRedisScope();
  let app: INestApplication;
  let runs: Runs;
  let gate: Gate;
  let cache: PerfCacheService;

  beforeEach(async () => {
    app = await bootApp({
      imports: [PerfCacheModule.forRoot({ version: scope.version, l2: { url: TEST_REDIS_URL } })],
      controllers: [CachedAboveController, CachedBelowController],
      providers: [Runs, Gate],
    });
    scope.track(app);
    runs = app.get(Runs);
    gate = app.get(Gate);
    cache = app.get(PerfCacheService);
  });

  describe.each([
    ['@Cached above @Get', 'above'],
    ['@Cached below @Get', 'below'],
  ] as const)('%s', (_, route) => {
    it('serves the route (200 + body) and the second request is a cache hit', async () => {
      const server = app.getHttpServer();

      const first = await request(server).get(`/${route}/7`).expect(200);
      expect(first.body).toEqual({ id: '7', run: 1 });
      const second = await request(server).get(`/${route}/7`).expect(200);
      expect(second.body).toEqual({ id: '7', run: 1 });

      expect(runs[route]).toBe(1);
      expect(cache.stats().namespaces[route]).toMatchObject({ l1Hits: 1, misses: 1 });
      await request(server).get(`/${route}/8`).expect(200, { id: '8', run: 2 });
    });

    it('still runs the guard: 403 even though a cached value exists', async () => {
      const server = app.getHttpServer();
      await request(server).get(`/${route}/7`).expect(200, { id: '7', run: 1 });

      gate.open = false;
      await request(server).get(`/${route}/7`).expect(403);
      expect(cache.stats().namespaces[route].hits).toBe(0); // the handler was not reached

      gate.open = true;
      await request(server).get(`/${route}/7`).expect(200, { id: '7', run: 1 });
      expect(runs[route]).toBe(1);
    });
  });

  it("caches a method's call to its own @Cached method through this", async () => {
    const server = app.getHttpServer();

    await request(server).get('/below/3/summary').expect(200, { summary: '3: a few words' });
    await request(server).get('/below/3/summary').expect(200, { summary: '3: a few words' });

    expect(runs.inner).toBe(1);
    expect(cache.stats().namespaces.detail).toMatchObject({ misses: 1, l1Hits: 1 });
    // The same entry serves a direct call from elsewhere.
    await expect(app.get(CachedBelowController).detail('3')).resolves.toEqual({
      id: '3',
      words: 'a few words',
    });
    expect(runs.inner).toBe(1);
  });
});
