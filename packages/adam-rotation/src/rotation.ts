import { checkObject, PaperkitInputError, permuteTensors } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { ParamSlot } from './layout.js';

/**
 * How parameter space is rotated (§3.1, Fig. 4):
 * - `none`: the standard basis (R = I, the optimizer runs untouched);
 * - `global`: one group with every parameter;
 * - `layer`: one group per tensor, fused QKV split into Q, K and V;
 * - `fanIn`: within each output neuron's incoming weights (rows of the paper's (out, in) matrices);
 * - `fanOut`: within each input neuron's outgoing weights (columns);
 * - `tokenLocal`: embeddings within each token's vector, other weights as `fanIn` (mixes neither
 *   tokens nor classes; the paper's harmless "output-wise" reading);
 * - `svd`: per weight matrix, the singular bases of its gradient, recomputed every F steps (§3.2).
 */
export type RotationScope = 'none' | 'global' | 'layer' | 'fanIn' | 'fanOut' | 'tokenLocal' | 'svd';

/** Every {@link RotationScope}, for validation and experiment configs. */
export const ROTATION_SCOPES: readonly RotationScope[] = [
  'none',
  'global',
  'layer',
  'fanIn',
  'fanOut',
  'tokenLocal',
  'svd',
];

/**
 * Maps optimizer slot tensors from the previous rotated basis to the new one after a dynamic
 * rotation recomputed its basis (SOAP-style moment re-projection, `reprojectMoments`).
 */
export interface BasisChange {
  /** A first-moment-like slot (linear in the gradient): exact change of basis. */
  linear(name: string, slot: tf.Tensor): tf.Tensor;
  /**
   * A second-moment-like slot (elementwise squares): mapped by the squared change-of-basis matrices,
   * exact when the old rotated coordinates were uncorrelated and preserving Σv.
   */
  squared(name: string, slot: tf.Tensor): tf.Tensor;
}

/**
 * An orthogonal change of basis R of a model's parameter space, bound to its parameters. `rotate`
 * maps original-basis tensors (gradients) to rotated coordinates R·g stored in tensors of the same
 * names and shapes; `unrotate` applies Rᵀ. Device tensors are created on first use and freed by
 * `dispose` (a later call recreates them), so holding a rotation costs only host memory.
 */
export interface Rotation {
  /** The scope it was built for. */
  readonly scope: RotationScope;
  /** Parameters in flattening order, with their offsets, roles and layouts. */
  readonly params: readonly ParamSlot[];
  /** Total number of coordinates d. */
  readonly dim: number;
  /** True when R = I exactly (scope `none`): rotating is skipped, not computed. */
  readonly isIdentity: boolean;
  /** True when the basis changes during training (`svd`). */
  readonly dynamic: boolean;
  /** For dynamic rotations: re-project optimizer moments into each new basis. */
  readonly reprojectMoments: boolean;
  /** R·x for tensors keyed by parameter name (every bound parameter must be present). Caller disposes the result. */
  rotate(x: Readonly<Record<string, tf.Tensor>>): Record<string, tf.Tensor>;
  /** Rᵀ·x, the inverse of {@link Rotation.rotate}. */
  unrotate(x: Readonly<Record<string, tf.Tensor>>): Record<string, tf.Tensor>;
  /** R·v for a flat vector of length d in parameter order (row-major per tensor). */
  rotateFlat(v: tf.Tensor): tf.Tensor1D;
  /** Rᵀ·v for a flat vector. */
  unrotateFlat(v: tf.Tensor): tf.Tensor1D;
  /**
   * Lets a dynamic rotation recompute its basis from the gradients of 1-based step t (before they
   * are rotated). Returns the change of basis when one happened and there was a previous basis.
   */
  refresh(grads: Readonly<Record<string, tf.Tensor>>, t: number): BasisChange | null;
  /** JSON-safe state (dynamic bases); undefined for fixed rotations, which are rebuilt from their seed. */
  getState(): unknown;
  /** Validates a state for {@link Rotation.setState} without applying it; `field` names it in errors. */
  checkState(state: unknown, field: string): void;
  /** Restores {@link Rotation.getState}. */
  setState(state: unknown): void;
  /** Frees the device tensors (they are recreated on the next use). */
  dispose(): void;
}

/**
 * Shared record ↔ flat plumbing: subclasses implement one representation and get the other.
 */
export abstract class RotationBase implements Rotation {
  abstract readonly scope: RotationScope;
  readonly params: readonly ParamSlot[];
  readonly dim: number;
  readonly isIdentity: boolean = false;
  readonly dynamic: boolean = false;
  readonly reprojectMoments: boolean = false;

  constructor(params: readonly ParamSlot[]) {
    this.params = params;
    this.dim = params.reduce((a, p) => a + p.size, 0);
  }

  abstract rotate(x: Readonly<Record<string, tf.Tensor>>): Record<string, tf.Tensor>;
  abstract unrotate(x: Readonly<Record<string, tf.Tensor>>): Record<string, tf.Tensor>;

  rotateFlat(v: tf.Tensor): tf.Tensor1D {
    return tf.tidy(() => this.flatten(this.rotate(this.split(v))));
  }

  unrotateFlat(v: tf.Tensor): tf.Tensor1D {
    return tf.tidy(() => this.flatten(this.unrotate(this.split(v))));
  }

  refresh(_grads: Readonly<Record<string, tf.Tensor>>, _t: number): BasisChange | null {
    return null;
  }

  getState(): unknown {
    return undefined;
  }

  checkState(state: unknown, field: string): void {
    if (state !== undefined)
      throw new PaperkitInputError(
        field,
        state,
        `absent (a fixed ${this.scope} rotation is rebuilt from its seed, not saved)`,
      );
  }

  setState(state: unknown): void {
    this.checkState(state, 'state');
  }

  dispose(): void {}

  /** Checks that `x` holds every bound parameter with its shape. */
  protected check(x: Readonly<Record<string, tf.Tensor>>, what: string): void {
    checkObject(what, x, 'a record of tensors keyed by parameter name');
    for (const p of this.params) {
      const t = x[p.name];
      if (!(t instanceof tf.Tensor))
        throw new PaperkitInputError(
          `${what}.${p.name}`,
          t,
          `a tensor (the rotation covers ${this.params.map((q) => q.name).join(', ')} and needs all of them)`,
        );
      if (!tf.util.arraysEqual(t.shape, p.shape as number[]))
        throw new PaperkitInputError(`${what}.${p.name}`, t, `a tensor of shape [${p.shape}]`);
    }
  }

  /** Concatenates tensors in parameter order into one flat vector (one copy). */
  protected flatten(x: Readonly<Record<string, tf.Tensor>>): tf.Tensor1D {
    return permuteTensors(
      this.params.map((p) => x[p.name]!),
      null,
      [[this.dim]],
    )[0] as tf.Tensor1D;
  }

  /** Checks that `v` is a tensor with d entries. */
  protected checkFlat(v: tf.Tensor): void {
    if (!(v instanceof tf.Tensor) || v.size !== this.dim)
      throw new PaperkitInputError('v', v, `a tensor with ${this.dim} entries (the parameter count)`);
  }

  /** Splits a flat vector into tensors keyed by parameter name (one copy). */
  protected split(v: tf.Tensor): Record<string, tf.Tensor> {
    this.checkFlat(v);
    const pieces = permuteTensors(
      [v],
      null,
      this.params.map((p) => p.shape),
    );
    return Object.fromEntries(this.params.map((p, i) => [p.name, pieces[i]!]));
  }
}

/** R = I: every method returns its input's values (scope `none`). */
export class IdentityRotation extends RotationBase {
  readonly scope = 'none' as const;
  override readonly isIdentity = true;

  rotate(x: Readonly<Record<string, tf.Tensor>>): Record<string, tf.Tensor> {
    this.check(x, 'x');
    return Object.fromEntries(this.params.map((p) => [p.name, tf.clone(x[p.name]!)]));
  }

  unrotate(x: Readonly<Record<string, tf.Tensor>>): Record<string, tf.Tensor> {
    return this.rotate(x);
  }
}
