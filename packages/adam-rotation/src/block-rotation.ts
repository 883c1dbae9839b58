import { permuteTensors } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { type BlockPlan, invertPermutation } from './block-plan.js';
import type { ParamSlot } from './layout.js';
import type { GroupScope } from './partition.js';
import { RotationBase } from './rotation.js';

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
 * A fixed rotation built from a {@link BlockPlan}: per step and direction, one copy kernel gathers
 * the parameters' coordinates straight into the block matrices, one batched matMul per block size
 * rotates them, and one more copy places the results into tensors of the parameters' shapes (App. A.3:
 * O(n·d) flops, O(n² + d) memory), never a dense d×d matrix and never a flat intermediate. With
 * R_k = I and no permutation the matMuls multiply by exact ones and zeros, so values pass through
 * bit-for-bit.
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
    return this.toRecord(
      this.apply(
        this.params.map((p) => x[p.name]!),
        false,
        this.shapes(),
      ),
    );
  }

  unrotate(x: Readonly<Record<string, tf.Tensor>>): Record<string, tf.Tensor> {
    this.check(x, 'x');
    return this.toRecord(
      this.apply(
        this.params.map((p) => x[p.name]!),
        true,
        this.shapes(),
      ),
    );
  }

  override rotateFlat(v: tf.Tensor): tf.Tensor1D {
    this.checkFlat(v);
    return this.apply([v], false, [[this.dim]])[0] as tf.Tensor1D;
  }

  override unrotateFlat(v: tf.Tensor): tf.Tensor1D {
    this.checkFlat(v);
    return this.apply([v], true, [[this.dim]])[0] as tf.Tensor1D;
  }

  override dispose(): void {
    const d = this.device;
    if (d === null) return;
    tf.dispose(
      [d.gather, d.gatherInv, d.place, d.placeInv, ...d.segments.map((s) => s.r)].filter((t) => t !== null),
    );
    this.device = null;
  }

  private shapes(): (readonly number[])[] {
    return this.params.map((p) => p.shape);
  }

  private toRecord(list: tf.Tensor[]): Record<string, tf.Tensor> {
    return Object.fromEntries(this.params.map((p, i) => [p.name, list[i]!]));
  }

  /**
   * `place(blocks(gather(x)))`, or its inverse `gather⁻¹(blocksᵀ(place⁻¹(x)))`, from the tensors `xs`
   * (flattened and concatenated in order) into tensors of `shapes`.
   */
  private apply(xs: tf.Tensor[], inverse: boolean, shapes: (readonly number[])[]): tf.Tensor[] {
    const d = this.materialize();
    const first = inverse ? d.placeInv : d.gather;
    const last = inverse ? d.gatherInv : d.place;
    return tf.tidy(() => {
      const blocks = permuteTensors(
        xs,
        first,
        d.segments.map((s) => [s.rows, s.size]),
      );
      // Row x of a block becomes R x: X·Rᵀ rotates, X·R undoes it.
      const turned = d.segments.map((s, k) =>
        s.r === null ? blocks[k]! : tf.matMul(blocks[k] as tf.Tensor2D, s.r, false, !inverse),
      );
      return permuteTensors(turned, last, shapes);
    });
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
