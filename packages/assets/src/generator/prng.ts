// Integer hashing and a seeded PRNG: the only source of randomness in the generator.
// Decisions that other days must be able to re-ask ("did creator 12 change on day 3?") are pure
// hashes of (seed, tag, ...ints); sequential draws inside one decision use a reseeded `Rng`.

/** The lowbias32 integer finalizer: a fast 32-bit avalanche mix. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** A 32-bit hash of a seed, a domain tag and up to three non-negative integers. */
export function hash32(seed: number, tag: number, a: number, b = 0, c = 0): number {
  let h = mix32((seed ^ Math.imul(tag + 1, 0x9e3779b9)) >>> 0);
  // `a` may exceed 2^32 for ghost ids, so fold the high part in separately.
  h = mix32((h ^ (a >>> 0)) + Math.imul((a / 4294967296) | 0, 0x27d4eb2f));
  h = mix32((h + Math.imul(b >>> 0, 0x85ebca6b)) >>> 0);
  h = mix32((h ^ Math.imul(c >>> 0, 0xc2b2ae35)) >>> 0);
  return h;
}

/** A hash mapped to [0, 1). */
export function hashUnit(seed: number, tag: number, a: number, b = 0, c = 0): number {
  return hash32(seed, tag, a, b, c) / 4294967296;
}

/** A seeded stream of floats in [0, 1) (the `Rng` sequence), for code that wants a plain function. */
export function seededRandom(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.next();
}

/**
 * A mulberry32 pseudo-random generator that can be reseeded in place, so hot loops reuse one
 * object instead of allocating a generator per row.
 */
export class Rng {
  private state: number;

  constructor(seed = 0) {
    this.state = seed >>> 0;
  }

  /** Restarts the sequence from `seed`. */
  reseed(seed: number): this {
    this.state = seed >>> 0;
    return this;
  }

  /** The next float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A float in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** An approximately standard-normal draw (Irwin–Hall of four uniforms, rescaled). */
  normal(): number {
    return (this.next() + this.next() + this.next() + this.next() - 2) * 1.7320508075688772;
  }

  /** An element of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** An index drawn with probability proportional to `cumulative` weights (ascending, last = total). */
  weighted(cumulative: readonly number[]): number {
    const total = cumulative[cumulative.length - 1] ?? 0;
    const x = this.next() * total;
    for (let i = 0; i < cumulative.length; i++) if (x < (cumulative[i] as number)) return i;
    return cumulative.length - 1;
  }
}

/** Running sums of `weights`, the form `Rng.weighted` expects. */
export function cumulativeWeights(weights: readonly number[]): number[] {
  let sum = 0;
  return weights.map((w) => (sum += w));
}
