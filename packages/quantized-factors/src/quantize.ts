import { checkAllFinite, checkMatrix, type MatrixLike, PaperkitInputError } from '@paperkit/tensor-core';

/**
 * The quantisers q_k of the paper: q_k(z) = #{m : c_{k,m} < z_k}, the index of the interval of axis k
 * that z falls in. Quantized identifiability is the statement that these codes are recovered up to a
 * permutation of the axes and an order reversal per axis.
 */

/** Validates per-axis separator lists (finite, strictly increasing, non-empty) for `d` axes. */
export function checkSeparators(
  parameter: string,
  separators: readonly (readonly number[])[],
  d: number,
): void {
  if (!Array.isArray(separators) || separators.length !== d)
    throw new PaperkitInputError(parameter, separators, `an array of ${d} separator lists (one per axis)`);
  separators.forEach((axis, k) => {
    if (!Array.isArray(axis) || axis.length < 1)
      throw new PaperkitInputError(`${parameter}[${k}]`, axis, 'a non-empty array of positions');
    checkAllFinite(`${parameter}[${k}]`, axis);
    for (let m = 1; m < axis.length; m++)
      if (!(axis[m]! > axis[m - 1]!))
        throw new PaperkitInputError(
          `${parameter}[${k}][${m}]`,
          axis[m],
          `a number > ${axis[m - 1]} (strictly increasing)`,
        );
  });
}

/**
 * Codes q_k(z_i) = #{m : separators[k][m] < z_ik} of each point (n×d, row-major Int32Array). With
 * the outer support boundaries among the separators, points inside the support get codes 1..g_k.
 */
export function quantize(z: MatrixLike, separators: readonly (readonly number[])[]): Int32Array {
  checkMatrix('z', z);
  checkSeparators('separators', separators, z.cols);
  const { rows: n, cols: d } = z;
  const out = new Int32Array(n * d);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < d; k++) {
      const v = z.data[i * d + k]!;
      const sep = separators[k]!;
      // Number of separators strictly below v (lower bound).
      let lo = 0;
      let hi = sep.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (sep[mid]! < v) lo = mid + 1;
        else hi = mid;
      }
      out[i * d + k] = lo;
    }
  return out;
}
