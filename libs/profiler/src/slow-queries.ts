/** One statement slower than `slowQueryMs`, as returned by `slowQueries()`. */
export interface SlowQuery {
  fingerprint: string;
  /** The normalized SQL (literals as placeholders, so no values leak). */
  sql: string;
  durationMs: number;
  /** When it finished (ISO 8601). */
  at: string;
  /** `"GET /tasks/:id"`, or `background`. */
  route: string;
  /** The values, only with `captureParams: true`. */
  params?: unknown[];
  /** The error message when the statement failed. */
  error?: string;
  /** Postgres plan of this fingerprint, when `explainSlowQueries` captured one. */
  explain?: unknown;
}

/** @internal Keeps the last `capacity` slow statements. */
export class SlowQueryBuffer {
  private readonly items: SlowQuery[] = [];
  private next = 0;

  constructor(private readonly capacity: number) {}

  push(item: SlowQuery): void {
    if (this.items.length < this.capacity) this.items.push(item);
    else this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Newest first. */
  list(): SlowQuery[] {
    const n = this.items.length;
    const out: SlowQuery[] = [];
    for (let i = 1; i <= n; i++) out.push(this.items[(this.next - i + n) % n]);
    return out;
  }

  clear(): void {
    this.items.length = 0;
    this.next = 0;
  }
}

/**
 * Parameter values made safe for JSON output: Dates as ISO strings, binary as a length marker,
 * long strings cut to 200 characters.
 * @internal
 */
export function sanitizeParams(values: unknown[]): unknown[] {
  return values.map((value) => {
    if (value instanceof Date) return value.toISOString();
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
    if (typeof value === 'string' && value.length > 200) return `${value.slice(0, 200)}…`;
    if (typeof value === 'object' && value !== null) {
      try {
        const json = JSON.stringify(value);
        return json.length > 200 ? `${json.slice(0, 200)}…` : JSON.parse(json);
      } catch {
        return '<unserializable>';
      }
    }
    return value;
  });
}
