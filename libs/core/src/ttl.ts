/**
 * The TTL tiers teams use for cached data, in milliseconds.
 *
 * @example @Cached({ namespace: 'tasks', ttl: TTL.MEDIUM })
 */
export const TTL = Object.freeze({
  /** 1 minute: data that changes often but is read in bursts. */
  SHORT: 60_000,
  /** 5 minutes: the default. */
  MEDIUM: 300_000,
  /** 15 minutes. */
  LONG: 900_000,
  /** 1 hour. */
  VERY_LONG: 3_600_000,
  /** 1 day. */
  DAY: 86_400_000,
  /** 7 days. */
  WEEK: 604_800_000,
  /** 30 days. */
  MONTH: 2_592_000_000,
});

/** One of the {@link TTL} tier names. */
export type TtlTier = keyof typeof TTL;
