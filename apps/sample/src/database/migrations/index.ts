import { InitialSchema1763769600000 } from './1763769600000-initial-schema';

/** Every migration, in order. Listed as classes so they load the same from src/ and dist/. */
export const MIGRATIONS = [InitialSchema1763769600000];
