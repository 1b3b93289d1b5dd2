import { resolvePage } from './paginate';
import { ToolkitOptionsError } from './toolkit.errors';

describe('resolvePage', () => {
  it('applies the defaults: page 1 of 20', () => {
    expect(resolvePage({})).toEqual({ page: 1, pageSize: 20, skip: 0 });
  });

  it('clamps the size to maxPageSize, the default size too', () => {
    expect(resolvePage({ page: 3, pageSize: 500 })).toEqual({ page: 3, pageSize: 100, skip: 200 });
    expect(resolvePage({ pageSize: 500, maxPageSize: 50 })).toEqual({
      page: 1,
      pageSize: 50,
      skip: 0,
    });
    expect(resolvePage({ defaultPageSize: 80, maxPageSize: 30 }).pageSize).toBe(30);
    expect(resolvePage({ page: 2, defaultPageSize: 7 })).toEqual({ page: 2, pageSize: 7, skip: 7 });
  });

  it.each([
    [{ page: 0 }, 'page must be an integer >= 1 (got 0)'],
    [{ page: -3 }, 'page must be an integer >= 1 (got -3)'],
    [{ page: 1.5 }, 'page must be an integer >= 1 (got 1.5)'],
    [{ page: NaN }, 'page must be an integer >= 1 (got NaN)'],
    [{ page: '2' }, "page must be an integer >= 1 (got '2')"],
    [{ pageSize: 0 }, 'pageSize must be an integer >= 1 (got 0)'],
    [{ maxPageSize: 2.5 }, 'maxPageSize must be an integer >= 1 (got 2.5)'],
    [{ defaultPageSize: null }, 'defaultPageSize must be an integer >= 1 (got null)'],
  ])('rejects %p', (request, problem) => {
    expect(() => resolvePage(request as never, 'paginate')).toThrow(
      new ToolkitOptionsError('paginate', [problem]),
    );
  });

  it('lists every problem in one error', () => {
    try {
      resolvePage({ page: 0, pageSize: 0.5 } as never);
      throw new Error('expected a throw');
    } catch (error) {
      expect(error).toBeInstanceOf(ToolkitOptionsError);
      expect((error as ToolkitOptionsError).problems).toHaveLength(2);
      expect((error as Error).message).toMatch(/^resolvePage: invalid options:\n {2}- page/);
    }
  });

  it('refuses offsets beyond safe integers', () => {
    expect(() => resolvePage({ page: Number.MAX_SAFE_INTEGER, pageSize: 100 })).toThrow(/too far/);
  });
});
