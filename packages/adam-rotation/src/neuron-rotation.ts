import { haarOrthogonal, type Matrix, type Rng } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { ParamSlot } from './layout.js';
import { RotationBase } from './rotation.js';

/** How one tensor is rotated: transposed and reshaped so its groups are rows or columns of a matrix. */
interface TensorPlan {
  readonly name: string;
  /** `left`: groups are columns, X ↦ R·X (fan-in of an output neuron); `right`: groups are rows, X ↦ X·Rᵀ. */
  readonly side: 'left' | 'right';
  /** Group length k (the order of R). */
  readonly k: number;
  /** Axis permutation taking the tensor to the matrix layout (undefined: none). */
  readonly perm1: number[] | undefined;
  /** Shape after perm1 and the reshape that splits fused parts (undefined: none). */
  readonly split: number[] | undefined;
  /** Second permutation moving the part axis next to the input axis (undefined: none). */
  readonly perm2: number[] | undefined;
  /** Matrix shape [rows, cols]. */
  readonly matrix: [number, number];
}

function isIdentityPerm(p: number[]): boolean {
  return p.every((v, i) => v === i);
}

function inverse(p: number[]): number[] {
  const q = new Array<number>(p.length);
  p.forEach((v, i) => {
    q[v] = i;
  });
  return q;
}

/**
 * Neuron-wise rotation (`fanIn`, `fanOut`, `tokenLocal` with one block per group and no permutation,
 * the defaults) as one GEMM per tensor (the paper’s App. A.3 cost, O(n·d)): fan-in groups are the columns of the tensor seen as
 * [fan-in, out] and rotate by R·X; fan-out groups (per input neuron and fused part) are the rows of
 * [in·parts, group] and rotate by X·Rᵀ. Only transposes and reshapes, no gathers. It is the same map,
 * coordinate for coordinate, as the general {@link BlockRotation} with these options.
 */
export class NeuronRotation extends RotationBase {
  readonly scope: 'fanIn' | 'fanOut' | 'tokenLocal';
  private readonly plans: Map<string, TensorPlan>;
  private readonly hosts = new Map<number, Matrix>();
  private device = new Map<number, tf.Tensor2D>();

  constructor(
    scope: 'fanIn' | 'fanOut' | 'tokenLocal',
    params: readonly ParamSlot[],
    rules: ReadonlyMap<string, 'fanIn' | 'fanOut'>,
    rng: Rng,
    special: boolean,
  ) {
    super(params);
    this.scope = scope;
    this.plans = new Map();
    for (const p of params) {
      const rule = rules.get(p.name);
      if (rule === undefined || p.layout === undefined) continue;
      const plan = rule === 'fanIn' ? fanInPlan(p) : fanOutPlan(p);
      if (plan.k < 1) continue;
      this.plans.set(p.name, plan);
      if (!this.hosts.has(plan.k))
        this.hosts.set(plan.k, haarOrthogonal(plan.k, rng.stream(`haar-${plan.k}`), { special }));
    }
  }

  /** Group length of each rotated tensor. */
  groupSizes(): Record<string, number> {
    return Object.fromEntries([...this.plans.entries()].map(([n, p]) => [n, p.k]));
  }

  rotate(x: Readonly<Record<string, tf.Tensor>>): Record<string, tf.Tensor> {
    this.check(x, 'x');
    return tf.tidy(() => this.apply(x, false));
  }

  unrotate(x: Readonly<Record<string, tf.Tensor>>): Record<string, tf.Tensor> {
    this.check(x, 'x');
    return tf.tidy(() => this.apply(x, true));
  }

  override dispose(): void {
    tf.dispose([...this.device.values()]);
    this.device = new Map();
  }

  private r(k: number): tf.Tensor2D {
    let t = this.device.get(k);
    if (!t) {
      t = tf.keep(tf.tensor2d(Float32Array.from(this.hosts.get(k)!.data), [k, k]));
      this.device.set(k, t);
    }
    return t;
  }

  private apply(x: Readonly<Record<string, tf.Tensor>>, inverse_: boolean): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    for (const p of this.params) {
      const plan = this.plans.get(p.name);
      const t = x[p.name]!;
      if (!plan) {
        out[p.name] = tf.clone(t);
        continue;
      }
      let m: tf.Tensor = plan.perm1 ? tf.transpose(t, plan.perm1) : t;
      const permuted = m.shape;
      if (plan.split) m = tf.reshape(m, plan.split);
      if (plan.perm2) m = tf.transpose(m, plan.perm2);
      const mid = m.shape;
      const mat = tf.reshape(m, plan.matrix) as tf.Tensor2D;
      const r = this.r(plan.k);
      // Columns: x ↦ R x is R·X (inverse Rᵀ·X); rows: X·Rᵀ (inverse X·R).
      let y: tf.Tensor =
        plan.side === 'left' ? tf.matMul(r, mat, inverse_, false) : tf.matMul(mat, r, false, !inverse_);
      y = tf.reshape(y, mid);
      if (plan.perm2) y = tf.reshape(tf.transpose(y, inverse(plan.perm2)), plan.split!);
      y = tf.reshape(y, permuted);
      out[p.name] = plan.perm1 ? tf.transpose(y, inverse(plan.perm1)) : y;
    }
    return out;
  }
}

/** Fan-in groups: every entry with one output index; move the output axis last and read [fan-in, out]. */
function fanInPlan(p: ParamSlot): TensorPlan {
  const o = p.layout!.outAxis;
  const order = [...p.shape.keys()].filter((a) => a !== o).concat(o);
  const out = p.shape[o]!;
  const k = p.size / out;
  return {
    name: p.name,
    side: 'left',
    k,
    perm1: isIdentityPerm(order) ? undefined : order,
    split: undefined,
    perm2: undefined,
    matrix: [k, out],
  };
}

/**
 * Fan-out groups: every entry with one input index and fused part, in ascending flat order. Move the
 * input axis first ([in, A, out, B] with A, B the axes before and after the output axis), split the
 * output axis into parts and move the part axis next to the input axis: rows of [in·parts, A·out/parts·B].
 */
function fanOutPlan(p: ParamSlot): TensorPlan {
  const i = p.layout!.inAxis;
  const o = p.layout!.outAxis;
  const order = [i, ...[...p.shape.keys()].filter((a) => a !== i)];
  const permutedShape = order.map((a) => p.shape[a]!);
  const inLen = p.shape[i]!;
  const k = p.size / inLen / p.parts;
  const base = {
    name: p.name,
    side: 'right' as const,
    k,
    perm1: isIdentityPerm(order) ? undefined : order,
    matrix: [inLen * p.parts, k] as [number, number],
  };
  if (p.parts === 1) return { ...base, split: undefined, perm2: undefined };
  const oPos = order.indexOf(o);
  const a = permutedShape.slice(1, oPos).reduce((x, y) => x * y, 1);
  const b = permutedShape.slice(oPos + 1).reduce((x, y) => x * y, 1);
  const out = p.shape[o]!;
  return { ...base, split: [inLen, a, p.parts, out / p.parts, b], perm2: [0, 2, 1, 3, 4] };
}
