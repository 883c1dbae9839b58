import * as tf from '@tensorflow/tfjs-core';

/** Thrown before training starts when the selected backend lacks a kernel the run needs. */
export class MissingKernelError extends Error {
  override readonly name = 'MissingKernelError';
  /** Kernels that are not registered for the backend. */
  readonly kernels: readonly string[];
  /** The backend that lacks them. */
  readonly backend: string;
  constructor(backend: string, kernels: string[], purpose: string) {
    super(
      `backend '${backend}' lacks kernel${kernels.length > 1 ? 's' : ''} ${kernels.join(', ')} needed for ${purpose}; ` +
        (kernels.includes('Conv2DBackpropFilter') && backend === 'wasm'
          ? 'install the BLAS kernels (@paperkit/tensor-native, see the README) or use --backend cpu'
          : 'choose another backend (--backend cpu has every kernel)'),
    );
    this.kernels = kernels;
    this.backend = backend;
  }
}

/** Kernels a convolutional network needs for training (forward and both backward passes). */
export const CONV_TRAINING_KERNELS: readonly string[] = [
  'Conv2D',
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
];

/** Names of the kernels in `kernels` that the active backend does not register. */
export function missingKernels(kernels: readonly string[], backend: string = tf.getBackend()): string[] {
  return kernels.filter((k) => tf.getKernel(k, backend) === undefined);
}

/**
 * Fails fast, naming the missing kernels, when the active backend cannot run `kernels`. Call it
 * before a training loop so a run never dies mid-way with tfjs's "Kernel not registered".
 */
export function requireKernels(kernels: readonly string[], purpose: string): void {
  const backend = tf.getBackend();
  const missing = missingKernels(kernels, backend);
  if (missing.length > 0) throw new MissingKernelError(backend, missing, purpose);
}
