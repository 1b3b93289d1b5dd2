import 'reflect-metadata';
import { Controller, Get, Injectable, UseGuards, type CanActivate } from '@nestjs/common';
import { GUARDS_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { CacheDecoratorError } from '../cache.errors';
import { CACHE_METHOD_METADATA } from '../cache.constants';
import { Cached } from './cached.decorator';
import { InvalidateCache } from './invalidate-cache.decorator';

class AllowAll implements CanActivate {
  canActivate() {
    return true;
  }
}

describe('@Cached / @InvalidateCache at class definition', () => {
  it('reject things that are not methods, with a clear error', () => {
    expect(() => {
      class OnProperty {
        // @ts-expect-error a property is not a method
        @Cached() value = 1;
      }
      return OnProperty;
    }).toThrow(CacheDecoratorError);
    expect(() => {
      class OnAccessor {
        @Cached()
        get value() {
          return 1;
        }
      }
      return OnAccessor;
    }).toThrow(/@Cached can only decorate methods; OnAccessor.value is an accessor/);
    expect(() => {
      class OnStatic {
        @Cached()
        static load() {
          return 1;
        }
      }
      return OnStatic;
    }).toThrow(/cannot decorate static methods/);
    expect(() => {
      // @ts-expect-error a class is not a method
      @InvalidateCache({ tags: ['x'] })
      class OnClass {}
      return OnClass;
    }).toThrow(/@InvalidateCache can only decorate methods, not class OnClass/);
  });

  it('reject bad options, naming the method and every problem', () => {
    expect(() => {
      class Bad {
        @Cached({ namespace: 'a:b', ttl: 'soon' as never, colour: 1 } as never)
        load() {
          return 1;
        }
      }
      return Bad;
    }).toThrow(
      /@Cached on Bad.load: unknown option 'colour'.*; namespace must not contain ':'.*; ttl must be a duration/,
    );
    expect(() => {
      class NoTarget {
        @InvalidateCache({ namespace: 'tasks' })
        save() {
          return 1;
        }
      }
      return NoTarget;
    }).toThrow(/give key, tags, allEntries or pattern/);
    expect(() => {
      class NoNamespace {
        @InvalidateCache({ key: () => 'k' })
        save() {
          return 1;
        }
      }
      return NoNamespace;
    }).toThrow(/key needs a namespace/);
    expect(() => {
      class Reserved {
        @Cached({ namespace: 'nest-perf' })
        load() {
          return 1;
        }
      }
      return Reserved;
    }).toThrow(/reserved/);
  });

  it('keep route, guard and other metadata in either decorator order, and the method name', () => {
    @Controller('things')
    class ThingsController {
      @Get(':id')
      @UseGuards(AllowAll)
      @Cached({ ttl: '1m' })
      below(): string {
        return 'x';
      }

      @Cached({ ttl: '1m' })
      @Get('other')
      above(): string {
        return 'y';
      }
    }
    const proto = ThingsController.prototype;
    for (const [name, path] of [
      ['below', ':id'],
      ['above', 'other'],
    ] as const) {
      const fn = proto[name];
      expect(fn.name).toBe(name);
      expect(Reflect.getMetadata(PATH_METADATA, fn)).toBe(path);
      expect(Reflect.getMetadata(METHOD_METADATA, fn)).toBe(0); // RequestMethod.GET
      expect(Reflect.getMetadata(CACHE_METHOD_METADATA, proto, name)).toMatchObject({
        methodName: name,
        cached: { ttl: '1m' },
      });
    }
    expect(Reflect.getMetadata(GUARDS_METADATA, proto.below)).toEqual([AllowAll]);
  });

  it('record repeated and array @InvalidateCache options on one method', () => {
    @Injectable()
    class Writer {
      @InvalidateCache({ tags: ['a'] })
      @InvalidateCache([
        { namespace: 'n', allEntries: true },
        { namespace: 'm', pattern: 'x:*' },
      ])
      save() {
        return 1;
      }
    }
    const record = Reflect.getMetadata(CACHE_METHOD_METADATA, Writer.prototype, 'save');
    expect(record.invalidations).toHaveLength(3);
    // Without PerfCacheModule the method simply runs.
    expect(new Writer().save()).toBe(1);
  });
});
