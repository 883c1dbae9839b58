import { permute } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { type BlockPlan, invertPermutation } from './block-plan.js';
import type { ParamSlot } from './layout.js';
import type { GroupScope } from './partition.js';
import { RotationBase } from './rotation.js';
import { splitFlat } from './split-flat.js';

interface DeviceSegment {
  readonly size: number;
  readonly rows: number;
  readonly offset: number;
  /** R_k as a float32 [k, k] tensor, or null for unrotated coordinates. */
  readonly r: tf.Tensor2D | null;
}

interface DevicePlan {
  readonly gather: tf.Tensor1D | null;
  readonly gatherInv: tf.Tensor1D | null;
  readonly place: tf.Tensor1D | null;
  readonly placeInv: tf.Tensor1D | null;
  readonly segments: readonly DeviceSegment[];
}

/**
 * A fixed rotation built from a {@link BlockPlan}: per step one gather, one batched matMul per block
 * size and one more gather in each direction (§A.9: O(n·d) flops, O(n² + d) memory), never a dense
 * d×d matrix. With R_k = I and no permutation the gathers are skipped and the matMuls multiply by
 * exact ones and zeros, so values pass through bit-for-bit.
 */
export class BlockRotation extends RotationBase {
  readonly scope: GroupScope;
  /** The host-side plan (index arrays and Float64 blocks). */
  readonly plan: BlockPlan;
  private device: DevicePlan | null = null;

  constructor(scope: GroupScope, params: readonly ParamSlot[], plan: BlockPlan) {
    super(params);
    this.scope = scope;
    this.plan = plan;
  }

  /** Sizes and counts of the rotated blocks, e.g. `[{ size: 16, rows: 1024 }]`. */
  blocks(): { size: number; rows: number; rotated: boolean }[] {
    return this.plan.segments.map((s) => ({ size: s.size, rows: s.rows, rotated: s.matrix !== null }));
  }

  rotate(x: Readonly<Record<string, tf.Tensor>>): Record<string, tf.Tensor> {
    this.check(x, 'x');
    return tf.tidy(() => this.split(this.applyFlat(this.flatten(x), false)));
  }

  unrotate(x: Readonly<Record<string, tf.Tensor>>): Record<string, tf.Tensor> {
    this.check(x, 'x');
    return tf.tidy(() => this.split(this.applyFlat(this.flatten(x), true)));
  }

  override rotateFlat(v: tf.Tensor): tf.Tensor1D {
    this.checkFlat(v);
    return tf.tidy(() => this.applyFlat(tf.reshape(v, [-1]) as tf.Tensor1D, false));
  }

  override unrotateFlat(v: tf.Tensor): tf.Tensor1D {
    this.checkFlat(v);
    return tf.tidy(() => this.applyFlat(tf.reshape(v, [-1]) as tf.Tensor1D, true));
  }

  override dispose(): void {
    const d = this.device;
    if (d === null) return;
    tf.dispose(
      [d.gather, d.gatherInv, d.place, d.placeInv, ...d.segments.map((s) => s.r)].filter((t) => t !== null),
    );
    this.device = null;
  }

  private applyFlat(flat: tf.Tensor1D, inverse: boolean): tf.Tensor1D {
    const d = this.materialize();
    const first = inverse ? d.placeInv : d.gather;
    const last = inverse ? d.gatherInv : d.place;
    // tensor-core's permute: a plain copy loop, ~10× faster than tf.gather's strided path here.
    const x = first ? permute(flat, first) : flat;
    const pieces = splitFlat(
      x,
      d.segments.map((s) => s.rows * s.size),
    );
    const parts = d.segments.map((s, k) => {
      const piece = pieces[k]!;
      if (s.r === null) return piece;
      // Row x of a block becomes R x: X·Rᵀ rotates, X·R undoes it.
      return tf.reshape(tf.matMul(tf.reshape(piece, [s.rows, s.size]), s.r, false, !inverse), [-1]);
    });
    const y = parts.length === 1 ? parts[0]! : tf.concat(parts);
    return (last ? permute(y as tf.Tensor1D, last) : y) as tf.Tensor1D;
  }

  private materialize(): DevicePlan {
    if (this.device !== null) return this.device;
    const p = this.plan;
    // tf.keep: the first use usually happens inside an optimizer step's tidy.
    const idx = (a: Int32Array | null) => (a === null ? null : tf.keep(tf.tensor1d(a, 'int32')));
    this.device = {
      gather: idx(p.gather),
      gatherInv: idx(p.gather && invertPermutation(p.gather)),
      place: idx(p.place),
      placeInv: idx(p.place && invertPermutation(p.place)),
      segments: p.segments.map((s) => ({
        size: s.size,
        rows: s.rows,
        offset: s.offset,
        r:
          s.matrix === null ? null : tf.keep(tf.tensor2d(Float32Array.from(s.matrix.data), [s.size, s.size])),
      })),
    };
    return this.device;
  }
}
