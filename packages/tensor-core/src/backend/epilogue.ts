import type * as tf from '@tensorflow/tfjs-core';
import type { Storage } from './storage.js';

/** The fused activations tfjs's `_FusedMatMul`/`FusedConv2D` accept (tfjs-core `fused_types.ts`). */
const ACTIVATION_KERNELS: Readonly<Record<string, string | null>> = {
  linear: null,
  relu: 'Relu',
  relu6: 'Relu6',
  elu: 'Elu',
  sigmoid: 'Sigmoid',
  leakyrelu: 'LeakyRelu',
  prelu: 'Prelu',
};

/** Whether the epilogue can apply `activation` (undefined means none). */
export function isSupportedActivation(activation: unknown): boolean {
  return activation === undefined || (typeof activation === 'string' && activation in ACTIVATION_KERNELS);
}

/** Bias and activation of a fused op. */
export interface Epilogue {
  readonly bias?: tf.TensorInfo | undefined;
  readonly activation?: string | undefined;
  readonly preluActivationWeights?: tf.TensorInfo | undefined;
  readonly leakyreluAlpha?: number | undefined;
}

/**
 * Applies bias then activation with the backend's stock elementwise kernels, exactly as the stock
 * fused kernels do (cpu `_fusedMatMul`: add, then `applyActivation`), so results match them to
 * rounding. Consumes `x`: intermediates are released and the final tensor is returned.
 */
export function applyEpilogue(store: Storage, x: tf.TensorInfo, e: Epilogue): tf.TensorInfo {
  let current = x;
  if (e.bias) {
    const added = store.run('Add', { a: current, b: e.bias });
    store.dispose(current);
    current = added;
  }
  const kernel = e.activation === undefined ? null : ACTIVATION_KERNELS[e.activation];
  if (!kernel) return current;
  let activated: tf.TensorInfo;
  if (kernel === 'Prelu') {
    if (!e.preluActivationWeights) throw new Error('fused prelu activation needs preluActivationWeights');
    activated = store.run(kernel, { x: current, alpha: e.preluActivationWeights });
  } else if (kernel === 'LeakyRelu') {
    activated = store.run(kernel, { x: current }, { alpha: e.leakyreluAlpha ?? 0.2 });
  } else {
    activated = store.run(kernel, { x: current });
  }
  store.dispose(current);
  return activated;
}
