import type { Rng } from '../random/rng.js';
import { checkInRange, checkInteger, checkNonNegative } from '../validate/errors.js';
import type { LabeledArrays } from './batches.js';

/** Configuration of {@link twoMoons}: scikit-learn's `make_moons`, with Gaussian jitter and label noise. */
export interface TwoMoonsConfig {
  /** Number of points (split evenly between the moons, the odd one to moon 0). */
  readonly count: number;
  /** Standard deviation of the Gaussian jitter added to both coordinates; default 0.1. */
  readonly noise?: number;
  /** Fraction of labels flipped to the other class, chosen exactly (round(count·p) points); default 0. */
  readonly labelNoise?: number;
}

/**
 * Two-moons points: moon 0 is (cos t, sin t), moon 1 is (1 − cos t, 0.5 − sin t) for t uniform on
 * [0, π], plus N(0, noise²) jitter; then a random `labelNoise` fraction of labels is flipped. Features
 * are row-major [count, 2], labels 0/1.
 */
export function twoMoons(rng: Rng, config: TwoMoonsConfig): LabeledArrays & { readonly flipped: Int32Array } {
  const count = checkInteger('count', config.count, 2);
  const noise = checkNonNegative('noise', config.noise ?? 0.1);
  const p = checkInRange('labelNoise', config.labelNoise ?? 0, 0, 1, '[]');
  const features = new Float32Array(count * 2);
  const labels = new Int32Array(count);
  const draw = rng.stream('points');
  for (let i = 0; i < count; i++) {
    const moon = i < Math.ceil(count / 2) ? 0 : 1;
    const t = Math.PI * draw.next();
    const x = moon === 0 ? Math.cos(t) : 1 - Math.cos(t);
    const y = moon === 0 ? Math.sin(t) : 0.5 - Math.sin(t);
    features[2 * i] = x + noise * draw.normal();
    features[2 * i + 1] = y + noise * draw.normal();
    labels[i] = moon;
  }
  const flipped = rng.stream('label-noise').sampleWithoutReplacement(count, Math.round(count * p));
  for (const i of flipped) labels[i] = 1 - labels[i]!;
  return { features, labels, featureShape: [2], count, flipped };
}
