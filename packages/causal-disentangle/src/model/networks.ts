import {
  currentBackend,
  dense,
  initMlp,
  initWeight,
  type ParamMap,
  type ParamTensors,
  param,
  type Rng,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The networks of the masked VAE as pure functions over named parameters (PyTorch's default `Linear`
 * initialisation, U(±1/√fan_in), as the reference).
 */

/**
 * Initialises an MLP `${prefix}fc{i}` with widths `sizes` (tensor-core's dense layers, [in, out]).
 * The activation is applied by {@link applyLeakyMlp}: tensor-core's named `leakyRelu` has PyTorch's
 * slope 0.01, while the reference uses 0.2 everywhere.
 */
export function initLeakyMlp(rng: Rng, sizes: readonly number[], prefix: string, into: ParamMap): ParamMap {
  return initMlp(rng, { sizes, activation: 'identity', init: 'torch', prefix }, into);
}

/** Forward pass of {@link initLeakyMlp}: a leaky ReLU of slope `slope` after every layer but the last. */
export function applyLeakyMlp(
  params: ParamTensors,
  x: tf.Tensor,
  layers: number,
  prefix: string,
  slope: number,
): tf.Tensor {
  return tf.tidy(() => {
    let h = x;
    for (let i = 0; i < layers; i++) {
      h = dense(params, `${prefix}fc${i}`, h);
      if (i < layers - 1) h = tf.leakyRelu(h, slope);
    }
    return h;
  });
}

/** Shape of the per-latent transition networks. */
export interface TransitionShape {
  /** d_z: one network per latent. */
  readonly latentDim: number;
  /** d_a, or 0 without actions. */
  readonly actionDim: number;
  /** Whether z^{t−1} is an input (temporal setting). */
  readonly temporal: boolean;
  /** Hidden widths; the first is the width of the masked input layer. */
  readonly hidden: readonly number[];
  /** Leaky-ReLU slope. */
  readonly slope: number;
}

/**
 * Initialises the d_z transition networks as stacked tensors (the reference's `ParallelLinear`):
 * - input layer: `trans.inA.weight` [d_a, d_z, h₀] and/or `trans.inZ.weight` [d_z(source), d_z, h₀]
 *   without bias, plus `trans.in.bias` [d_z, h₀] initialised at 0;
 * - hidden layer k: `trans.fc{k}.weight` [d_z, h_k, h_{k+1}], `trans.fc{k}.bias` [d_z, 1, h_{k+1}];
 * - output: `trans.out.weight` [d_z, h_last, 1], `trans.out.bias` [d_z, 1, 1], the prior mean m_i.
 * The input weights store the source axis first so that the per-batch mask folds into them (see
 * {@link applyTransition}). Only the mean is output: with the reference's default input-independent
 * prior variance its log-variance head is unused.
 */
export function initTransition(rng: Rng, s: TransitionShape, into: ParamMap): ParamMap {
  const d = s.latentDim;
  const h0 = s.hidden[0]!;
  const add = (name: string, shape: number[], fanIn: number, role: 'weight' | 'bias') =>
    tf.tidy(() => {
      into.add(name, {
        value: initWeight(rng.stream(name), shape, fanIn, fanIn, 'torch'),
        role,
        group: name.replace(/\.(weight|bias)$/, ''),
      });
    });
  if (s.actionDim > 0) add('trans.inA.weight', [s.actionDim, d, h0], s.actionDim, 'weight');
  if (s.temporal) add('trans.inZ.weight', [d, d, h0], d, 'weight');
  tf.tidy(() => {
    into.add('trans.in.bias', { value: tf.zeros([d, h0]), role: 'bias', group: 'trans.in' });
  });
  for (let k = 0; k + 1 < s.hidden.length; k++) {
    add(`trans.fc${k}.weight`, [d, s.hidden[k]!, s.hidden[k + 1]!], s.hidden[k]!, 'weight');
    add(`trans.fc${k}.bias`, [d, 1, s.hidden[k + 1]!], s.hidden[k]!, 'bias');
  }
  const last = s.hidden.at(-1)!;
  add('trans.out.weight', [d, last, 1], last, 'weight');
  add('trans.out.bias', [d, 1, 1], last, 'bias');
  return into;
}

/**
 * How the d_z per-latent layers are multiplied, both as one matmul per layer:
 * - `batched`: [d_z, B, h]·[d_z, h, h'] (tfjs BatchMatMul), the natural form and the fastest with
 *   native BLAS or at large widths;
 * - `blockDiagonal`: [B, d_z·h]·blockdiag(W_1, …, W_dz). Stock tfjs-wasm multiplies a batch of
 *   matrices ~10× slower per flop than one matrix (4×256×32×32: ~0.9 ms against ~80 µs for the same
 *   work as one 1024×32×32 product), so at small d_z·h the d_z-fold wasted zeros are cheaper.
 * `auto` picks `blockDiagonal` on wasm without BLAS when d_z·max(h) ≤ 512, else `batched`.
 */
export type TransitionLayout = 'auto' | 'batched' | 'blockDiagonal';

/** The layout `auto` resolves to on the current backend. */
export function resolveTransitionLayout(
  layout: TransitionLayout,
  s: TransitionShape,
): 'batched' | 'blockDiagonal' {
  if (layout !== 'auto') return layout;
  const b = currentBackend();
  const width = s.latentDim * Math.max(...s.hidden);
  return b?.name === 'wasm' && !b.accelerated && width <= 512 ? 'blockDiagonal' : 'batched';
}

/**
 * (M_i ⊙ u)·W_i for every latent i at once, as [B, d_z·h]. The mask is one sample per minibatch, so
 * (M_i ⊙ u)·W_i = u·(M_iᵀ ⊙ W_i): the mask scales the stored [k, d_z, h] weights and a single
 * [B, k]·[k, d_z·h] matmul computes every latent's input layer.
 */
function maskedInput(u: tf.Tensor2D, mask: tf.Tensor2D, w: tf.Tensor3D): tf.Tensor2D {
  const [k, d, h] = w.shape;
  const folded = tf.mul(w, tf.reshape(tf.transpose(mask), [k, d, 1]));
  return tf.matMul(u, tf.reshape(folded, [k, d * h]) as tf.Tensor2D);
}

/** blockdiag(W_1, …, W_d) of stacked [d, h, h'] weights, as [d·h, d·h'] (differentiable in W). */
function blockDiagonal(w: tf.Tensor3D): tf.Tensor2D {
  const [d, h, h2] = w.shape;
  const eye = tf.reshape(tf.eye(d), [d, 1, d, 1]);
  return tf.reshape(tf.mul(tf.reshape(w, [d, h, 1, h2]), eye), [d * h, d * h2]) as tf.Tensor2D;
}

/** Inputs of {@link applyTransition}: contexts and their d_z×k masks (0/1 or soft). */
export interface TransitionInputs {
  /** a^{t−1}, [B, d_a]. */
  readonly actions?: tf.Tensor2D;
  /** M^a, [d_z, d_a]. */
  readonly actionMask?: tf.Tensor2D;
  /** z^{t−1}, [B, d_z]. */
  readonly previous?: tf.Tensor2D;
  /** M^z, [d_z, d_z]. */
  readonly temporalMask?: tf.Tensor2D;
}

/**
 * The prior means m_i(M^a_i ⊙ a, M^z_i ⊙ z^{t−1}) of all d_z latents, [B, d_z]: the masked input layer
 * (one matmul per input type), then one matmul per hidden layer for all latents together (see
 * {@link TransitionLayout}), never one model per latent. A masked-out input is replaced by the
 * reference's dummy γ, which is frozen at 0, so masking is plain multiplication.
 */
export function applyTransition(
  params: ParamTensors,
  inputs: TransitionInputs,
  s: TransitionShape,
  layout: TransitionLayout = 'auto',
): tf.Tensor2D {
  const mode = resolveTransitionLayout(layout, s);
  const d = s.latentDim;
  return tf.tidy(() => {
    let pre: tf.Tensor = tf.reshape(param(params, 'trans.in.bias'), [1, -1]);
    if (s.actionDim > 0)
      pre = tf.add(
        pre,
        maskedInput(inputs.actions!, inputs.actionMask!, param(params, 'trans.inA.weight') as tf.Tensor3D),
      );
    if (s.temporal)
      pre = tf.add(
        pre,
        maskedInput(inputs.previous!, inputs.temporalMask!, param(params, 'trans.inZ.weight') as tf.Tensor3D),
      );
    let h: tf.Tensor = tf.leakyRelu(pre, s.slope);
    const layers = [...Array.from({ length: s.hidden.length - 1 }, (_, k) => `trans.fc${k}`), 'trans.out'];
    if (mode === 'blockDiagonal') {
      layers.forEach((name, k) => {
        const w = param(params, `${name}.weight`) as tf.Tensor3D;
        h = tf.add(
          tf.matMul(h as tf.Tensor2D, blockDiagonal(w)),
          tf.reshape(param(params, `${name}.bias`), [1, -1]),
        );
        if (k < layers.length - 1) h = tf.leakyRelu(h, s.slope);
      });
      return h as tf.Tensor2D;
    }
    // [B, d_z·h] → [d_z, B, h] for the per-latent batched matmuls.
    h = tf.transpose(tf.reshape(h, [-1, d, s.hidden[0]!]), [1, 0, 2]);
    layers.forEach((name, k) => {
      h = tf.add(
        tf.matMul(h as tf.Tensor3D, param(params, `${name}.weight`) as tf.Tensor3D),
        param(params, `${name}.bias`),
      );
      if (k < layers.length - 1) h = tf.leakyRelu(h, s.slope);
    });
    return tf.transpose(tf.reshape(h, [d, -1])) as tf.Tensor2D;
  });
}
