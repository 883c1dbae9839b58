import type { Rng } from '@paperkit/tensor-core';
import { AdamCG64 } from '../float64/adam-cg64.js';
import { AdamCM64 } from '../float64/adam-cm64.js';
import type { CriticalBuffer64 } from '../float64/critical64.js';
import { FLAT_CENTRE, SHARP_CENTRE, sharpFlatGrad } from '../landscapes.js';
import type { Method } from './shared.js';

/** Display names. */
export const METHOD_LABEL: Record<Method, string> = {
  adam: 'Adam',
  'adam-cg': 'Adam+CG',
  'adam-cm': 'Adam+CM',
};

/** Settings of the toy runs: learning rate, C of Adam+CM (`topC`) and of Adam+CG (`cgTopC`), decay λ. */
export type ToyBufferSettings = Readonly<{ lr: number; topC: number; cgTopC: number; decay: number }>;

/**
 * A Float64 optimizer for a toy run. Adam is AdamCM64 in clean mode with C = 0 and the gradient's
 * second moment, which the tests prove equal to tensor-core's Adam; the buffered methods run in
 * reference mode, as the spec's table was computed.
 */
export function toyOptimizer(method: Method, s: ToyBufferSettings): CriticalBuffer64 {
  if (method === 'adam')
    return new AdamCM64({ lr: s.lr, compat: 'clean', topC: 0, secondMoment: 'gradient' });
  if (method === 'adam-cg') return new AdamCG64({ lr: s.lr, topC: s.cgTopC, decay: s.decay });
  return new AdamCM64({ lr: s.lr, topC: s.topC, decay: s.decay });
}

/**
 * One Toy 1 configuration: sharpness κ_sharp of the narrow well (its width is 1/κ), steps T, standard
 * deviation of the gradient noise, the well the run starts in, and the threshold above which x_T counts
 * as the flat well.
 */
export type EscapeSetting = ToyBufferSettings &
  Readonly<{ kappaSharp: number; steps: number; noise: number; start: 'sharp' | 'flat'; threshold: number }>;

/**
 * One Toy 1 run: start at the centre of a well plus 0.01·N(0,1), take `steps` noisy gradient steps
 * (∇f + noise·N(0,1)) and return x_T. The stream `rng` fixes the start and the noise, so the methods
 * see identical noise for the same seed (common random numbers).
 */
export function escapeRun(method: Method, s: EscapeSetting, rng: Rng, path?: number[]): number {
  const opt = toyOptimizer(method, s);
  const centre = s.start === 'sharp' ? SHARP_CENTRE : FLAT_CENTRE;
  const x = Float64Array.of(centre + 0.01 * rng.normal());
  const g = new Float64Array(1);
  path?.push(x[0]!);
  for (let t = 0; t < s.steps; t++) {
    g[0] = sharpFlatGrad(x[0]!, s.kappaSharp) + s.noise * rng.normal();
    opt.step({ x }, { x: g });
    path?.push(x[0]!);
  }
  return x[0]!;
}

/**
 * Fraction of `particles` independent runs whose x_T ends in the flat well (x_T > threshold), and the
 * final points. A run that overflowed makes the ratio NaN: a diverged toy is not an escape.
 */
export function escapeRatio(
  method: Method,
  s: EscapeSetting,
  rng: Rng,
  particles: number,
): { ratio: number; finals: Float64Array } {
  const finals = new Float64Array(particles);
  let out = 0;
  for (let i = 0; i < particles; i++) {
    // Each particle's stream depends only on its index, so methods and settings share noise per particle.
    finals[i] = escapeRun(method, s, rng.stream(`seed-${i}`));
    if (!Number.isFinite(finals[i])) return { ratio: Number.NaN, finals };
    if (finals[i]! > s.threshold) out++;
  }
  return { ratio: out / particles, finals };
}
