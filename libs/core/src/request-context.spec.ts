import {
  createRequestContext,
  currentRequestContext,
  describeRoute,
  runWithRequestContext,
} from './request-context';

describe('request context', () => {
  it('is undefined outside a request and follows async continuations inside one', async () => {
    expect(currentRequestContext()).toBeUndefined();
    const context = createRequestContext('get');
    const seen = await runWithRequestContext(context, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return currentRequestContext();
    });
    expect(seen).toBe(context);
    expect(currentRequestContext()).toBeUndefined();
  });

  it('keeps concurrent requests apart', async () => {
    const a = createRequestContext('GET', '/a');
    const b = createRequestContext('POST', '/b');
    const routes = await Promise.all(
      [a, b].map((context) =>
        runWithRequestContext(context, async () => {
          await new Promise((resolve) => setImmediate(resolve));
          return describeRoute(currentRequestContext()!);
        }),
      ),
    );
    expect(routes).toEqual(['GET /a', 'POST /b']);
  });

  it('labels requests without a route as unmatched', () => {
    expect(describeRoute(createRequestContext('delete'))).toBe('DELETE (unmatched)');
  });

  it('is one storage per process, shared by every copy of the package', () => {
    const storage = (globalThis as Record<symbol, unknown>)[
      Symbol.for('@nest-perf/core.requestContext')
    ];
    expect(storage).toBeDefined();
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const copy = require('./request-context') as typeof import('./request-context');
      const context = createRequestContext('GET', '/shared');
      expect(runWithRequestContext(context, () => copy.currentRequestContext())).toBe(context);
    });
  });
});
