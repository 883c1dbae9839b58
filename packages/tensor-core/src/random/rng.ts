import { checkInteger, checkObject, PaperkitInputError } from '../validate/errors.js';
import { expandSeed, fmix32, hashString } from './hash.js';

/** Serializable state of an {@link Rng}: generator words plus the cached second normal deviate. */
export interface RngState {
  /** The four xoshiro128** state words. */
  readonly s: readonly [number, number, number, number];
  /** The stream's identity (root seed and path), kept for naming sub-streams after a restore. */
  readonly seed: number;
  /** Path of stream names from the root, e.g. `["init", "layer1"]`. */
  readonly path: readonly string[];
  /** Cached second Box–Muller deviate, or null. */
  readonly spare: number | null;
}

/**
 * A seeded random stream (xoshiro128**, period 2^128 − 1). Every random draw in paperkit comes from
 * one of these: the same seed gives the same numbers on every machine, and named sub-streams
 * (`rng.stream('data')`) are independent of each other and of how many draws the parent made, so
 * adding a draw in one place never shifts the numbers elsewhere.
 */
export class Rng {
  private readonly s: Uint32Array;
  private spare: number | null = null;
  /** The root seed this stream descends from. */
  readonly seed: number;
  /** The names from the root stream to this one. */
  readonly path: readonly string[];

  private constructor(state: Uint32Array, seed: number, path: readonly string[]) {
    this.s = state;
    this.seed = seed;
    this.path = path;
  }

  /** A root stream. `seed` must be a safe integer (it is folded to 32 bits after hashing its high part). */
  static fromSeed(seed: number): Rng {
    if (!Number.isSafeInteger(seed)) throw new PaperkitInputError('seed', seed, 'a safe integer');
    const folded = fmix32((seed >>> 0) ^ fmix32(Math.floor(seed / 2 ** 32) >>> 0));
    return new Rng(expandSeed(folded), seed, []);
  }

  /**
   * Rebuilds a stream from {@link Rng.getState}; it continues exactly where the saved one was. The
   * state is checked first (four unsigned 32-bit words, not all zero, which xoshiro never leaves; a
   * safe-integer seed; a path of names; a finite or null spare deviate), and `field` names it in errors.
   */
  static fromState(state: RngState, field = 'state'): Rng {
    const st = checkObject<RngState>(field, state, 'a saved Rng state { s, seed, path, spare }');
    const s = st.s;
    if (!Array.isArray(s) || s.length !== 4 || s.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff))
      throw new PaperkitInputError(`${field}.s`, s, 'four unsigned 32-bit integers');
    if (s.every((w) => w === 0))
      throw new PaperkitInputError(
        `${field}.s`,
        s,
        'generator words that are not all zero (xoshiro never reaches that state)',
      );
    if (!Number.isSafeInteger(st.seed))
      throw new PaperkitInputError(`${field}.seed`, st.seed, 'a safe integer');
    if (!Array.isArray(st.path) || st.path.some((p) => typeof p !== 'string' || p.length === 0))
      throw new PaperkitInputError(`${field}.path`, st.path, 'an array of non-empty stream names');
    if (st.spare !== null && (typeof st.spare !== 'number' || !Number.isFinite(st.spare)))
      throw new PaperkitInputError(`${field}.spare`, st.spare, 'null or a finite number');
    const r = new Rng(Uint32Array.from(s), st.seed, [...st.path]);
    r.spare = st.spare;
    return r;
  }

  /**
   * An independent named sub-stream. It depends only on the root seed and the path of names, never
   * on how many numbers this stream has drawn.
   */
  stream(name: string): Rng {
    if (typeof name !== 'string' || name.length === 0)
      throw new PaperkitInputError('name', name, 'a non-empty string');
    const path = [...this.path, name];
    let h = fmix32(this.seed >>> 0) ^ fmix32(Math.floor(this.seed / 2 ** 32) >>> 0);
    for (const p of path) h = hashString(p, h);
    return new Rng(expandSeed(h), this.seed, path);
  }

  /** Snapshot for checkpoints; JSON-serializable. */
  getState(): RngState {
    return {
      s: [this.s[0]!, this.s[1]!, this.s[2]!, this.s[3]!],
      seed: this.seed,
      path: [...this.path],
      spare: this.spare,
    };
  }

  /** The next uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** A double uniform on [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform on [lo, hi). */
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.next();
  }

  /** A normal deviate (Box–Muller, both deviates used). */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + std * z;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** A uniform integer in [0, n), unbiased (rejection on the 32-bit range). */
  int(n: number): number {
    checkInteger('n', n, 1);
    if (n > 2 ** 32) {
      return Math.floor(this.next() * n);
    }
    const limit = 2 ** 32 - (2 ** 32 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** A non-zero integer seed for a tfjs random op (tfjs treats seed 0 as "unseeded"). */
  opSeed(): number {
    return 1 + (this.nextUint32() % 2147483646);
  }

  /** Bernoulli draw with success probability `p`. */
  bernoulli(p: number): boolean {
    return this.next() < p;
  }

  /** Index drawn from unnormalised non-negative `weights` (inverse CDF, one uniform). */
  categorical(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i]!;
      if (!(w >= 0) || !Number.isFinite(w))
        throw new PaperkitInputError(`weights[${i}]`, w, 'a finite number >= 0');
      total += w;
    }
    if (!(total > 0)) throw new PaperkitInputError('weights', weights, 'weights with a positive sum');
    let u = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      u -= weights[i]!;
      if (u < 0) return i;
    }
    for (let i = weights.length - 1; i >= 0; i--) if (weights[i]! > 0) return i;
    return weights.length - 1;
  }

  /** In-place Fisher–Yates shuffle; returns its argument. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = a[i];
      a[i] = a[j];
      a[j] = tmp;
    }
    return a;
  }

  /** A uniformly random permutation of 0..n−1. */
  permutation(n: number): Int32Array {
    checkInteger('n', n, 0);
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /** Fills `out` with i.i.d. normal deviates. */
  fillNormal<A extends Float32Array | Float64Array>(out: A, mean = 0, std = 1): A {
    for (let i = 0; i < out.length; i++) out[i] = this.normal(mean, std);
    return out;
  }

  /** Fills `out` with i.i.d. uniforms on [lo, hi). */
  fillUniform<A extends Float32Array | Float64Array>(out: A, lo = 0, hi = 1): A {
    for (let i = 0; i < out.length; i++) out[i] = this.uniform(lo, hi);
    return out;
  }

  /** `k` distinct indices from 0..n−1 without replacement (partial Fisher–Yates), in draw order. */
  sampleWithoutReplacement(n: number, k: number): Int32Array {
    checkInteger('n', n, 0);
    checkInteger('k', k, 0);
    if (k > n) throw new PaperkitInputError('k', k, `an integer <= n (${n})`);
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = 0; i < k; i++) {
      const j = i + this.int(n - i);
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p.slice(0, k);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
