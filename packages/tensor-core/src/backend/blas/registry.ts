import * as tf from '@tensorflow/tfjs-core';
import { PaperkitInputError } from '../../validate/errors.js';
import {
  conv2dBackpropFilterKernel,
  conv2dBackpropInputKernel,
  conv2dKernel,
  fusedConv2dKernel,
} from './conv.js';
import { batchMatMulKernel, fusedMatMulKernel } from './matmul.js';
import { type NativeBlas, type NativeState, probeNative, settledProbe } from './native.js';
import { type BlasBackendName, type Storage, storageFor } from './storage.js';

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

interface Swap {
  /** The config that was registered before ours, restored by disable (undefined: none existed). */
  readonly stock: tf.KernelConfig | undefined;
  readonly ours: tf.KernelConfig;
}

const enabled = new Map<BlasBackendName, Map<string, Swap>>();

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
}

function checkBackend(backend: string): BlasBackendName {
  if (!BACKENDS.includes(backend as BlasBackendName)) {
    throw new PaperkitInputError('backend', backend, `one of ${BACKENDS.join(', ')}`);
  }
  return backend as BlasBackendName;
}

/**
 * Replaces BatchMatMul, _FusedMatMul, Conv2D, FusedConv2D, Conv2DBackpropInput and
 * Conv2DBackpropFilter of `backend` (default: the active one) with BLAS kernels, keeping each stock
 * kernel for inputs the BLAS path does not take and for {@link disableBlasKernels}. On wasm this also
 * supplies the missing Conv2DBackpropFilter, so CNNs train there. Resolves false, changing
 * nothing, when `@paperkit/tensor-native` is absent or broken ({@link blasStatus} says why).
 * The backend's package must already be loaded (call `initBackend` first).
 */
export async function enableBlasKernels(backend: string = tf.getBackend()): Promise<boolean> {
  const name = checkBackend(backend);
  const probe = await probeNative();
  if (!probe.addon) return false;
  if (enabled.has(name)) return true;
  if (!tf.findBackendFactory(name)) {
    throw new Error(
      `backend '${name}' is not registered with tfjs yet; call initBackend({ prefer: '${name}' }) first`,
    );
  }
  const storage = (b: object) => storageFor(name, b);
  const swaps = new Map<string, Swap>();
  for (const kernelName of BLAS_KERNELS) {
    const stock = tf.getKernel(kernelName, name);
    const ours: tf.KernelConfig = {
      kernelName,
      backendName: name,
      kernelFunc: FACTORIES[kernelName]!(probe.addon, storage, stock?.kernelFunc ?? null),
    };
    // The stock kernel's setup (wasm binds its C function here) must still run if the backend
    // is ever re-initialised, or the stock fallback would call an unbound function.
    if (stock?.setupFunc) ours.setupFunc = stock.setupFunc;
    if (stock?.disposeFunc) ours.disposeFunc = stock.disposeFunc;
    if (stock) tf.unregisterKernel(kernelName, name);
    tf.registerKernel(ours);
    swaps.set(kernelName, { stock, ours });
  }
  enabled.set(name, swaps);
  return true;
}

/**
 * Restores the stock kernels of `backend` (default: the active one); a kernel the backend never had
 * (wasm's Conv2DBackpropFilter) is unregistered again. Returns whether anything was restored.
 */
export function disableBlasKernels(backend: string = tf.getBackend()): boolean {
  const name = checkBackend(backend);
  const swaps = enabled.get(name);
  if (!swaps) return false;
  for (const [kernelName, swap] of swaps) {
    if (tf.getKernel(kernelName, name) === swap.ours) tf.unregisterKernel(kernelName, name);
    if (swap.stock && !tf.getKernel(kernelName, name)) tf.registerKernel(swap.stock);
  }
  enabled.delete(name);
  return true;
}

/** Whether the BLAS kernels are registered on `backend` (default: the active one). */
export function blasEnabled(backend: string = tf.getBackend()): boolean {
  return enabled.has(backend as BlasBackendName);
}

/** Addon availability, BLAS build and threads, and where the kernels are registered. */
export function blasStatus(): BlasStatus {
  const probe = settledProbe();
  return {
    state: probe ? probe.state : 'unprobed',
    reason: probe?.reason ?? null,
    vendor: probe?.addon?.vendor ?? null,
    threads: probe?.addon ? probe.addon.getThreads() : null,
    enabledOn: BACKENDS.filter((b) => enabled.has(b)),
    kernels: BLAS_KERNELS,
  };
}

/**
 * Sets the BLAS thread count (OpenBLAS; default: one per core). Keep threads × concurrent
 * processes ≤ cores, e.g. 1 under a test runner that forks a worker per core. Resolves false when
 * the addon is unavailable or its BLAS has no runtime control (Accelerate).
 */
export async function setBlasThreads(threads: number): Promise<boolean> {
  if (!Number.isInteger(threads) || threads < 1 || threads > 1024) {
    throw new PaperkitInputError('threads', threads, 'an integer in [1, 1024]');
  }
  const probe = await probeNative();
  return probe.addon ? probe.addon.setThreads(threads) : false;
}
