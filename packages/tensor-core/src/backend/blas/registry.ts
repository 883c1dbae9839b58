import * as tf from '@tensorflow/tfjs-core';
import { PaperkitInputError } from '../../validate/errors.js';
import { hasLayer, type LayerFactory, setLayer } from '../kernel-layers.js';
import { nativeOpsEnabled } from '../native-ops/registry.js';
import { type BlasBackendName, type Storage, storageFor } from '../storage.js';
import {
  conv2dBackpropFilterKernel,
  conv2dBackpropInputKernel,
  conv2dKernel,
  fusedConv2dKernel,
} from './conv.js';
import { batchMatMulKernel, fusedMatMulKernel } from './matmul.js';
import { type NativeBlas, type NativeState, probeNative, settledProbe } from './native.js';

type Factory = (
  native: NativeBlas,
  storage: (b: object) => Storage,
  stock: tf.KernelFunc | null,
) => tf.KernelFunc;

/** Kernels replaced by BLAS versions, in registration order. */
export const BLAS_KERNELS: readonly string[] = [
  'BatchMatMul',
  '_FusedMatMul',
  'Conv2D',
  'FusedConv2D',
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
];

const FACTORIES: Readonly<Record<string, Factory>> = {
  BatchMatMul: batchMatMulKernel,
  _FusedMatMul: fusedMatMulKernel,
  Conv2D: conv2dKernel,
  FusedConv2D: fusedConv2dKernel,
  Conv2DBackpropInput: conv2dBackpropInputKernel,
  Conv2DBackpropFilter: conv2dBackpropFilterKernel,
};

const BACKENDS: readonly BlasBackendName[] = ['wasm', 'cpu'];

/** One layer factory per backend and kernel, built once, so re-enabling reuses the cached kernels. */
const layerFactories = new Map<string, LayerFactory>();

function layerFactory(native: NativeBlas, backend: BlasBackendName, kernelName: string): LayerFactory {
  const key = `${backend}/${kernelName}`;
  let f = layerFactories.get(key);
  if (!f) {
    const storage = (b: object) => storageFor(backend, b);
    f = (next) => FACTORIES[kernelName]!(native, storage, next);
    layerFactories.set(key, f);
  }
  return f;
}

/** What {@link blasStatus} reports. */
export interface BlasStatus {
  /** `unprobed` until the first enable/accelerator call; then whether the addon is usable. */
  readonly state: NativeState | 'unprobed';
  /** Why the addon is not available (one line), or null. */
  readonly reason: string | null;
  /** The BLAS build string (e.g. `OpenBLAS 0.3.21 …`), or null. */
  readonly vendor: string | null;
  /** BLAS threads (OpenBLAS), 0 when the BLAS manages them itself, null when unavailable. */
  readonly threads: number | null;
  /** Backends whose kernels are currently replaced. */
  readonly enabledOn: readonly BlasBackendName[];
  /** The kernel names that are replaced when enabled. */
  readonly kernels: readonly string[];
  /** Backends where the addon's elementwise/reduction/layout kernels are registered. */
  readonly nativeOpsOn: readonly BlasBackendName[];
  /** Threads of those kernels (the same setting as the BLAS threads), null when unavailable. */
  readonly kernelThreads: number | null;
}

function checkBackend(backend: string): BlasBackendName {
  if (!BACKENDS.includes(backend as BlasBackendName)) {
    throw new PaperkitInputError('backend', backend, `one of ${BACKENDS.join(', ')}`);
  }
  return backend as BlasBackendName;
}

/**
 * Replaces BatchMatMul, _FusedMatMul, Conv2D, FusedConv2D, Conv2DBackpropInput and
 * Conv2DBackpropFilter of `backend` (default: the active one) with BLAS kernels, keeping the kernel
 * below each (tensor-core's edge-shape guard over tfjs's own) for inputs the BLAS path does not take
 * and for {@link disableBlasKernels}. On wasm this also supplies the missing Conv2DBackpropFilter,
 * so CNNs train there. Resolves false, changing nothing, when `@paperkit/tensor-native` is absent or
 * broken ({@link blasStatus} says why). The backend's package must already be loaded (call
 * `initBackend` first).
 */
export async function enableBlasKernels(backend: string = tf.getBackend()): Promise<boolean> {
  const name = checkBackend(backend);
  const probe = await probeNative();
  if (!probe.addon) return false;
  if (!tf.findBackendFactory(name)) {
    throw new Error(
      `backend '${name}' is not registered with tfjs yet; call initBackend({ prefer: '${name}' }) first`,
    );
  }
  for (const kernelName of BLAS_KERNELS)
    setLayer(name, kernelName, 'blas', layerFactory(probe.addon, name, kernelName));
  return true;
}

/**
 * Restores the kernels below the BLAS ones on `backend` (default: the active one); a kernel the
 * backend never had (wasm's Conv2DBackpropFilter) is unregistered again. Returns whether anything
 * was restored.
 */
export function disableBlasKernels(backend: string = tf.getBackend()): boolean {
  const name = checkBackend(backend);
  let changed = false;
  for (const kernelName of BLAS_KERNELS) changed = setLayer(name, kernelName, 'blas', null) || changed;
  return changed;
}

/** Whether the BLAS kernels are registered on `backend` (default: the active one). */
export function blasEnabled(backend: string = tf.getBackend()): boolean {
  return BLAS_KERNELS.some((k) => hasLayer(backend, k, 'blas'));
}

/** Addon availability, BLAS build and threads, and where the kernels are registered. */
export function blasStatus(): BlasStatus {
  const probe = settledProbe();
  return {
    state: probe ? probe.state : 'unprobed',
    reason: probe?.reason ?? null,
    vendor: probe?.addon?.vendor ?? null,
    threads: probe?.addon ? probe.addon.getThreads() : null,
    enabledOn: BACKENDS.filter((b) => blasEnabled(b)),
    kernels: BLAS_KERNELS,
    nativeOpsOn: BACKENDS.filter((b) => nativeOpsEnabled(b)),
    kernelThreads: probe?.addon?.kernelThreads ? probe.addon.kernelThreads() : null,
  };
}

/**
 * Sets the BLAS thread count (OpenBLAS; default: one per core), and the same count for the addon's
 * elementwise/reduction/optimizer kernels. Keep threads × concurrent processes ≤ cores, e.g. 1
 * under a test runner that forks a worker per core. Resolves false when the addon is unavailable
 * or its BLAS has no runtime control (Accelerate; the elementwise kernels still follow the count).
 */
export async function setBlasThreads(threads: number): Promise<boolean> {
  if (!Number.isInteger(threads) || threads < 1 || threads > 1024) {
    throw new PaperkitInputError('threads', threads, 'an integer in [1, 1024]');
  }
  const probe = await probeNative();
  return probe.addon ? probe.addon.setThreads(threads) : false;
}
