import type { TensorNativeAddon } from './types.js';

/**
 * Op codes of the addon's generic kernels (`unary`, `binary`, `reduce`), fixed by `native/ops.h`;
 * the addon also exports them as `opCodes` (a test checks that both agree).
 */

/** Codes of {@link TensorNativeAddon.unary}: `y = f(x)`. */
export const UNARY_OPS = {
  copy: 0,
  neg: 1,
  exp: 2,
  log: 3,
  sqrt: 4,
  rsqrt: 5,
  square: 6,
  abs: 7,
  reciprocal: 8,
  tanh: 9,
  sigmoid: 10,
  relu: 11,
  erf: 12,
  step: 13,
  leakyRelu: 14,
} as const;

/** Codes of {@link TensorNativeAddon.binary}: `c = a ∘ b`. */
export const BINARY_OPS = { add: 0, sub: 1, mul: 2, div: 3, squaredDifference: 4 } as const;

/** Codes of {@link TensorNativeAddon.reduce}. */
export const REDUCE_OPS = { sum: 0, mean: 1, max: 2, min: 3 } as const;
