/**
 * A duration: milliseconds as a number, or a string with a unit (`'500ms'`, `'30s'`, `'5m'`,
 * `'1h'`, `'7d'`). Every duration option in nest-perf accepts this type.
 */
export type Duration = number | `${number}${DurationUnit}` | `${number} ${DurationUnit}`;

/** The units a duration string may use. */
export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd';

const UNIT_MS: Record<DurationUnit, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const DURATION_PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/** Thrown by {@link parseDuration} for input that is not a duration. */
export class InvalidDurationError extends Error {
  override readonly name = 'InvalidDurationError';

  constructor(
    readonly input: unknown,
    readonly option?: string,
  ) {
    super(
      `${option ? `${option}: ` : ''}invalid duration ${describeValue(input)}; ` +
        `use milliseconds (a number >= 0) or a string such as '500ms', '30s', '5m', '1h', '7d'`,
    );
  }
}

/**
 * Converts a {@link Duration} to whole milliseconds (rounded to the nearest one).
 *
 * @param value the duration (`300_000`, `'5m'`, `'1.5h'`)
 * @param option the option name to put in the error message, e.g. `'PerfCacheModule: defaultTtl'`
 * @throws InvalidDurationError when the value is negative, not finite, or not of the form above
 * @example parseDuration('5m') // 300000
 */
export function parseDuration(value: Duration | string, option?: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new InvalidDurationError(value, option);
    return Math.round(value);
  }
  if (typeof value === 'string') {
    const match = DURATION_PATTERN.exec(value.trim());
    if (match) return Math.round(Number(match[1]) * UNIT_MS[match[2] as DurationUnit]);
  }
  throw new InvalidDurationError(value, option);
}

/** True when {@link parseDuration} would accept the value. */
export function isDuration(value: unknown): value is Duration {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0;
  return typeof value === 'string' && DURATION_PATTERN.test(value.trim());
}

/**
 * A short description of a rejected option value for error messages: strings quoted,
 * primitives as written, otherwise the kind (`null`, `an array`, `object`, `function`).
 * @example describeValue('soon') // "'soon'"
 */
export function describeValue(input: unknown): string {
  if (typeof input === 'string') return `'${input}'`;
  if (typeof input === 'number' || typeof input === 'bigint' || typeof input === 'boolean') {
    return String(input);
  }
  if (input === null) return 'null';
  return Array.isArray(input) ? 'an array' : typeof input;
}
