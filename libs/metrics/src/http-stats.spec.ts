import { HttpStats, statusClassOf } from './http-stats';

describe('HttpStats', () => {
  let now: number;
  let stats: HttpStats;
  beforeEach(() => {
    now = Date.parse('2026-01-01T00:00:00Z');
    stats = new HttpStats(() => now);
  });

  it('keeps one entry per method and route template, busiest first, with status classes', () => {
    stats.record('GET', '/a/:id', 10, '2xx');
    stats.record('GET', '/a/:id', 30, '5xx');
    stats.record('POST', '/a/:id', 5, '4xx');
    stats.record('GET', '/a/:id', 20, '2xx');
    const { routes, total } = stats.snapshot();
    expect(routes.map((r) => `${r.method} ${r.route} ${r.count}`)).toEqual([
      'GET /a/:id 3',
      'POST /a/:id 1',
    ]);
    expect(routes[0].statuses).toEqual({ '2xx': 2, '5xx': 1 });
    expect(routes[0].errorRate).toBeCloseTo(1 / 3, 4);
    expect(routes[0].meanMs).toBeCloseTo(20, 1);
    expect(routes[0].maxMs).toBeCloseTo(30, 0);
    expect(total).toMatchObject({ method: '*', route: '*', count: 4, errorRate: 0.25 });
    expect(total.statuses).toEqual({ '2xx': 2, '4xx': 1, '5xx': 1 });
    expect(total.ratePerSec).toBeCloseTo(routes[0].ratePerSec + routes[1].ratePerSec, 2);
    expect(total.maxMs).toBeCloseTo(30, 0);
  });

  it('reports the rate over the last 60 s, shorter right after start', () => {
    now += 10_000;
    for (let i = 0; i < 20; i++) stats.record('GET', '/x', 1, '2xx');
    expect(stats.snapshot().routes[0].ratePerSec).toBe(2); // 20 requests in the first 10 s
    now += 120_000; // two minutes later nothing is recent
    stats.record('GET', '/x', 1, '2xx');
    stats.record('POST', '/y', 1, '2xx');
    expect(stats.snapshot().routes[0]).toMatchObject({ count: 21, ratePerSec: 0.02 });
    // The total's window keeps only the recent seconds of every route.
    expect(stats.snapshot().total).toMatchObject({ count: 22, ratePerSec: 0.03 });
  });

  it('forgets everything on reset and restarts the clock', () => {
    stats.record('GET', '/x', 1, '2xx');
    now += 5_000;
    stats.reset();
    const snapshot = stats.snapshot();
    expect(snapshot.routes).toEqual([]);
    expect(snapshot.total.count).toBe(0);
    expect(snapshot.since).toBe(new Date(now).toISOString());
  });

  it('classifies status codes', () => {
    expect([101, 200, 204, 301, 404, 499, 500, 503].map(statusClassOf)).toEqual([
      '1xx',
      '2xx',
      '2xx',
      '3xx',
      '4xx',
      '4xx',
      '5xx',
      '5xx',
    ]);
  });
});
