import { checkInteger, PaperkitInputError } from '@paperkit/tensor-core';

/**
 * A bit-exact port of the parts of CPython's `random.Random` (MT19937) that networkx's graph
 * generators use: seeding from an integer, `getrandbits(k ≤ 32)` and `choice`. It exists only so that
 * {@link barabasiAlbertNetworkx} rebuilds the very graphs of the paper's figures
 * (`nx.barabasi_albert_graph(n, m, seed)`); paperkit's own randomness comes from `Rng`.
 *
 * Generic (not specific to this paper): a candidate for tensor-core if another package needs it.
 */
export class PythonRandom {
  private readonly mt = new Uint32Array(624);
  private mti = 625;

  /** Same state as `random.Random(seed)` for a non-negative safe-integer seed (CPython `random_seed`). */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0)
      throw new PaperkitInputError('seed', seed, 'a non-negative safe integer');
    // CPython splits |seed| into 32-bit little-endian words; 0 becomes the single word 0.
    const key: number[] = [];
    let s = seed;
    do {
      key.push(s % 2 ** 32);
      s = Math.floor(s / 2 ** 32);
    } while (s > 0);
    this.initByArray(key);
  }

  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.mti = 624;
  }

  private initByArray(key: readonly number[]): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(624, key.length); k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1664525)) + key[j]! + j) >>> 0;
      i++;
      j++;
      if (i >= 624) {
        mt[0] = mt[623]!;
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = 623; k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1566083941)) - i) >>> 0;
      i++;
      if (i >= 624) {
        mt[0] = mt[623]!;
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  /** CPython `genrand_uint32`. */
  nextUint32(): number {
    const mt = this.mt;
    if (this.mti >= 624) {
      let kk = 0;
      for (; kk < 624 - 397; kk++) {
        const y = (mt[kk]! & 0x80000000) | (mt[kk + 1]! & 0x7fffffff);
        mt[kk] = mt[kk + 397]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      for (; kk < 623; kk++) {
        const y = (mt[kk]! & 0x80000000) | (mt[kk + 1]! & 0x7fffffff);
        mt[kk] = mt[kk + (397 - 624)]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      const y = (mt[623]! & 0x80000000) | (mt[0]! & 0x7fffffff);
      mt[623] = mt[396]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      this.mti = 0;
    }
    let y = mt[this.mti++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** `random.getrandbits(k)` for 1 ≤ k ≤ 32. */
  getrandbits(k: number): number {
    checkInteger('k', k, 1);
    if (k > 32) throw new PaperkitInputError('k', k, 'an integer in [1, 32]');
    return this.nextUint32() >>> (32 - k);
  }

  /** `random._randbelow(n)` (rejection sampling on `n.bit_length()` bits). */
  randbelow(n: number): number {
    checkInteger('n', n, 1);
    if (n > 2 ** 32) throw new PaperkitInputError('n', n, 'an integer in [1, 2^32]');
    const k = 32 - Math.clz32(n);
    let r = this.getrandbits(k);
    while (r >= n) r = this.getrandbits(k);
    return r;
  }

  /** `random.choice(seq)`. */
  choice<T>(seq: ArrayLike<T>): T {
    if (seq.length === 0) throw new PaperkitInputError('seq', seq, 'a non-empty sequence');
    return seq[this.randbelow(seq.length)]!;
  }
}

const LINEAR_PROBES = 9;

/**
 * The iteration order of a CPython `set` of small non-negative integers after inserting `keys` in
 * order (hash(i) = i; open addressing with 9 linear probes, then perturbed jumps; resizing at 3/5
 * fill), as in CPython 3.x `setobject.c`. networkx's Barabási–Albert generator appends a set of
 * targets to its preferential-attachment list, so this order steers every later draw.
 */
export function pythonIntSetOrder(keys: readonly number[]): number[] {
  let mask = 7;
  let table = new Float64Array(8).fill(-1);
  let fill = 0;
  const insertClean = (tab: Float64Array, m: number, key: number): void => {
    let perturb = key;
    let i = key & m;
    for (;;) {
      if (tab[i] === -1) {
        tab[i] = key;
        return;
      }
      if (i + LINEAR_PROBES <= m) {
        for (let j = 1; j <= LINEAR_PROBES; j++) {
          if (tab[i + j] === -1) {
            tab[i + j] = key;
            return;
          }
        }
      }
      perturb = Math.floor(perturb / 32);
      i = (i * 5 + 1 + perturb) & m;
    }
  };
  for (const key of keys) {
    if (!Number.isInteger(key) || key < 0 || key >= 2 ** 31)
      throw new PaperkitInputError('keys', key, 'integers in [0, 2^31)');
    let i = key & mask;
    let perturb = key;
    let slot = -1;
    let found = false;
    while (slot < 0 && !found) {
      let probes = i + LINEAR_PROBES <= mask ? LINEAR_PROBES : 0;
      let e = i;
      do {
        if (table[e] === -1) {
          slot = e;
          break;
        }
        if (table[e] === key) {
          found = true;
          break;
        }
        e++;
      } while (probes-- > 0);
      if (slot < 0 && !found) {
        perturb = Math.floor(perturb / 32);
        i = (i * 5 + 1 + perturb) & mask;
      }
    }
    if (found) continue;
    table[slot] = key;
    fill++;
    if (fill * 5 >= mask * 3) {
      let size = 8;
      while (size <= fill * 4) size *= 2;
      const next = new Float64Array(size).fill(-1);
      for (let s = 0; s <= mask; s++) if (table[s] !== -1) insertClean(next, size - 1, table[s]!);
      table = next;
      mask = size - 1;
    }
  }
  const out: number[] = [];
  for (let s = 0; s <= mask; s++) if (table[s] !== -1) out.push(table[s]!);
  return out;
}
