import {
  checkInteger,
  checkPositive,
  hessianOperator,
  PaperkitInputError,
  type ParamLoss,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { Rotation } from '../rotation.js';
import { type ProbeParams, probeTensors } from './gradients.js';

/** Options of {@link hessianRows}. */
export interface HessianRowOptions {
  /** Rows in this rotation's coordinates, r_i = R·H·Rᵀe_i; default the standard basis. */
  readonly rotation?: Rotation;
  /** Central-difference step along the unit direction; default 1e-3 (spec Tier 3). */
  readonly h?: number;
}

/**
 * Rows r_i = ∇²f(θ)·e_i of the Hessian, in rotated coordinates when a rotation is given
 * (r_i = R·H·Rᵀe_i, Fig. 9). Each row is one Hessian–vector product by central differences of
 * exact gradients, r_i ≈ [∇f(θ + h·v) − ∇f(θ − h·v)]/2h with v = Rᵀe_i (tensor-core's
 * `hessianOperator`; nested `tf.grad` is wrong in tfjs 4.22). The paper averages rows over k
 * minibatches; since the Hessian is linear in the loss, pass the mean of the k minibatch losses as
 * `loss`. Rows are Float64Array of length d in parameter order.
 */
export async function hessianRows(
  loss: ParamLoss,
  params: ProbeParams,
  rows: readonly number[],
  options: HessianRowOptions = {},
): Promise<Float64Array[]> {
  if (typeof loss !== 'function') throw new PaperkitInputError('loss', loss, 'a function (params) => scalar');
  const h = checkPositive('h', options.h ?? 1e-3);
  const rot = options.rotation;
  const tensors = probeTensors(params);
  // Flatten in the rotation's parameter order so flat indices mean the same thing on both sides.
  const ordered: Record<string, tf.Tensor> = {};
  if (rot) {
    for (const p of rot.params) {
      const t = tensors[p.name];
      if (!t) throw new PaperkitInputError(`params.${p.name}`, t, 'a tensor (the rotation covers it)');
      ordered[p.name] = t;
    }
  } else Object.assign(ordered, tensors);
  const op = hessianOperator(loss, ordered, { h });
  for (const [k, i] of rows.entries()) {
    checkInteger(`rows[${k}]`, i, 0);
    if (i >= op.dim)
      throw new PaperkitInputError(`rows[${k}]`, i, `an index < ${op.dim} (the parameter count)`);
  }
  const out: Float64Array[] = [];
  for (const i of rows) {
    let v: Float64Array;
    if (rot) {
      const e = new Float32Array(op.dim);
      e[i] = 1;
      const t = tf.tidy(() => rot.unrotateFlat(tf.tensor1d(e)));
      v = Float64Array.from((await t.data()) as Float32Array);
      t.dispose();
    } else {
      v = new Float64Array(op.dim);
      v[i] = 1;
    }
    const hv = await op.apply(v);
    if (rot) {
      const t = tf.tidy(() => rot.rotateFlat(tf.tensor1d(Float32Array.from(hv))));
      out.push(Float64Array.from((await t.data()) as Float32Array));
      t.dispose();
    } else out.push(hv);
  }
  return out;
}

/** Which layer and output neuron each flat coordinate belongs to (positions of rotated coordinates, as the paper reads them). */
export interface CoordinateLabels {
  /** Layer id per coordinate (a tensor, or one part of a fused tensor). */
  readonly layer: Int32Array;
  /** Globally unique output-neuron id per coordinate. */
  readonly neuron: Int32Array;
  /** Layer names by id (`name` or `name#part`). */
  readonly layerNames: readonly string[];
}

/** The three blocks of a Hessian row (Fig. 9). */
export type HessianBlock = 'neuron' | 'layer' | 'other';

/** Statistics of one block of a row. */
export interface BlockStats {
  /** Number of entries. */
  readonly count: number;
  /** Σ|r_j| over the block. */
  readonly l1: number;
  /** Mean |r_j| (0 for an empty block). */
  readonly meanAbs: number;
}

/** A row split into I_N (same output neuron, diagonal included), I_L (rest of the layer), I_¬L (other layers). */
export interface RowPartition {
  readonly neuron: BlockStats;
  readonly layer: BlockStats;
  readonly other: BlockStats;
  /** Contributions c_I = r[I]·δw for each direction δw given (Table 1), with their sum r·δw. */
  readonly contributions: readonly { neuron: number; layer: number; other: number; total: number }[];
}

/** Splits row `row` of coordinate `i` by the labels, and computes c_I = r[I]·δw for each δw. */
export function partitionRow(
  row: ArrayLike<number>,
  i: number,
  labels: CoordinateLabels,
  directions: readonly ArrayLike<number>[] = [],
): RowPartition {
  const d = labels.layer.length;
  if (row.length !== d) throw new PaperkitInputError('row', row, `an array of length ${d}`);
  checkInteger('i', i, 0);
  if (i >= d) throw new PaperkitInputError('i', i, `an index < ${d}`);
  for (const [k, w] of directions.entries())
    if (w.length !== d) throw new PaperkitInputError(`directions[${k}]`, w, `an array of length ${d}`);
  const li = labels.layer[i]!;
  const ni = labels.neuron[i]!;
  const acc = { neuron: [0, 0], layer: [0, 0], other: [0, 0] } as Record<HessianBlock, [number, number]>;
  const c = directions.map(() => ({ neuron: 0, layer: 0, other: 0, total: 0 }));
  for (let j = 0; j < d; j++) {
    const b: HessianBlock = labels.neuron[j] === ni ? 'neuron' : labels.layer[j] === li ? 'layer' : 'other';
    const r = row[j]!;
    acc[b][0]++;
    acc[b][1] += Math.abs(r);
    for (let k = 0; k < directions.length; k++) {
      const x = r * directions[k]![j]!;
      c[k]![b] += x;
      c[k]!.total += x;
    }
  }
  const stats = (b: HessianBlock): BlockStats => ({
    count: acc[b][0],
    l1: acc[b][1],
    meanAbs: acc[b][0] > 0 ? acc[b][1] / acc[b][0] : 0,
  });
  return { neuron: stats('neuron'), layer: stats('layer'), other: stats('other'), contributions: c };
}
