export { parseDuration, isDuration, InvalidDurationError, describeValue } from './duration';
export type { Duration, DurationUnit } from './duration';
export { TTL } from './ttl';
export type { TtlTier } from './ttl';
