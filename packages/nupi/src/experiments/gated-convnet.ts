import {
  applyCnn,
  type CnnConfig,
  initCnn,
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
} from '../gates/hard-concrete.js';

/** A gated convnet: its parameters, forward passes and the constrained density. */
export interface GatedConvnet {
  /** Weights and biases of `initCnn`, plus one gate tensor `<layer>.gate` (log α) per weight tensor. */
  readonly params: ParamMap;
  /** Logits with one hard-concrete sample per gate for the whole batch (training). */
  readonly sampled: (x: tf.Tensor, noise: Rng) => tf.Tensor2D;
  /** Logits with the test-time gates. */
  readonly deterministic: (x: tf.Tensor) => tf.Tensor2D;
  /** Expected fraction of weights in use, mean P(gate ≠ 0): P1's model-wise "expected density". */
  readonly density: () => tf.Scalar;
  /** Fraction of weights whose test-time gate is non-zero (the density after pruning). */
  readonly prunedDensity: () => tf.Scalar;
  /** Names of the gate parameters (Adam in P1). */
  readonly gateNames: readonly string[];
  /** Names of the weights and biases. */
  readonly weightNames: readonly string[];
}

/**
 * The CNN of tensor-core's `initCnn` (conv 3×3 → ReLU → 2×2 max-pool stages, then a dense layer), with
 * a hard-concrete gate on every weight of every layer (unstructured L0, Louizos et al. 2018, as in
 * P1's unstructured ResNet-18 runs). Thousands of gates make the density nearly continuous, which a ±0.01
 * target needs (one gate per filter of a small net moves it by several points). Gates start open
 * with probability 1 − `dropRateInit`.
 */
export function gatedConvnet(
  rng: Rng,
  config: Pick<CnnConfig, 'inputShape' | 'channels' | 'outputs'>,
  dropRateInit: number,
): GatedConvnet {
  const params = initCnn(rng, config);
  const weightNames = params.names();
  const gated = weightNames.filter((n) => n.endsWith('.weight'));
  const gateNames = gated.map((n) => n.replace('.weight', '.gate'));
  const la = hardConcreteInitLogAlpha(dropRateInit);
  gated.forEach((n, i) => {
    tf.tidy(() => {
      params.add(gateNames[i]!, { value: tf.fill(params.get(n).shape, la), role: 'other' });
    });
  });
  const p = (): ParamTensors => params.tensors();
  // tensor-core's CNN on the gated weights w ⊙ z (the gradient reaches w and log α through the product).
  const forward = (x: tf.Tensor, gate: (logAlpha: tf.Tensor) => tf.Tensor): tf.Tensor2D =>
    tf.tidy(() => {
      const t = p();
      const masked = gated.map((n, i) => [n, tf.mul(t[n]!, gate(t[gateNames[i]!]!))]);
      return applyCnn({ ...t, ...Object.fromEntries(masked) }, x, config);
    });
  const total = gated.reduce((s, n) => s + params.get(n).size, 0);
  const fraction = (per: (logAlpha: tf.Tensor) => tf.Tensor) => (): tf.Scalar =>
    tf.tidy(() => tf.div(tf.addN(gateNames.map((g) => tf.sum(per(p()[g]!)))), total) as tf.Scalar);
  return {
    params,
    gateNames,
    weightNames,
    sampled: (x, noise) => forward(x, (g) => hardConcreteSample(g, randomUniform(noise, g.shape))),
    deterministic: (x) => forward(x, (g) => hardConcreteDeterministic(g)),
    density: fraction((g) => hardConcreteProbNonzero(g)),
    prunedDensity: fraction((g) => tf.cast(tf.greater(hardConcreteDeterministic(g), 0), 'float32')),
  };
}
