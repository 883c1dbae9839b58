import {
  type Activation,
  activate,
  checkActivation,
  checkInRange,
  checkInteger,
  PaperkitInputError,
  type ParamMap,
  type ParamTensors,
  param,
  type Rng,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { Partition } from '../partition.js';

/** Nonlinearity of the hidden layers of encoders and decoders. */
export interface HiddenActivation {
  /**
   * `leakyRelu` (default, as the reference models) or any smooth activation of tensor-core (`tanh`,
   * `elu`, `softplus`, `gelu`, …). A smooth one makes a learned decoder C², which the
   * sufficient-nonlinearity matrix of a learned decoder needs (a leaky-ReLU network is piecewise
   * linear, so its second derivatives vanish almost everywhere).
   */
  readonly activation?: Activation;
  /**
   * Negative slope of `leakyRelu`; default 0.2 (the small-scale CPU reproduction; the reference models
   * use 0.01).
   */
  readonly leakySlope?: number;
}

/** Default negative slope of the leaky ReLU (the validated CPU-scale setting). */
export const DEFAULT_LEAKY_SLOPE = 0.2;

/** Validates the activation settings and returns them resolved. */
export function resolveActivation(h: HiddenActivation): Required<HiddenActivation> {
  const activation = checkActivation('activation', h.activation ?? 'leakyRelu');
  const leakySlope = checkInRange('leakySlope', h.leakySlope ?? DEFAULT_LEAKY_SLOPE, 0, 1, '[)');
  return { activation, leakySlope };
}

/** Validates a list of layer widths named `parameter`. */
export function checkWidths(parameter: string, widths: readonly number[]): number[] {
  if (!Array.isArray(widths)) throw new PaperkitInputError(parameter, widths, 'an array of layer widths');
  widths.forEach((w, i) => {
    checkInteger(`${parameter}[${i}]`, w, 1);
  });
  return [...widths];
}

/**
 * A sum of independent MLPs, one per block of the input, stored as one MLP with block-diagonal
 * weights: block b's hidden units only see block b's inputs and units, and the last layer sums the
 * blocks' contributions for free (Σ_b h_b·W_b = [h_1 … h_B]·[W_1; …; W_B]). So the whole additive
 * network is one dense matMul per layer on [N, ·] (no per-block or per-example loop); masks keep the
 * off-diagonal weights at exactly 0 in the forward pass, and therefore their gradients too. With
 * `separateOutputs`, the last layer is block-diagonal as well and the blocks' outputs are laid side
 * by side ([N, blocks·outputDim]) for a per-block head to continue (the transposed convolutions).
 */
export interface BlockMlpSpec {
  /** Blocks of the input; one block of every input is a plain MLP. */
  readonly partition: Partition;
  /** Input width. */
  readonly inputDim: number;
  /** Hidden widths of each block's MLP. */
  readonly hidden: readonly number[];
  /** Output width (of each block with `separateOutputs`). */
  readonly outputDim: number;
  /** Keep the blocks' outputs apart (block b's at columns b·outputDim…) instead of summing them. */
  readonly separateOutputs?: boolean;
  /** Parameter-name prefix, e.g. `dec.`. */
  readonly prefix: string;
  /** Hidden activation (resolved). */
  readonly act: Required<HiddenActivation>;
}

/** Widths of the stored layers: input, nb·hidden…, output (nb·output when separate). */
function storedSizes(s: BlockMlpSpec): number[] {
  const nb = s.partition.length;
  return [s.inputDim, ...s.hidden.map((h) => nb * h), s.separateOutputs ? nb * s.outputDim : s.outputDim];
}

/** Whether layer i's bias is per block and summed ([blocks, out]): the last layer of a summed MLP. */
function summedBias(s: BlockMlpSpec, i: number): boolean {
  return i === s.hidden.length && !s.separateOutputs;
}

/** Rows and columns of layer i that block k owns. */
function blockSpan(s: BlockMlpSpec, i: number, k: number, cols: number): { rows: number[]; cols: number[] } {
  const last = i === s.hidden.length;
  const width = last ? s.outputDim : s.hidden[i]!;
  return {
    rows: i === 0 ? [...s.partition[k]!] : range(k * s.hidden[i - 1]!, s.hidden[i - 1]!),
    cols: last && !s.separateOutputs ? range(0, cols) : range(k * width, width),
  };
}

/**
 * Adds the parameters of a block MLP to `into`: `${prefix}fc{i}.weight` [in, out] (block-diagonal,
 * zero off the diagonal blocks; the first layer connects block b's inputs to block b's units; the last
 * layer stacks the blocks' output weights), `${prefix}fc{i}.bias` [out] for hidden layers, and the last
 * layer's per-block biases [blocks, out] (summed in the forward pass, so each block's own image keeps
 * its bias). Each block's sub-matrix is drawn as PyTorch's `nn.Linear` (U(±1/√fanIn), fanIn = the
 * block's own input width) from its own stream `rng.stream(name).stream('b' + block)`, so a block's
 * initial weights do not depend on the other blocks.
 */
export function initBlockMlp(rng: Rng, s: BlockMlpSpec, into: ParamMap): void {
  const nb = s.partition.length;
  const sizes = storedSizes(s);
  const layers = sizes.length - 1;
  for (let i = 0; i < layers; i++) {
    const name = `${s.prefix}fc${i}`;
    const rows = sizes[i]!;
    const cols = sizes[i + 1]!;
    const summed = summedBias(s, i);
    const w = new Float32Array(rows * cols);
    const b = new Float32Array(summed ? nb * cols : cols);
    for (let k = 0; k < nb; k++) {
      const span = blockSpan(s, i, k, cols);
      const bound = 1 / Math.sqrt(span.rows.length);
      const wr = rng.stream(`${name}.weight`).stream(`b${k}`);
      for (const r of span.rows) for (const c of span.cols) w[r * cols + c] = wr.uniform(-bound, bound);
      const br = rng.stream(`${name}.bias`).stream(`b${k}`);
      for (const c of span.cols) b[(summed ? k * cols : 0) + c] = br.uniform(-bound, bound);
    }
    tf.tidy(() => {
      into.add(`${name}.weight`, {
        value: tf.tensor2d(w, [rows, cols]),
        role: 'weight',
        layout: { outAxis: 1, inAxis: 0 },
        group: name,
      });
      into.add(`${name}.bias`, {
        value: summed ? tf.tensor2d(b, [nb, cols]) : tf.tensor1d(b),
        role: 'bias',
        group: name,
      });
    });
  }
}

/** The 0/1 masks of the block-diagonal layers (null for a one-block MLP, whose layers are dense). */
export function blockMasks(s: BlockMlpSpec): (tf.Tensor2D | null)[] | null {
  const nb = s.partition.length;
  if (nb === 1) return null;
  const sizes = storedSizes(s);
  const layers = sizes.length - 1;
  return Array.from({ length: layers }, (_, i) => {
    if (i === layers - 1 && !s.separateOutputs) return null;
    const rows = sizes[i]!;
    const cols = sizes[i + 1]!;
    const m = new Float32Array(rows * cols);
    for (let k = 0; k < nb; k++) {
      const span = blockSpan(s, i, k, cols);
      for (const r of span.rows) for (const c of span.cols) m[r * cols + c] = 1;
    }
    return tf.keep(tf.tensor2d(m, [rows, cols]));
  });
}

/**
 * Forward pass on x [N, inputDim] → [N, outputDim]: the sum of every block's MLP. With parameters
 * stacked along a leading axis of K independent copies (weights [K, in, out], biases [K, out] and
 * [K, blocks, out]) and x [K, N, inputDim], it runs the K copies at once with batched matMuls →
 * [K, N, outputDim] (how restarts are screened together).
 */
export function applyBlockMlp(
  params: ParamTensors,
  x: tf.Tensor2D | tf.Tensor3D,
  s: BlockMlpSpec,
  masks: readonly (tf.Tensor2D | null)[] | null,
): tf.Tensor {
  const layers = s.hidden.length + 1;
  const stacked = x.rank === 3;
  return tf.tidy(() => {
    let h: tf.Tensor = x;
    for (let i = 0; i < layers; i++) {
      const name = `${s.prefix}fc${i}`;
      let w = param(params, `${name}.weight`);
      const mask = masks?.[i];
      if (mask) w = tf.mul(w, mask);
      let b = param(params, `${name}.bias`);
      // The last layer's per-block biases are summed: each block's own image keeps its bias.
      if (summedBias(s, i)) b = tf.sum(b, stacked ? 1 : 0);
      if (stacked) b = tf.expandDims(b, 1);
      h = tf.add(tf.matMul(h as tf.Tensor2D, w as tf.Tensor2D), b);
      if (i < layers - 1) h = activateHidden(h, s.act);
    }
    return h;
  });
}

/**
 * Block `block`'s MLP alone on its own inputs xB [N, |B|] → [N, outputDim], read from the
 * block-diagonal parameters by slicing (an independent path from {@link applyBlockMlp}).
 */
export function applyBlockAlone(
  params: ParamTensors,
  xB: tf.Tensor2D,
  s: BlockMlpSpec,
  block: number,
): tf.Tensor2D {
  const layers = s.hidden.length + 1;
  const inputs = s.partition[block]!;
  return tf.tidy(() => {
    let h: tf.Tensor2D = xB;
    for (let i = 0; i < layers; i++) {
      const name = `${s.prefix}fc${i}`;
      const w = param(params, `${name}.weight`) as tf.Tensor2D;
      const b = param(params, `${name}.bias`);
      const span = blockSpan(s, i, block, w.shape[1]);
      const r0 = i === 0 ? 0 : span.rows[0]!;
      const rn = i === 0 ? w.shape[0] : span.rows.length;
      const c0 = span.cols[0]!;
      const cn = span.cols.length;
      let wb = tf.slice(w, [r0, c0], [rn, cn]);
      if (i === 0) wb = tf.gather(wb, tf.tensor1d([...inputs], 'int32'), 0);
      const bb = summedBias(s, i)
        ? tf.reshape(tf.slice(b, [block, 0], [1, cn]), [cn])
        : tf.slice(b, [c0], [cn]);
      h = tf.add(tf.matMul(h, wb as tf.Tensor2D), bb);
      if (i < layers - 1) h = activateHidden(h, s.act);
    }
    return h;
  });
}

/** The hidden nonlinearity of a resolved {@link HiddenActivation}. */
export function activateHidden<T extends tf.Tensor>(h: T, act: Required<HiddenActivation>): T {
  return activate(h, act.activation, { leakySlope: act.leakySlope }) as T;
}

function range(start: number, n: number): number[] {
  return Array.from({ length: n }, (_, k) => start + k);
}
