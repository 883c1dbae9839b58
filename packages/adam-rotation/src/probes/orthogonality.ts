import { checkObject, type MatrixLike, PaperkitInputError, svd } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { describeParams, type ParamSlot, type ParamsDescription } from '../layout.js';

/**
 * How far an update matrix A is from a scaled semi-orthogonal matrix (§4.2, App. C.4), from its
 * singular values s₁..s_r (r = min(m, n)). Every value is scale-invariant.
 */
export interface OrthogonalityMetrics {
  /** Singular values, descending. */
  readonly singularValues: Float64Array;
  /** CV = σ_s/μ_s with the population standard deviation: 0 iff A is a scaled semi-orthogonal matrix. */
  readonly cv: number;
  /** (a) min_α (1/r)Σ(α s_i − 1)² at α* = Σs/Σs² (= CV²/(1 + CV²)). */
  readonly scaledFit: number;
  /** (b) CV of λ_i = s_i²: distance of AAᵀ from a multiple of I. */
  readonly eigenCv: number;
  /** (c) min_α (1/r)Σ(α λ_i − 1)² at α* = Σλ/Σλ² (rebuilt normalisation). */
  readonly gramFit: number;
  /** (d) SVD entropy −Σ p_i ln p_i with p_i = s_i/Σs (higher is more orthogonal; max ln r; Liu & Su 2025). */
  readonly entropy: number;
}

function cvOf(x: Float64Array): number {
  const n = x.length;
  const mean = x.reduce((a, b) => a + b, 0) / n;
  if (mean === 0) return 0;
  const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
  return Math.sqrt(variance) / mean;
}

function fit(x: Float64Array): number {
  const s1 = x.reduce((a, b) => a + b, 0);
  const s2 = x.reduce((a, b) => a + b * b, 0);
  if (s2 === 0) return 0;
  const alpha = s1 / s2;
  return x.reduce((a, b) => a + (alpha * b - 1) ** 2, 0) / x.length;
}

/**
 * The update-orthogonality metrics of a matrix (the quantity that tracks Adam's performance across
 * rotations, §4.2): the coefficient of variation of its singular values and the alternatives (a)–(d).
 * A zero matrix gives CV 0 by convention.
 */
export function orthogonalityMetrics(a: MatrixLike): OrthogonalityMetrics {
  if (a === null || typeof a !== 'object' || a.rows < 1 || a.cols < 1)
    throw new PaperkitInputError('a', a, 'a non-empty matrix { rows, cols, data }');
  const s = svd(a).s;
  if (s.every((x) => x === 0))
    throw new PaperkitInputError(
      'a',
      `a zero ${a.rows}×${a.cols} matrix`,
      'a matrix with a non-zero singular value (an update direction; a zero update has none)',
    );
  const lambda = s.map((x) => x * x);
  const total = s.reduce((acc, x) => acc + x, 0);
  let entropy = 0;
  if (total > 0)
    for (const x of s) {
      const p = x / total;
      if (p > 0) entropy -= p * Math.log(p);
    }
  return {
    singularValues: s,
    cv: cvOf(s),
    scaledFit: fit(s),
    eigenCv: cvOf(lambda),
    gramFit: fit(lambda),
    entropy,
  };
}

/** Orthogonality metrics of one layer's update. */
export interface LayerOrthogonality extends OrthogonalityMetrics {
  /** Layer name (`name`, or `name#k` for part k of a fused tensor). */
  readonly layer: string;
  /** Shape of the matrix. */
  readonly shape: readonly [number, number];
}

/**
 * Orthogonality metrics of every 2-D parameter's update (e.g. {@link RotatedOptimizerApi.lastDirection}),
 * fused tensors split into their parts (Q, K, V are measured separately, as in the paper). One host
 * read. Tensors of other ranks are skipped; a direction whose shape differs from its parameter's is an
 * error.
 */
export async function layerOrthogonality(
  directions: Readonly<Record<string, tf.Tensor>>,
  params: ParamsDescription | readonly ParamSlot[],
): Promise<LayerOrthogonality[]> {
  const slots = Array.isArray(params)
    ? (params as readonly ParamSlot[])
    : describeParams(params as ParamsDescription);
  checkObject('directions', directions, 'a record of update tensors keyed by parameter name');
  for (const p of slots) {
    const d = directions[p.name];
    if (d !== undefined && (!(d instanceof tf.Tensor) || !tf.util.arraysEqual(d.shape, p.shape as number[])))
      throw new PaperkitInputError(
        `directions.${p.name}`,
        d,
        `a tensor of the parameter's shape [${p.shape}]`,
      );
  }
  const mats = slots.filter((p) => p.shape.length === 2 && directions[p.name] !== undefined);
  if (mats.length === 0) return [];
  const flat = tf.tidy(() => tf.concat(mats.map((p) => tf.reshape(directions[p.name]!, [-1]))));
  const host = (await flat.data()) as Float32Array;
  flat.dispose();
  const out: LayerOrthogonality[] = [];
  let off = 0;
  for (const p of mats) {
    const [r, c] = p.shape as [number, number];
    const axis = p.layout ? p.layout.outAxis : 1;
    const len = p.shape[axis]! / p.parts;
    for (let k = 0; k < p.parts; k++) {
      const shape: [number, number] = axis === 0 ? [len, c] : [r, len];
      const data = new Float64Array(shape[0] * shape[1]);
      for (let i = 0; i < shape[0]; i++)
        for (let j = 0; j < shape[1]; j++) {
          const ri = axis === 0 ? k * len + i : i;
          const cj = axis === 0 ? j : k * len + j;
          data[i * shape[1] + j] = host[off + ri * c + cj]!;
        }
      out.push({
        layer: p.parts > 1 ? `${p.name}#${k}` : p.name,
        shape,
        ...orthogonalityMetrics({ rows: shape[0], cols: shape[1], data }),
      });
    }
    off += p.size;
  }
  return out;
}
