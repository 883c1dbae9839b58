import {
  checkInRange,
  PaperkitInputError,
  type ParamMap,
  type ParamTensors,
  type Rng,
  randomUniform,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import {
  hardConcreteDeterministic,
  hardConcreteInitLogAlpha,
  hardConcreteProbNonzero,
  hardConcreteSample,
} from './hard-concrete.js';

/** Options of {@link addL0Gates}. */
export interface L0GatesOptions {
  /** Probability that a gate starts closed, in (0, 1) (P1: 0.01). */
  readonly dropRateInit: number;
  /** The weights to gate (default: every parameter of role `weight`, i.e. not the biases). */
  readonly names?: readonly string[];
}

/** Hard-concrete gates added to a model's {@link ParamMap}: gated forward tensors and the density to constrain. */
export interface L0Gates {
  /** The gate parameters, one tensor of log α per gated weight, named `<layer>.gate` for `<layer>.weight`. */
  readonly gateNames: readonly string[];
  /** The model's own parameters (every name of the map before the gates were added). */
  readonly weightNames: readonly string[];
  /**
   * The model's tensors with each gated weight w replaced by w ⊙ z, z one hard-concrete sample per
   * weight for the whole batch (training). The gradient reaches both w and log α through the product.
   * Returns new tensors: call it inside `tf.tidy` or a gradient function.
   */
  readonly sampled: (noise: Rng) => ParamTensors;
  /** The model's tensors with the test-time gates (the pruned model). */
  readonly deterministic: () => ParamTensors;
  /** Expected fraction of gated weights in use, mean P(z ≠ 0): P1's model-wise "expected density". */
  readonly density: () => tf.Scalar;
  /** Fraction of gated weights whose test-time gate is non-zero (the density after pruning). */
  readonly prunedDensity: () => tf.Scalar;
}

/**
 * Adds a hard-concrete gate to every entry of the chosen weights of `params` (unstructured L0,
 * Louizos et al. 2018, as in P1's unstructured ResNet-18 runs), so that any model written against a
 * {@link ParamMap} (tensor-core's `applyMlp`, `applyCnn`, or your own) can be trained under a
 * constraint on its expected density: pass `sampled(noise)` instead of `params.tensors()` to the
 * forward pass and constrain `density()`. One gate per weight (thousands of them) makes the density
 * nearly continuous, which a tight target needs; one gate per filter of a small net would move it by
 * several points. Gates start open with probability 1 − `dropRateInit`.
 */
export function addL0Gates(params: ParamMap, options: L0GatesOptions): L0Gates {
  checkInRange('dropRateInit', options?.dropRateInit, 0, 1, '()');
  const weightNames = params.names();
  const gated = options.names ?? weightNames.filter((n) => params.info(n).role === 'weight');
  if (gated.length === 0)
    throw new PaperkitInputError('names', gated, 'at least one weight to gate (none has role weight)');
  for (const n of gated)
    if (!params.has(n))
      throw new PaperkitInputError('names', n, `parameters of the map (${weightNames.join(', ')})`);
  const gateNames = gated.map((n) => `${n.replace(/\.weight$/, '')}.gate`);
  const logAlpha = hardConcreteInitLogAlpha(options.dropRateInit);
  gated.forEach((n, i) => {
    tf.tidy(() => {
      params.add(gateNames[i]!, { value: tf.fill(params.get(n).shape, logAlpha), role: 'other' });
    });
  });
  const masked = (gate: (logAlpha: tf.Tensor) => tf.Tensor): ParamTensors => {
    const t = params.tensors();
    return { ...t, ...Object.fromEntries(gated.map((n, i) => [n, tf.mul(t[n]!, gate(t[gateNames[i]!]!))])) };
  };
  const total = gated.reduce((s, n) => s + params.get(n).size, 0);
  const fraction = (per: (logAlpha: tf.Tensor) => tf.Tensor) => (): tf.Scalar =>
    tf.tidy(() => {
      const t = params.tensors();
      return tf.div(tf.addN(gateNames.map((g) => tf.sum(per(t[g]!)))), total) as tf.Scalar;
    });
  return {
    gateNames,
    weightNames,
    sampled: (noise) => masked((g) => hardConcreteSample(g, randomUniform(noise, g.shape))),
    deterministic: () => masked((g) => hardConcreteDeterministic(g)),
    density: fraction((g) => hardConcreteProbNonzero(g)),
    prunedDensity: fraction((g) => tf.cast(tf.greater(hardConcreteDeterministic(g), 0), 'float32')),
  };
}
