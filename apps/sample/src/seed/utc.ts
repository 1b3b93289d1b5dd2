const DAY = 86_400_000;
const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const dates = new Map<number, string>();

/**
 * Formats epoch milliseconds as `YYYY-MM-DD HH:MM:SS.SSS` in UTC, the form TypeORM stores in
 * SQLite. About ten times cheaper than `toISOString()`, which matters at ten million rows.
 */
export function utcDateTime(ms: number): string {
  const day = Math.floor(ms / DAY);
  let date = dates.get(day);
  if (date === undefined) {
    date = new Date(day * DAY).toISOString().slice(0, 10);
    if (dates.size < 10_000) dates.set(day, date);
  }
  let rest = ms - day * DAY;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  return `${date} ${PAD2[hours]}:${PAD2[minutes]}:${PAD2[seconds]}.${PAD3[rest - seconds * 1000]}`;
}

/** The same instant as `toISOString()` (`YYYY-MM-DDTHH:MM:SS.SSSZ`), through the same cache. */
export function isoDateTime(ms: number): string {
  const text = utcDateTime(ms);
  return `${text.slice(0, 10)}T${text.slice(11)}Z`;
}
