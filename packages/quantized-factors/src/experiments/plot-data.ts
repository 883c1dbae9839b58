import type { Matrix, MatrixData, MatrixLike, XY } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { applyPointMap, type PointMap } from '../identifiability.js';
import { parzenLogDensity, parzenLogDensityGradient } from '../parzen.js';
import { standardizeColumns64 } from '../standardize.js';
import { POINTS, SEPARATOR } from './shared.js';

/**
 * Series and matrices for the figures of the experiments (the plot views of `shared.ts` select them by
 * name prefix).
 */

/** An affine standardisation fitted on a data set, applied to other points. */
export type Standardizer = (points: MatrixLike) => Matrix;

/**
 * The first `max` points split by true cell: series `points:<q₁>,<q₂>` with the paper's 1-based codes
 * (x = first coordinate, y = second). `cells` are flat indices k = c₀ + `cellsPerAxis`·c₁.
 */
export function scatterByCell(
  points: Matrix,
  cells: Int32Array,
  cellsPerAxis: number,
  max: number,
): Record<string, XY> {
  const out: Record<string, { x: number[]; y: number[] }> = {};
  for (let i = 0; i < Math.min(max, points.rows); i++) {
    const k = cells[i]!;
    const s = (out[`${POINTS}${(k % cellsPerAxis) + 1},${Math.floor(k / cellsPerAxis) + 1}`] ??= {
      x: [],
      y: [],
    });
    s.x.push(points.data[i * points.cols]!);
    s.y.push(points.data[i * points.cols + 1]!);
  }
  return out;
}

/**
 * The true separators mapped through `map` (latents → plotted coordinates) and then `standardize`:
 * series `separator:z<k> = <position>`, each a polyline of `points` points along the separator inside
 * the support (a straight segment for a linear map).
 */
export function gridLineSeries(
  map: PointMap,
  separators: readonly (readonly number[])[],
  standardize: Standardizer,
  points = 2,
): Record<string, XY> {
  const out: Record<string, XY> = {};
  separators.forEach((axis, k) => {
    const other = separators[1 - k]!;
    const lo = other[0]!;
    const hi = other[other.length - 1]!;
    for (const c of axis) {
      const data = new Float64Array(points * 2);
      for (let t = 0; t < points; t++) {
        data[t * 2 + k] = c;
        data[t * 2 + 1 - k] = lo + ((hi - lo) * t) / (points - 1);
      }
      const y = standardize(applyPointMap(map, { rows: points, cols: 2, data }));
      out[`${SEPARATOR}z${k + 1} = ${c.toFixed(2)}`] = {
        x: Array.from({ length: points }, (_, t) => y.data[t * 2]!),
        y: Array.from({ length: points }, (_, t) => y.data[t * 2 + 1]!),
      };
    }
  });
  return out;
}

/**
 * The density-gradient magnitude ‖∇p̂‖ = p̂·‖∇log p̂‖ of the standardised `points` on a `size`×`size`
 * grid over [−extent, extent]² (rows: second coordinate, top row largest): the "gradient-magnitude
 * ridges" figure, high along the images of the separators and the support's edges. (‖∇log p̂‖ alone
 * grows without bound away from the data, which would drown the ridges.)
 */
export async function ridgeMatrix(
  points: Matrix,
  sigma: number,
  size: number,
  extent = 2.5,
): Promise<MatrixData> {
  const std = standardizeColumns64(points).data;
  const query = new Float32Array(size * size * 2);
  const coords = Array.from({ length: size }, (_, i) => -extent + (2 * extent * i) / (size - 1));
  for (let r = 0; r < size; r++)
    for (let c = 0; c < size; c++) {
      query[(r * size + c) * 2] = coords[c]!;
      query[(r * size + c) * 2 + 1] = coords[size - 1 - r]!;
    }
  const normT = tf.tidy(() => {
    const reference = tf.tensor2d(Float32Array.from(std.data), [std.rows, 2]);
    const q = tf.tensor2d(query, [size * size, 2]);
    const v = parzenLogDensityGradient(q, { sigma, reference });
    return tf.mul(tf.sqrt(tf.sum(tf.square(v), 1)), tf.exp(parzenLogDensity(q, { sigma, reference })));
  });
  const values = Array.from(await normT.data());
  normT.dispose();
  const labels = coords.map((v) => v.toFixed(1));
  return { rows: size, cols: size, values, rowLabels: [...labels].reverse(), colLabels: labels };
}
