import type { Rng } from '@paperkit/tensor-core';

/** Gaussian weights with a fraction of entries replaced by small integers, so ties occur. */
export function tiedGaussian(rng: Rng, d: number, tieFraction = 0.3): Float64Array {
  const w = new Float64Array(d);
  for (let i = 0; i < d; i++) w[i] = rng.bernoulli(tieFraction) ? rng.int(4) - 1 : rng.normal();
  return w;
}

/** Integer weights in [−r, r] with many ties; with λ = (d − 1)/4 every z is a multiple of 1/4 (dyadic). */
export function dyadicInput(rng: Rng, d: number, r = 3): { w: Float64Array; lambda: number } {
  const w = new Float64Array(d);
  for (let i = 0; i < d; i++) w[i] = rng.int(2 * r + 1) - r;
  return { w, lambda: (d - 1) / 4 };
}
