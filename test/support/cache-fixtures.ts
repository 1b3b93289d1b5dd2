import type { ValueProvider } from '@nestjs/common';
import { waitFor } from './redis';

// What the cache suites' fixture services share. The services themselves (what they cache, and
// how) are each suite's scenario and stay in its file.

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
