/**
 * Seeded randomness for the demo generator. Every customer draws from its own stream, keyed by
 * (seed, purpose, customer index), so the output depends only on the seed and the options —
 * not on chunk sizes, progress callbacks or the order work happens in.
 */

/** Chris Wellons' lowbias32 finalizer: a cheap 32-bit mix with good avalanche. */
export const mix32 = (value: number): number => {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
};

/** Hashes up to four 32-bit words into one. */
export const hash32 = (a: number, b: number, c = 0, d = 0): number =>
  mix32(
    mix32(mix32(mix32(a) ^ Math.imul(b, 0x9e3779b1)) ^ Math.imul(c, 0x85ebca77)) ^ Math.imul(d, 0xc2b2ae3d),
  );

/** Folds a safe-integer seed (negative or above 2^32 too) into one 32-bit key. */
export const seedKey = (seed: number): number =>
  hash32(seed >>> 0, Math.floor(seed / 4_294_967_296) >>> 0, 0x5eed);

const UINT32_RANGE = 4_294_967_296;

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): 128 bits of state, passes
 * PractRand, a few nanoseconds a draw. Reseeded in place so a million customers allocate nothing.
 */
export class DemoRandom {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 1;

  reseed(key: number, stream: number, index: number): void {
    this.a = hash32(key, stream, index, 1);
    this.b = hash32(key, stream, index, 2);
    this.c = hash32(key, stream, index, 3);
    this.d = 1;
    for (let round = 0; round < 8; round++) this.uint32();
  }

  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.uint32() / UINT32_RANGE;
  }

  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  /** Uniform real in [min, max). */
  between(min: number, max: number): number {
    return min + this.float() * (max - min);
  }

  chance(probability: number): boolean {
    return this.float() < probability;
  }

  pick<T>(values: readonly [T, ...T[]]): T {
    return values[Math.floor(this.float() * values.length)] ?? values[0];
  }

  /** Exponentially distributed with the given mean. */
  exponential(mean: number): number {
    return -Math.log(1 - this.float()) * mean;
  }

  /** Poisson-distributed count (Knuth's method: the demo's means are small, well under 50). */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    const limit = Math.exp(-mean);
    let count = 0;
    let product = this.float();
    while (product > limit) {
      count++;
      product *= this.float();
    }
    return count;
  }
}

/** A categorical distribution over a fixed list of values. */
export interface Weighted<T> {
  readonly values: readonly T[];
  readonly cumulative: Float64Array;
  readonly total: number;
  readonly fallback: T;
}

export const weighted = <T>(entries: readonly (readonly [T, number])[]): Weighted<T> => {
  const first = entries[0];
  if (first === undefined) throw new Error('a weighted choice needs at least one value');
  const cumulative = new Float64Array(entries.length);
  let total = 0;
  entries.forEach(([, weight], index) => {
    total += weight;
    cumulative[index] = total;
  });
  return { values: entries.map(([value]) => value), cumulative, total, fallback: first[0] };
};

export const draw = <T>(rng: DemoRandom, distribution: Weighted<T>): T => {
  const target = rng.float() * distribution.total;
  const { cumulative, values } = distribution;
  for (let index = 0; index < cumulative.length; index++) {
    if (target < (cumulative[index] ?? 0)) return values[index] ?? distribution.fallback;
  }
  return distribution.fallback;
};
