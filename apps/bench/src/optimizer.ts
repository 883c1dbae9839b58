import { Adam } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';

/** The slice of an optimizer the training cases time. */
export interface BenchOptimizer {
  /** One training step: gradients of `loss` with respect to `vars`, then the update. */
  minimize(loss: () => tf.Scalar, vars: readonly tf.Variable[]): void;
  /** The update alone, from gradients keyed by variable name. */
  apply(grads: Readonly<Record<string, tf.Tensor>>, vars: readonly tf.Variable[]): void;
  dispose(): void;
}

function tfjsAdam(lr: number): BenchOptimizer {
  const opt = tf.train.adam(lr);
  return {
    minimize: (loss, vars) => {
      tf.dispose(opt.minimize(loss, false, [...vars]) ?? []);
    },
    apply: (grads) => opt.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor }))),
    dispose: () => opt.dispose(),
  };
}

function paperkitAdam(lr: number): BenchOptimizer {
  const opt = new Adam({ lr });
  const record = (vars: readonly tf.Variable[]) => Object.fromEntries(vars.map((v) => [v.name, v]));
  return {
    minimize: (loss, vars) => {
      tf.dispose(opt.minimize(loss, record(vars)));
    },
    apply: (grads, vars) => opt.step(record(vars), { ...grads }),
    dispose: () => opt.dispose(),
  };
}

// The training cases time tensor-core's Adam (PyTorch semantics) by default; `--optimizer tfjs`
// times tfjs's own tf.train.adam in the same process for comparison.
/** The Adam the training cases use. */
export function makeAdam(kind: 'tfjs' | 'paperkit', lr: number): BenchOptimizer {
  return kind === 'paperkit' ? paperkitAdam(lr) : tfjsAdam(lr);
}
