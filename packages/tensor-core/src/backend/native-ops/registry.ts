import * as tf from '@tensorflow/tfjs-core';
import { PaperkitInputError } from '../../validate/errors.js';
import { hasNativeOps, type NativeOps, probeNative } from '../blas/native.js';
import { hasLayer, type LayerFactory, setLayer } from '../kernel-layers.js';
import { type BlasBackendName, storageFor } from '../storage.js';
import { binaryKernel, unaryKernel } from './elementwise.js';
import type { OpFactory } from './kernel.js';
import {
  castKernel,
  gatherKernel,
  identityKernel,
  segmentSumKernel,
  splitKernel,
  transposeKernel,
} from './layout.js';
import { reduceKernel, softmaxKernel } from './reductions.js';

/**
 * The kernels of `@paperkit/tensor-native`'s multi-threaded elementwise, reduction and layout ops,
 * by tfjs kernel name. Chosen by a per-kernel profile of a transformer training step on wasm+blas
 * (matMuls already on BLAS): after BatchMatMul, time went to Sum, Multiply, Exp, Identity, Erf,
 * RealDiv, Neg, Cast, Add, SplitV, Mean, Square, Sub, Transpose and Sqrt (apps/bench --profile).
 */
const FACTORIES: Readonly<Record<string, OpFactory>> = {
  Add: binaryKernel('Add', 'add'),
  Sub: binaryKernel('Sub', 'sub'),
  Multiply: binaryKernel('Multiply', 'mul'),
  RealDiv: binaryKernel('RealDiv', 'div'),
  SquaredDifference: binaryKernel('SquaredDifference', 'squaredDifference'),
  Neg: unaryKernel('Neg', 'neg'),
  Exp: unaryKernel('Exp', 'exp'),
  Log: unaryKernel('Log', 'log'),
  Sqrt: unaryKernel('Sqrt', 'sqrt'),
  Rsqrt: unaryKernel('Rsqrt', 'rsqrt'),
  Square: unaryKernel('Square', 'square'),
  Abs: unaryKernel('Abs', 'abs'),
  Reciprocal: unaryKernel('Reciprocal', 'reciprocal'),
  Tanh: unaryKernel('Tanh', 'tanh'),
  Sigmoid: unaryKernel('Sigmoid', 'sigmoid'),
  Relu: unaryKernel('Relu', 'relu'),
  Erf: unaryKernel('Erf', 'erf'),
  Step: unaryKernel('Step', 'step', 'alpha'),
  LeakyRelu: unaryKernel('LeakyRelu', 'leakyRelu', 'alpha'),
  Sum: reduceKernel('Sum', 'sum'),
  Mean: reduceKernel('Mean', 'mean'),
  Max: reduceKernel('Max', 'max'),
  Min: reduceKernel('Min', 'min'),
  Softmax: softmaxKernel,
  Transpose: transposeKernel,
  SplitV: splitKernel,
  GatherV2: gatherKernel,
  UnsortedSegmentSum: segmentSumKernel,
  Cast: castKernel,
  Identity: identityKernel,
};

/** Kernels replaced by the addon's elementwise, reduction and layout ops where it loads. */
export const NATIVE_OP_KERNELS: readonly string[] = Object.keys(FACTORIES);

/** Kernels added where the backend has none (UnsortedSegmentSum on wasm, so gather has a gradient). */
const ADDED_WHERE_MISSING = new Set(['UnsortedSegmentSum']);

const BACKENDS: readonly BlasBackendName[] = ['wasm', 'cpu'];

const layerFactories = new Map<string, LayerFactory>();

function layerFactory(native: NativeOps, backend: BlasBackendName, kernel: string): LayerFactory {
  const key = `${backend}/${kernel}`;
  let f = layerFactories.get(key);
  if (!f) {
    const storage = (b: object) => storageFor(backend, b);
    f = (next) => FACTORIES[kernel]!(native, storage, next);
    layerFactories.set(key, f);
  }
  return f;
}

function checkBackend(backend: string): BlasBackendName {
  if (!BACKENDS.includes(backend as BlasBackendName))
    throw new PaperkitInputError('backend', backend, `one of ${BACKENDS.join(', ')}`);
  return backend as BlasBackendName;
}

/**
 * Replaces the kernels of {@link NATIVE_OP_KERNELS} on `backend` (default: the active one) with the
 * addon's multi-threaded ones, each keeping the kernel below it for the inputs it does not take
 * (other dtypes, non-contiguous reduction axes, ranks above 8). Threads follow `setBlasThreads`.
 * Resolves false, changing nothing, when the addon is absent, broken or built without these
 * kernels. `initBackend({ blas: 'auto' })` calls it together with `enableBlasKernels`.
 */
export async function enableNativeOps(backend: string = tf.getBackend()): Promise<boolean> {
  const name = checkBackend(backend);
  const probe = await probeNative();
  if (!hasNativeOps(probe.addon)) return false;
  if (!tf.findBackendFactory(name))
    throw new Error(
      `backend '${name}' is not registered with tfjs yet; call initBackend({ prefer: '${name}' }) first`,
    );
  for (const kernel of NATIVE_OP_KERNELS) {
    if (
      !tf.getKernel(kernel, name) &&
      !hasLayer(name, kernel, 'native-ops') &&
      !ADDED_WHERE_MISSING.has(kernel)
    )
      continue;
    setLayer(name, kernel, 'native-ops', layerFactory(probe.addon, name, kernel));
  }
  return true;
}

/** Restores the kernels below the native ops on `backend`; returns whether anything changed. */
export function disableNativeOps(backend: string = tf.getBackend()): boolean {
  const name = checkBackend(backend);
  let changed = false;
  for (const kernel of NATIVE_OP_KERNELS) changed = setLayer(name, kernel, 'native-ops', null) || changed;
  return changed;
}

/** Whether the native ops are registered on `backend` (default: the active one). */
export function nativeOpsEnabled(backend: string = tf.getBackend()): boolean {
  return NATIVE_OP_KERNELS.some((k) => hasLayer(backend, k, 'native-ops'));
}
