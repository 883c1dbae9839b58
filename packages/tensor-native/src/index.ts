/**
 * @paperkit/tensor-native: an optional N-API addon that runs float32 matrix products and 2-D
 * convolutions on the system BLAS (OpenBLAS on Linux, Accelerate on macOS), and multi-threaded
 * elementwise, reduction, softmax, transpose, gather and fused optimizer kernels beside them.
 * `@paperkit/tensor-core` registers it as tfjs kernels on the wasm and cpu backends; use
 * {@link load} directly only to call the kernels yourself.
 * @packageDocumentation
 */
export { ABI_VERSION, DEFAULT_ADDON_PATH, load } from './load.js';
export { BINARY_OPS, REDUCE_OPS, UNARY_OPS } from './ops.js';
export type { ConvGeometry, LoadFailure, LoadResult, TensorNativeAddon } from './types.js';
