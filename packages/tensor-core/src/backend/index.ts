export * from './blas/index.js';
export { CONV_TRAINING_KERNELS, MissingKernelError, missingKernels, requireKernels } from './capabilities.js';
export {
  type BackendInfo,
  type BackendName,
  type BackendPreference,
  currentBackend,
  type InitBackendOptions,
  initBackend,
  setAccelerator,
} from './init.js';
export { permute, permuteTensors } from './permute.js';
export { disableWasmMatMulFix, enableWasmMatMulFix, wasmMatMulFixEnabled } from './wasm-matmul.js';
