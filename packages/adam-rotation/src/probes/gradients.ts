import { checkObject, PaperkitInputError, ParamMap } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * A minibatch loss of named parameters: `batch` selects the minibatch B_i, and the same index must
 * give the same batch (probes evaluate it several times, at shifted parameters).
 */
export type BatchLoss = (params: Record<string, tf.Tensor>, batch: number) => tf.Scalar;

/** Parameters a probe reads: a ParamMap or name → tensor. Their current values are used. */
export type ProbeParams = ParamMap | Readonly<Record<string, tf.Tensor>>;

/** Name → tensor for a {@link ProbeParams}, in its own order. */
export function probeTensors(params: ProbeParams): Record<string, tf.Tensor> {
  if (params instanceof ParamMap) return params.tensors();
  checkObject('params', params, 'a ParamMap or a record of tensors');
  for (const [k, v] of Object.entries(params))
    if (!(v instanceof tf.Tensor)) throw new PaperkitInputError(`params.${k}`, v, 'a tensor');
  return { ...params };
}

/**
 * ∇f_B(θ) for every parameter (zeros for parameters the loss ignores), inside the caller's tidy.
 * Uses the engine's gradient call, which unlike `tf.grads` tolerates unused parameters.
 */
export function gradientsAt(
  loss: BatchLoss,
  params: Record<string, tf.Tensor>,
  batch: number,
): Record<string, tf.Tensor> {
  const names = Object.keys(params);
  const xs = names.map((n) => params[n]!);
  let bad: unknown;
  const { grads } = tf.engine().gradients(
    () => {
      const rec: Record<string, tf.Tensor> = {};
      names.forEach((n, i) => {
        rec[n] = xs[i]!;
      });
      const l = loss(rec, batch);
      if (l instanceof tf.Tensor && l.size === 1) return tf.reshape(l, []) as tf.Scalar;
      bad = l;
      return tf.sum(tf.mul(xs[0]!, 0)) as tf.Scalar;
    },
    xs,
    undefined,
    true,
  );
  if (bad !== undefined) throw new PaperkitInputError('loss', bad, 'a function returning a scalar tensor');
  const out: Record<string, tf.Tensor> = {};
  names.forEach((n, i) => {
    out[n] = grads[i] ?? tf.zerosLike(xs[i]!);
  });
  return out;
}
