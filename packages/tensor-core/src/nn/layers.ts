import * as tf from '@tensorflow/tfjs-core';
import { PaperkitInputError } from '../validate/errors.js';

/** Parameters as the pure forward functions take them: name → tensor (a `ParamMap.tensors()` fits). */
export type ParamTensors = Readonly<Record<string, tf.Tensor>>;

/** The tensor `name` from `params`; throws naming a few known parameters when it is absent. */
export function param(params: ParamTensors, name: string): tf.Tensor {
  const t = params[name];
  if (t === undefined) {
    const known = Object.keys(params);
    throw new PaperkitInputError(
      'params',
      name,
      `a map containing "${name}" (it has ${known.length} entries${known.length ? `: ${known.slice(0, 6).join(', ')}${known.length > 6 ? ', …' : ''}` : ''})`,
    );
  }
  return t;
}

/**
 * A dense layer `x · W (+ b)` over the last axis, for inputs of any rank ≥ 2 (leading axes are
 * flattened for one matMul and restored). `W` is `name.weight` [in, out]; `b` is `name.bias`, required
 * unless `bias` is false (so a config that disagrees with the initialised map fails loudly).
 */
export function dense(params: ParamTensors, name: string, x: tf.Tensor, bias = true): tf.Tensor {
  return tf.tidy(() => {
    const w = param(params, `${name}.weight`) as tf.Tensor2D;
    const inDim = w.shape[0];
    if (x.shape[x.rank - 1] !== inDim)
      throw new PaperkitInputError(
        'x',
        x,
        `a tensor whose last axis is ${inDim} (the input width of ${name})`,
      );
    const lead = x.shape.slice(0, -1);
    let y: tf.Tensor = tf.matMul(x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, inDim]), w);
    if (bias) y = tf.add(y, param(params, `${name}.bias`));
    return x.rank === 2 ? y : tf.reshape(y, [...lead, w.shape[1]]);
  });
}

/**
 * Layer normalisation over the last axis with gain `name.gain` and shift `name.bias`:
 * (x − μ)/√(σ² + ε)·g + b with the biased variance, as `nn.LayerNorm`. Written with sub/square/mean
 * because tfjs's `squaredDifference` gradient does not reduce over broadcast axes.
 */
export function layerNorm(params: ParamTensors, name: string, x: tf.Tensor, epsilon = 1e-5): tf.Tensor {
  return tf.tidy(() => {
    const mu = tf.mean(x, -1, true);
    const xc = tf.sub(x, mu);
    const variance = tf.mean(tf.square(xc), -1, true);
    const y = tf.mul(xc, tf.rsqrt(tf.add(variance, epsilon)));
    return tf.add(tf.mul(y, param(params, `${name}.gain`)), param(params, `${name}.bias`));
  });
}
