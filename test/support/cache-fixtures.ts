import { Injectable, type ValueProvider } from '@nestjs/common';
import { Cached, glob, InvalidateCache } from '@nest-perf/cache';
import { waitFor } from './redis';

// What the cache suites' fixture services share. Services specific to one scenario stay in its
// file; UsersService serves the pattern-invalidation scenario on one Redis and on a cluster.

/** The injection token of the fake database the fixture services load from. */
export const DB = Symbol('DB');

/** What the services "load": shared by the app instances of a test, like a real database. */
export type Db = Map<string, string>;

/** Provides `db` under {@link DB}. */
export function provideDb(db: Db): ValueProvider<Db> {
  return { provide: DB, useValue: db };
}

/**
 * Waits for `Date.now()` to move on. With `versionCheckInterval: 0` a version read in the current
 * millisecond is still trusted (see the report): after this, the next call re-checks.
 */
export async function nextMillisecond(): Promise<void> {
  const checkedAt = Date.now();
  await waitFor(() => Date.now() > checkedAt, 'the clock to tick', { intervalMs: 1 });
}

/** Sections of a user cached under `users:<version>:user:<id>:<section>`; `touch` drops a user's. */
@Injectable()
export class UsersService {
  loads = 0;

  @Cached({ namespace: 'users', key: (id: string, section: string) => ['user', id, section] })
  async section(id: string, section: string): Promise<string> {
    this.loads++;
    return `${id}/${section}`;
  }

  @InvalidateCache({ namespace: 'users', pattern: (id: string) => glob`user:${id}:*` })
  async touch(id: string): Promise<void> {
    void id;
  }
}
