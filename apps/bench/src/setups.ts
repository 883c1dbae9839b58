import {
  blasStatus,
  disableBlasKernels,
  disableNativeOps,
  disableWasmMatMulFix,
  enableBlasKernels,
  enableNativeOps,
  enableWasmMatMulFix,
  initBackend,
  setBlasThreads,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * One way of running the cases: a tfjs backend with tfjs's own kernels (`wasm-tfjs`), paperkit's
 * default without BLAS (`wasm`: matMuls transpose operands explicitly, tensor-core's
 * `enableWasmMatMulFix`; `cpu`), or the addon's kernels (`+blas`: BLAS products and convolutions
 * and the multi-threaded elementwise/reduction/layout kernels, as `initBackend` registers them).
 */
export interface Setup {
  /** `cpu`, `wasm-tfjs`, `wasm`, `cpu+blas` or `wasm+blas`. */
  readonly label: string;
  readonly backend: 'cpu' | 'wasm';
  readonly blas: boolean;
  /** wasm only: whether tensor-core's transpose fix is in force. */
  readonly fix: boolean;
}

/** What the bench found on this machine. */
export interface Environment {
  readonly setups: readonly Setup[];
  /** Why the +blas setups are missing, when they are. */
  readonly blasReason: string | null;
  readonly blasVendor: string | null;
  readonly blasThreads: number | null;
}

/**
 * Loads cpu and wasm, and probes the BLAS kernels. Stock and BLAS runs then alternate in one
 * process (the kernels are swapped in the registry), so their ratios share the same machine state.
 */
export async function discover(threads: number | null, only: readonly string[]): Promise<Environment> {
  const setups: Setup[] = [];
  let blasReason: string | null = null;
  for (const backend of ['cpu', 'wasm'] as const) {
    await initBackend({ prefer: backend, blas: 'off' });
    const wasm = backend === 'wasm';
    if (wasm) setups.push({ label: 'wasm-tfjs', backend, blas: false, fix: false });
    setups.push({ label: backend, backend, blas: false, fix: wasm });
    if (await enableBlasKernels(backend)) {
      setups.push({ label: `${backend}+blas`, backend, blas: true, fix: wasm });
      disableBlasKernels(backend);
    } else {
      blasReason = blasStatus().reason ?? 'BLAS kernels unavailable';
    }
  }
  if (threads !== null) await setBlasThreads(threads);
  const status = blasStatus();
  return {
    setups: only.length > 0 ? setups.filter((s) => only.includes(s.label)) : setups,
    blasReason,
    blasVendor: status.vendor,
    blasThreads: status.threads,
  };
}

/** Makes `setup` the active backend with its kernels. */
export async function activate(setup: Setup): Promise<void> {
  await tf.setBackend(setup.backend);
  // tensor-core stacks its kernel layers in a fixed order, so the order of these calls is free.
  if (setup.backend === 'wasm') {
    if (setup.fix) enableWasmMatMulFix();
    else disableWasmMatMulFix();
  }
  if (!setup.blas) {
    disableNativeOps(setup.backend);
    disableBlasKernels(setup.backend);
    return;
  }
  if (!(await enableBlasKernels(setup.backend)))
    throw new Error(`BLAS kernels failed to enable on ${setup.backend}`);
  await enableNativeOps(setup.backend);
}
