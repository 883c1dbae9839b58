import {
  checkInteger,
  checkPositive,
  type LabeledArrays,
  PaperkitInputError,
  Rng,
} from '@paperkit/tensor-core';

/** Configuration of {@link groupedGaussianTask}. */
export interface GroupedGaussianConfig {
  /** Input dimension d (≥ 4: the label's nonlinearity reads coordinate 3). */
  readonly dim: number;
  /** Group frequencies (normalised here). */
  readonly priors: readonly number[];
  /** Group means μ_g, each of length `dim`. */
  readonly means: readonly (readonly number[])[];
  /** Amplitude of the sine term of the labelling rule; 0.5 in our numpy prototype of the task. */
  readonly wiggle: number;
  /** Seed of the per-group labelling directions w_g, fixed across runs (123 in the prototype). */
  readonly taskSeed: number;
}

/** Examples of a {@link groupedGaussianTask} with their group ids. */
export interface GroupedSample {
  readonly data: LabeledArrays;
  readonly groups: Int32Array;
}

/**
 * The imbalanced-groups task of our small-scale reproduction: group g ~ priors,
 * x = N(0, I_d) + μ_g, y = 1[w_gᵀ(x − μ_g) + a·sin(2(x − μ_g)_3) > 0] with w_g ~ N(0, I_d) drawn once
 * per task from `taskSeed` (so every seed samples the same task), coordinate 3 counted from 0. Each
 * group has its own decision rule, so a small (pruned) model cannot fit the rare groups as well.
 */
export function groupedGaussianTask(config: GroupedGaussianConfig, count: number, rng: Rng): GroupedSample {
  const d = checkInteger('dim', config.dim, 4);
  checkInteger('count', count, 1);
  const G = config.priors.length;
  if (G === 0 || config.means.length !== G)
    throw new PaperkitInputError('means', config.means, `${G} group means (one per prior)`);
  config.priors.forEach((p, g) => {
    checkPositive(`priors[${g}]`, p);
  });
  config.means.forEach((mu, g) => {
    if (mu.length !== d) throw new PaperkitInputError(`means[${g}]`, mu, `an array of ${d} numbers`);
  });
  const taskRng = Rng.fromSeed(config.taskSeed).stream('labelling-directions');
  const w = config.means.map(() => taskRng.fillNormal(new Float64Array(d)));
  const features = new Float32Array(count * d);
  const labels = new Int32Array(count);
  const groups = new Int32Array(count);
  const z = new Float64Array(d);
  for (let i = 0; i < count; i++) {
    const g = rng.categorical(config.priors);
    rng.fillNormal(z);
    let s = config.wiggle * Math.sin(2 * z[3]!);
    for (let j = 0; j < d; j++) {
      s += w[g]![j]! * z[j]!;
      features[i * d + j] = z[j]! + config.means[g]![j]!;
    }
    labels[i] = s > 0 ? 1 : 0;
    groups[i] = g;
  }
  return { data: { features, labels, featureShape: [d], count }, groups };
}

/** The four groups of our small-scale reproduction: d = 8, priors (.60, .20, .12, .08), means 0, 2.5e₁, 2.5e₂, −2.5(e₁ + e₂). */
export function fourGroupTask(separation = 2.5): GroupedGaussianConfig {
  const d = 8;
  const e = (k: number, s: number) => Array.from({ length: d }, (_, j) => (j === k ? s : 0));
  return {
    dim: d,
    priors: [0.6, 0.2, 0.12, 0.08],
    means: [
      e(0, 0),
      e(0, separation),
      e(1, separation),
      e(0, -separation).map((v, j) => (j === 1 ? -separation : v)),
    ],
    wiggle: 0.5,
    taskSeed: 123,
  };
}
