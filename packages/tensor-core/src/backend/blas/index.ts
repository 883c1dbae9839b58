import { setAccelerator } from '../init.js';
import { blasAccelerator } from './accelerator.js';

export type { BlasBackendName } from '../storage.js';
export { blasAccelerator } from './accelerator.js';
export {
  BLAS_KERNELS,
  type BlasStatus,
  blasEnabled,
  blasStatus,
  disableBlasKernels,
  enableBlasKernels,
  setBlasThreads,
} from './registry.js';

// Importing this module (tensor-core's index does) is what makes initBackend({ blas: 'auto' })
// use the BLAS kernels; init.ts cannot import it directly without a cycle.
setAccelerator(blasAccelerator);
