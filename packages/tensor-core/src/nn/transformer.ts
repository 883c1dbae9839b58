import * as tf from '@tensorflow/tfjs-core';
import { ParamMap } from '../params/param-map.js';
import type { Rng } from '../random/rng.js';
import { randomNormal } from '../random/tensors.js';
import { checkInteger, checkPositive, PaperkitInputError } from '../validate/errors.js';
import { activate } from './activations.js';
import { dense, layerNorm, type ParamTensors, param } from './layers.js';
import { softmaxCrossEntropy } from './losses.js';

/** Configuration of a tiny pre-LayerNorm causal transformer language model (GPT-2 layout). */
export interface TransformerConfig {
  /** Number of token ids V. */
  readonly vocabSize: number;
  /** Maximum sequence length (rows of the learned position table). */
  readonly contextLength: number;
  /** Model width d; must be divisible by `heads`. */
  readonly dModel: number;
  /** Attention heads. */
  readonly heads: number;
  /** Number of blocks L. */
  readonly layers: number;
  /** Hidden width of each block's MLP as a multiple of d; default 4. */
  readonly mlpRatio?: number;
  /** Reuse the token embedding as the output head (logits = h·Eᵀ); default false (separate `head.weight`). */
  readonly tiedHead?: boolean;
  /** Standard deviation of the normal init of embeddings and weights; default 0.02 (GPT-2). */
  readonly initStd?: number;
  /**
   * Scale the init of the two projections that write into the residual stream (`attn.proj`,
   * `mlp.fc2`) by 1/√(2L), as GPT-2 does so the residual variance does not grow with depth. Default true.
   */
  readonly scaleResidualInit?: boolean;
  /** LayerNorm ε; default 1e-5. */
  readonly lnEpsilon?: number;
  /** Prepended verbatim to every parameter name; default `''`. */
  readonly prefix?: string;
}

function checkConfig(c: TransformerConfig): void {
  checkInteger('vocabSize', c.vocabSize, 1);
  checkInteger('contextLength', c.contextLength, 1);
  checkInteger('dModel', c.dModel, 1);
  checkInteger('heads', c.heads, 1);
  checkInteger('layers', c.layers, 0);
  checkInteger('mlpRatio', c.mlpRatio ?? 4, 1);
  checkPositive('initStd', c.initStd ?? 0.02);
  checkPositive('lnEpsilon', c.lnEpsilon ?? 1e-5);
  if (c.dModel % c.heads !== 0)
    throw new PaperkitInputError('heads', c.heads, `a divisor of dModel (${c.dModel})`);
}

/**
 * Initialises the transformer. Parameter names (all prefixed by `prefix`):
 * - `tok.embedding` [V, d] and `pos.embedding` [contextLength, d]: role `embedding`, layout
 *   `{ outAxis: 1, inAxis: 0 }` (a one-hot row times the table is a dense layer).
 * - per block i: `block{i}.ln1.gain|bias` (role `norm`), `block{i}.attn.qkv.weight` [d, 3d] with the
 *   query, key and value columns side by side (fused, layout `{ outAxis: 1, inAxis: 0 }`, group
 *   `block{i}.attn.qkv`), `block{i}.attn.qkv.bias`, `block{i}.attn.proj.weight|bias` [d, d],
 *   `block{i}.ln2.*`, `block{i}.mlp.fc1` [d, r·d], `block{i}.mlp.fc2` [r·d, d].
 * - `lnf.gain|bias`, and `head.weight` [d, V] unless `tiedHead`.
 * Weights and embeddings are N(0, initStd²) (residual projections scaled, see the config), biases 0,
 * LayerNorm gains 1. Each tensor draws from `rng.stream(<its name>)`.
 */
export function initTransformer(
  rng: Rng,
  config: TransformerConfig,
  into: ParamMap = new ParamMap(),
): ParamMap {
  checkConfig(config);
  const p = config.prefix ?? '';
  const d = config.dModel;
  const std = config.initStd ?? 0.02;
  const residStd = (config.scaleResidualInit ?? true) ? std / Math.sqrt(2 * Math.max(1, config.layers)) : std;
  const hidden = (config.mlpRatio ?? 4) * d;
  const dense2 = { outAxis: 1, inAxis: 0 } as const;
  const weight = (name: string, shape: number[], s: number, role: 'weight' | 'embedding', group: string) =>
    tf.tidy(() => {
      into.add(p + name, {
        value: randomNormal(rng.stream(p + name), shape, 0, s),
        role,
        layout: dense2,
        group,
      });
    });
  const bias = (name: string, n: number, group: string) =>
    tf.tidy(() => {
      into.add(p + name, { value: tf.zeros([n]), role: 'bias', group });
    });
  const norm = (name: string) =>
    tf.tidy(() => {
      into.add(`${p}${name}.gain`, { value: tf.ones([d]), role: 'norm', group: p + name });
      into.add(`${p}${name}.bias`, { value: tf.zeros([d]), role: 'norm', group: p + name });
    });
  weight('tok.embedding', [config.vocabSize, d], std, 'embedding', `${p}tok`);
  weight('pos.embedding', [config.contextLength, d], std, 'embedding', `${p}pos`);
  for (let i = 0; i < config.layers; i++) {
    const b = `block${i}`;
    norm(`${b}.ln1`);
    weight(`${b}.attn.qkv.weight`, [d, 3 * d], std, 'weight', `${p}${b}.attn.qkv`);
    bias(`${b}.attn.qkv.bias`, 3 * d, `${p}${b}.attn.qkv`);
    weight(`${b}.attn.proj.weight`, [d, d], residStd, 'weight', `${p}${b}.attn.proj`);
    bias(`${b}.attn.proj.bias`, d, `${p}${b}.attn.proj`);
    norm(`${b}.ln2`);
    weight(`${b}.mlp.fc1.weight`, [d, hidden], std, 'weight', `${p}${b}.mlp.fc1`);
    bias(`${b}.mlp.fc1.bias`, hidden, `${p}${b}.mlp.fc1`);
    weight(`${b}.mlp.fc2.weight`, [hidden, d], residStd, 'weight', `${p}${b}.mlp.fc2`);
    bias(`${b}.mlp.fc2.bias`, d, `${p}${b}.mlp.fc2`);
  }
  norm('lnf');
  if (!(config.tiedHead ?? false)) weight('head.weight', [d, config.vocabSize], std, 'weight', `${p}head`);
  return into;
}

/**
 * Additive causal mask [T, T]: 0 where key ≤ query, −1e9 above the diagonal. exp(−1e9 − max)
 * underflows to exactly 0 in float32, so future tokens have exactly zero weight (the causality test
 * relies on it). Built on the host in one tensor call.
 */
export function causalMask(t: number): tf.Tensor2D {
  const m = new Float32Array(t * t);
  for (let i = 0; i < t; i++) m.fill(-1e9, i * t + i + 1, (i + 1) * t);
  return tf.tensor2d(m, [t, t]);
}

/**
 * Rows of `table` [V, d] for integer `ids` (any shape) → [...ids.shape, d]. Uses `gather` where the
 * backend has `UnsortedSegmentSum` (its gradient); wasm lacks it, so there the lookup is a one-hot
 * matMul, which gives bit-identical rows (1·e + 0·others) and a matMul gradient. The one-hot is built
 * as int32 and cast: wasm's OneHot kernel writes int32 bits whatever `dtype` it is asked for.
 */
export function embeddingLookup(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [v, d] = table.shape as [number, number];
    const flat = tf.reshape(tf.cast(ids, 'int32'), [-1]) as tf.Tensor1D;
    const rows =
      tf.getKernel('UnsortedSegmentSum', tf.getBackend()) !== undefined
        ? tf.gather(table, flat)
        : tf.matMul(tf.cast(tf.oneHot(flat, v), 'float32') as tf.Tensor2D, table as tf.Tensor2D);
    return tf.reshape(rows, [...ids.shape, d]);
  });
}

/** Multi-head causal self-attention of block `b` on `x` [B, T, d] with the fused QKV weight. */
function attention(
  params: ParamTensors,
  b: string,
  x: tf.Tensor3D,
  heads: number,
  mask: tf.Tensor,
): tf.Tensor {
  const [bs, t, d] = x.shape;
  const dh = d / heads;
  const qkv = dense(params, `${b}.attn.qkv`, x);
  const [q, k, v] = tf
    .split(qkv, 3, 2)
    .map((z) => tf.transpose(tf.reshape(z, [bs, t, heads, dh]), [0, 2, 1, 3]));
  const scores = tf.add(tf.mul(tf.matMul(q!, k!, false, true), 1 / Math.sqrt(dh)), mask);
  const out = tf.matMul(tf.softmax(scores, -1), v!);
  const merged = tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [bs, t, d]);
  return dense(params, `${b}.attn.proj`, merged);
}

/**
 * The transformer forward pass: int32 `tokens` [B, T] (T ≤ contextLength) → logits [B, T, V].
 * Position t attends to positions ≤ t only. Pure in `params`.
 */
export function applyTransformer(
  params: ParamTensors,
  tokens: tf.Tensor,
  config: TransformerConfig,
): tf.Tensor3D {
  checkConfig(config);
  if (tokens.rank !== 2 || tokens.shape[1]! > config.contextLength || tokens.shape[1]! < 1)
    throw new PaperkitInputError(
      'tokens',
      tokens,
      `an int tensor [B, T] with 1 <= T <= ${config.contextLength}`,
    );
  const p = config.prefix ?? '';
  const eps = config.lnEpsilon ?? 1e-5;
  const [bs, t] = tokens.shape as [number, number];
  const d = config.dModel;
  return tf.tidy(() => {
    const pos = tf.slice(param(params, `${p}pos.embedding`), [0, 0], [t, d]);
    let h = tf.add(embeddingLookup(param(params, `${p}tok.embedding`), tokens), pos) as tf.Tensor3D;
    const mask = causalMask(t);
    for (let i = 0; i < config.layers; i++) {
      const b = `${p}block${i}`;
      h = tf.add(
        h,
        attention(params, b, layerNorm(params, `${b}.ln1`, h, eps) as tf.Tensor3D, config.heads, mask),
      );
      const m = activate(dense(params, `${b}.mlp.fc1`, layerNorm(params, `${b}.ln2`, h, eps)), 'gelu');
      h = tf.add(h, dense(params, `${b}.mlp.fc2`, m));
    }
    const hf = tf.reshape(layerNorm(params, `${p}lnf`, h, eps), [bs * t, d]) as tf.Tensor2D;
    const logits = config.tiedHead
      ? tf.matMul(hf, param(params, `${p}tok.embedding`) as tf.Tensor2D, false, true)
      : tf.matMul(hf, param(params, `${p}head.weight`) as tf.Tensor2D);
    return tf.reshape(logits, [bs, t, config.vocabSize]) as tf.Tensor3D;
  });
}

/**
 * Mean next-token cross-entropy (nats) of `logits` [B, T, V] against int32 `targets` [B, T]: the
 * caller shifts, i.e. `targets[:, t]` is the token that follows position t.
 */
export function languageModelLoss(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  if (
    logits.rank !== 3 ||
    targets.rank !== 2 ||
    logits.shape[0] !== targets.shape[0] ||
    logits.shape[1] !== targets.shape[1]
  )
    throw new PaperkitInputError(
      'targets',
      targets,
      `an int tensor [B, T] matching logits [${logits.shape}]`,
    );
  return tf.tidy(
    () =>
      softmaxCrossEntropy(tf.reshape(logits, [-1, logits.shape[2]!]), tf.reshape(targets, [-1])) as tf.Scalar,
  );
}
