export * from './blas/index.js';
export { CONV_TRAINING_KERNELS, MissingKernelError, missingKernels, requireKernels } from './capabilities.js';
export { disableEdgeShapeGuards, edgeShapeGuardsEnabled, enableEdgeShapeGuards } from './edge-shapes.js';
export {
  type FusedAdamOptions,
  type FusedMomentumOptions,
  fusedAdamUpdate,
  fusedMomentumUpdate,
  fusedUpdatesAvailable,
} from './fused-adam.js';
export {
  type BackendInfo,
  type BackendName,
  type BackendPreference,
  currentBackend,
  type InitBackendOptions,
  initBackend,
  setAccelerator,
} from './init.js';
export {
  disableNativeOps,
  enableNativeOps,
  NATIVE_OP_KERNELS,
  nativeOpsEnabled,
} from './native-ops/registry.js';
export { permute, permuteTensors } from './permute.js';
export { disableWasmMatMulFix, enableWasmMatMulFix, wasmMatMulFixEnabled } from './wasm-matmul.js';
