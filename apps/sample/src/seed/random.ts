/**
 * A small seeded PRNG (sfc32, 128-bit state) so that the same seed always yields the same
 * dataset on every machine and every database. Not for anything security-related.
 */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.uint32();
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Picks from `items` with the given cumulative weights (see {@link cumulative}). */
  weighted<T>(items: readonly T[], cumulativeWeights: readonly number[]): T {
    const x = this.next() * cumulativeWeights[cumulativeWeights.length - 1];
    for (let i = 0; i < cumulativeWeights.length; i++) {
      if (x < cumulativeWeights[i]) return items[i];
    }
    return items[items.length - 1];
  }

  /** 32 lowercase hex digits. */
  hex128(): string {
    return hex8(this.uint32()) + hex8(this.uint32()) + hex8(this.uint32()) + hex8(this.uint32());
  }

  /** A version-4-shaped UUID from this generator's stream. */
  uuid(): string {
    const h = this.hex128();
    const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

/** Running sums of weights, for {@link SeededRandom.weighted}. */
export function cumulative(weights: readonly number[]): number[] {
  let sum = 0;
  return weights.map((w) => (sum += w));
}

const HEX2 = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hex8(n: number): string {
  return HEX2[n >>> 24] + HEX2[(n >>> 16) & 255] + HEX2[(n >>> 8) & 255] + HEX2[n & 255];
}
