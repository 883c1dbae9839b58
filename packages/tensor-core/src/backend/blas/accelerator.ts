import type { BackendName } from '../init.js';
import { disableNativeOps, enableNativeOps } from '../native-ops/registry.js';
import { probeNative } from './native.js';
import { disableBlasKernels, enableBlasKernels } from './registry.js';

let warned = false;

/**
 * The hook `initBackend` calls (see `setAccelerator`): with `blas: 'auto'` on wasm or cpu it
 * registers the BLAS kernels and the addon's elementwise/reduction/layout kernels when the addon
 * loads. An addon that is absent is silent; one that is present but broken calls `onWarning` once
 * per process with one line, and the stock kernels stay. Called with mode `off` it restores the
 * kernels below both, so a later `blas: 'off'` really is off.
 */
export async function blasAccelerator(
  backend: BackendName,
  onWarning: (message: string) => void,
  mode: 'auto' | 'off' = 'auto',
): Promise<boolean> {
  if (backend !== 'wasm' && backend !== 'cpu') return false;
  if (mode === 'off') {
    disableNativeOps(backend);
    disableBlasKernels(backend);
    return false;
  }
  const probe = await probeNative();
  if (probe.state === 'broken' && !warned) {
    warned = true;
    onWarning(
      `@paperkit/tensor-native is installed but unusable (${probe.reason}); using the stock tfjs kernels`,
    );
  }
  if (!probe.addon) return false;
  const blas = await enableBlasKernels(backend);
  if (blas) await enableNativeOps(backend);
  return blas;
}
