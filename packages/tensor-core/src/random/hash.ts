/**
 * 32-bit mixing used to derive independent streams: a seed and a stream name are hashed into a fresh
 * 128-bit generator state, so sub-streams never overlap by construction of the seeds (splitmix-style
 * finalisers have full avalanche, unlike adding offsets to one seed).
 */

/** MurmurHash3's 32-bit finaliser: every input bit flips each output bit with probability ~1/2. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes a string (UTF-16 code units) together with a 32-bit salt. */
export function hashString(s: string, salt: number): number {
  let h = fmix32(salt ^ 0x9e3779b9);
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    h = fmix32(h + i);
  }
  return fmix32(h ^ s.length);
}

/** Expands one 32-bit seed into a non-zero 128-bit xoshiro state with splitmix32 steps. */
export function expandSeed(seed: number): Uint32Array {
  const s = new Uint32Array(4);
  let x = seed >>> 0;
  for (let i = 0; i < 4; i++) {
    x = (x + 0x9e3779b9) >>> 0;
    s[i] = fmix32(x);
  }
  if ((s[0]! | s[1]! | s[2]! | s[3]!) === 0) s[0] = 1;
  return s;
}
