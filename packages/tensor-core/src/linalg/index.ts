/**
 * Dense float64 linear algebra on row-major {@link Matrix} objects `{ rows, cols, data }`, plus power
 * iteration on Hessian–vector products of tfjs losses. Inputs may be any {@link MatrixLike}
 * (e.g. Float32Array data read back from a tensor) and are never mutated; outputs are fresh Matrix
 * objects. Vectors are plain numeric arrays (outputs are Float64Array).
 */

export { type EigSymDecomposition, type EigSymOptions, eigSym } from './eig.js';
export { completeOrthonormalBasis, type FullSvd, fullSvd } from './full-svd.js';
export {
  type HessianOperator,
  type HessianVectorOptions,
  hessianOperator,
  hessianVectorProduct,
  type ParamLoss,
  parameterCount,
} from './hvp.js';
export {
  checkMatrix,
  checkSquare,
  checkSymmetric,
  column,
  diag,
  dot,
  frobeniusNorm,
  fromRows,
  identity,
  type Matrix,
  type MatrixLike,
  matmul,
  matrix,
  matvec,
  maxAbs,
  toRows,
  transpose,
  vectorNorm,
} from './matrix.js';
export { type HaarOptions, haarOrthogonal } from './orthogonal.js';
export {
  type LinearOperator,
  type PowerIterationOptions,
  type PowerIterationResult,
  powerIteration,
} from './power.js';
export { type HouseholderQr, householderQr, type QrDecomposition, type QrOptions, qr } from './qr.js';
export {
  cholesky,
  choleskySolve,
  det,
  inverse,
  type LuDecomposition,
  leastSquares,
  lu,
  luSolve,
  solve,
} from './solve.js';
export { type SvdDecomposition, svd } from './svd.js';
