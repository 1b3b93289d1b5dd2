import { escapeLike } from './tasks.service';
import { pageOf } from '../common/pagination';

describe('escapeLike', () => {
  it('escapes the LIKE wildcards and the escape character', () => {
    expect(escapeLike('100%_real\\deal')).toBe('100\\%\\_real\\\\deal');
    expect(escapeLike('plain words')).toBe('plain words');
  });
});

describe('pageOf', () => {
  it('applies defaults and clamps the page size', () => {
    expect(pageOf({})).toEqual({ page: 1, pageSize: 20, skip: 0 });
    expect(pageOf({ page: 3, pageSize: 500 })).toEqual({ page: 3, pageSize: 100, skip: 200 });
  });
});
