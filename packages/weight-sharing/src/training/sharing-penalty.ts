import { checkNonNegative, PaperkitInputError, ParamMap } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { parameterNamed } from './param-lookup.js';
import { checkWeightSharingLayers, type WeightSharingLayer } from './weight-sharing-prox.js';

/**
 * c·R(w) as a differentiable tfjs scalar, with R(w) = (1/(d−1)) Σ_{i>j} |w_i − w_j| over the flattened
 * tensor (the package's {@link R}, spec §I.1). It is the reference code's `ws_alg = "subgradient"`
 * (spec §I.4), which adds R to the loss instead of taking a proximal step.
 *
 * The value is the sorted form (1/(d−1)) Σ_j (d − 1 − 2j)·w_[j] over the entries in descending order
 * (`tf.topk` with k = d): O(d log d) on the device, no d×d tensor, no host read. tfjs has no gradient
 * for TopK, so the gradient is supplied by `tf.customGrad`: entry i of rank j gets
 * c·(d − 1 − 2j)/(d − 1), scattered back through the topk indices. That is the gradient of R where
 * the entries are distinct; at ties the order topk picks is one sorting permutation, and the gradient of
 * the linear piece of any sorting permutation is a valid subgradient (R is the maximum of those pieces).
 *
 * `coefficient` is explicit because the reference code adds R with coefficient 1 and uses ws_lr only as
 * an on/off switch (`get_R`), unlike the proximal path where λ = ws_lr·η_t. With c = ws_lr a plain SGD
 * step at rate η moves each weight by at most η·ws_lr, as the prox does; with momentum μ the penalty's
 * gradient accumulates in the buffer, so c = ws_lr·(1 − μ) matches. (The reference also computes R on
 * `weight.data`, which is detached from autograd, so as coded its penalty adds no gradient at all; this
 * port differentiates it, which is what the option describes.) For d ≤ 1 (no pairs) the penalty is 0
 * with a zero gradient. Non-finite weights give a non-finite penalty (nothing is read to the host).
 * Cost: dominated by the device sort, ≈30 ms at d = 3e5 on wasm.
 *
 * @param w any float32 tensor; it is flattened.
 * @param coefficient c ≥ 0; default 1 (the reference code's literal formula).
 */
export function weightSharingPenalty(w: tf.Tensor, coefficient = 1): tf.Scalar {
  if (!(w instanceof tf.Tensor)) throw new PaperkitInputError('w', w, 'a tf.Tensor');
  if (w.dtype !== 'float32') throw new PaperkitInputError('w.dtype', w.dtype, '"float32"');
  checkNonNegative('coefficient', coefficient);
  const d = w.size;
  // Keeps the result connected to w so tf.grad of a lone penalty stays defined (gradient 0).
  if (d < 2 || coefficient === 0) return tf.tidy(() => tf.mul(tf.sum(w), 0) as tf.Scalar);
  const penalty = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const { values, indices } = tf.topk(tf.reshape(x, [d]), d, true);
    // Rank weights (d − 1 − 2j)·c/(d − 1): integers exact in float32 up to 2^24, scaled once, so each
    // term stays O(|w|) and the sum does not cancel d-sized products.
    const weights = tf.mul(tf.sub(d - 1, tf.mul(tf.range(0, d, 1, 'float32'), 2)), coefficient / (d - 1));
    save([indices, weights]);
    return {
      value: blockedSum(tf.mul(values, weights)),
      gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) => {
        const [idx, wts] = saved as [tf.Tensor1D, tf.Tensor1D];
        return tf.reshape(tf.scatterND(tf.expandDims(idx, 1), tf.mul(wts, dy), [d]), x.shape);
      },
    };
  });
  return penalty(w) as tf.Scalar;
}

/**
 * Σ of a 1-D tensor in two levels (blocks of ≈√d, then the block sums): float32 rounding error grows
 * with ≈2√d instead of d terms, which keeps c·R(w) within ≈1e-6 relative of the float64 value at
 * d ≈ 3e5 (a single running sum drifted by 2e-5).
 */
function blockedSum(x: tf.Tensor): tf.Scalar {
  const d = x.size;
  const block = Math.ceil(Math.sqrt(d));
  const rows = Math.ceil(d / block);
  const padded = rows * block === d ? x : tf.pad(x, [[0, rows * block - d]]);
  return tf.sum(tf.sum(tf.reshape(padded, [rows, block]), 1));
}

/** Parameters by name: a ParamMap or a record of tensors (variables or not). */
export type NamedTensors = ParamMap | Readonly<Record<string, tf.Tensor>>;

/**
 * The subgradient form of weight-sharing regularization for a layer list shaped like
 * {@link WeightSharingProx}'s (`[{ weight, bias?, wsLr }]`): Σ_layers wsLr·(R(weight) + R(bias)), each
 * weight tensor flattened into one vector and the bias regularized separately (reference `get_R`).
 * Each layer's coefficient is its `wsLr` (see {@link weightSharingPenalty} for why; pass `wsLr: 1` for
 * the reference code's literal coefficient). Differentiable; call it inside the loss.
 */
export function sharingPenalty(params: NamedTensors, layers: readonly WeightSharingLayer[]): tf.Scalar {
  return penaltyOf(params, checkWeightSharingLayers(layers));
}

function penaltyOf(params: NamedTensors, layers: readonly WeightSharingLayer[]): tf.Scalar {
  const tensors: Readonly<Record<string, tf.Tensor>> = params instanceof ParamMap ? params.tensors() : params;
  const lookup = (name: string, field: string): tf.Tensor => parameterNamed(tensors, name, field);
  return tf.tidy(() => {
    const terms: tf.Scalar[] = [];
    layers.forEach((layer, i) => {
      terms.push(weightSharingPenalty(lookup(layer.weight, `layers[${i}].weight`), layer.wsLr));
      if (layer.bias !== undefined)
        terms.push(weightSharingPenalty(lookup(layer.bias, `layers[${i}].bias`), layer.wsLr));
    });
    return tf.addN(terms) as tf.Scalar;
  });
}

/**
 * Wraps a loss for `optimizer.minimize`: the returned function computes `loss() + sharingPenalty(params,
 * layers)`, the training objective of the reference code's `ws_alg = "subgradient"` (spec §I.4) with
 * the coefficient made explicit. The layer list is validated once, here. Example:
 * `opt.minimize(withSharingPenalty(() => crossEntropy(), params, [{ weight: 'fc1.weight', wsLr: 3e-3 }]), params)`.
 */
export function withSharingPenalty(
  loss: () => tf.Scalar,
  params: NamedTensors,
  layers: readonly WeightSharingLayer[],
): () => tf.Scalar {
  if (typeof loss !== 'function') throw new PaperkitInputError('loss', loss, 'a function returning a scalar');
  const checked = checkWeightSharingLayers(layers);
  return () => tf.tidy(() => tf.add(loss(), penaltyOf(params, checked)) as tf.Scalar);
}
