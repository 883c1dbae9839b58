import type { Rng } from '../random/rng.js';
import { checkInteger, checkNonNegative, checkPositive, PaperkitInputError } from '../validate/errors.js';
import type { LabeledArrays } from './batches.js';

/** Configuration of {@link gaussianMixture}. */
export interface GaussianMixtureConfig {
  /** Number of samples. */
  readonly count: number;
  /** Number of components k. */
  readonly components: number;
  /** Dimension d. */
  readonly dim: number;
  /** Component means are N(0, separation²·I); default 3. */
  readonly separation?: number;
  /** Within-component standard deviation (isotropic); default 1. */
  readonly std?: number;
  /** Mixing weights (unnormalised, length k); default uniform. */
  readonly weights?: readonly number[];
}

/** Output of {@link gaussianMixture}: samples labelled by component, plus the true parameters. */
export interface GaussianMixtureData extends LabeledArrays {
  /** Component means, row-major [k, d]. */
  readonly means: Float64Array;
  /** Normalised mixing weights [k]. */
  readonly weights: Float64Array;
  /** Within-component standard deviation. */
  readonly std: number;
}

/**
 * Samples a k-component isotropic Gaussian mixture in d dimensions; each label is the component the
 * sample came from. Means come from `rng.stream('means')`, samples from `rng.stream('samples')`.
 */
export function gaussianMixture(rng: Rng, config: GaussianMixtureConfig): GaussianMixtureData {
  const count = checkInteger('count', config.count, 0);
  const k = checkInteger('components', config.components, 1);
  const d = checkInteger('dim', config.dim, 1);
  const separation = checkNonNegative('separation', config.separation ?? 3);
  const std = checkPositive('std', config.std ?? 1);
  const w = config.weights ?? Array.from({ length: k }, () => 1);
  if (w.length !== k) throw new PaperkitInputError('weights', w, `an array of ${k} weights`);
  const total = w.reduce((a, b) => a + b, 0);
  w.forEach((x, i) => checkNonNegative(`weights[${i}]`, x));
  if (!(total > 0)) throw new PaperkitInputError('weights', w, 'weights with a positive sum');
  const weights = Float64Array.from(w, (x) => x / total);
  const means = rng.stream('means').fillNormal(new Float64Array(k * d), 0, separation);
  const s = rng.stream('samples');
  const features = new Float32Array(count * d);
  const labels = new Int32Array(count);
  for (let r = 0; r < count; r++) {
    const c = s.categorical(weights);
    labels[r] = c;
    for (let j = 0; j < d; j++) features[r * d + j] = means[c * d + j]! + std * s.normal();
  }
  return { features, labels, featureShape: [d], count, means, weights, std };
}
