import { checkAllFinite, checkObject, fullSvd, type Matrix, PaperkitInputError } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { ParamSlot } from './layout.js';
import { type BasisChange, RotationBase } from './rotation.js';

/** One rotated matrix: a parameter, or one part of a fused parameter split along its output axis. */
interface Unit {
  readonly key: string;
  readonly name: string;
  /** Axis along which the fused parts are stacked (the output axis). */
  readonly axis: number;
  readonly start: number;
  readonly len: number;
  /** Shape [a, b] of the unit matrix. */
  readonly shape: readonly [number, number];
}

interface Basis {
  /** a×a left singular basis (Float64, row-major). */
  readonly u: Float64Array;
  /** b×b right singular basis. */
  readonly v: Float64Array;
  /** Device copies, created on use. */
  du?: tf.Tensor2D;
  dv?: tf.Tensor2D;
}

/** Saved bases of an {@link SvdRotation}. */
export interface SvdRotationState {
  /** Unit key (`name` or `name#part`) → row-major bases. */
  readonly bases: Record<string, { readonly u: number[]; readonly v: number[] }>;
}

/**
 * The structured SVD rotation of §3.2 / Alg. 5: for every weight matrix, G̃ = UᵀGV with U, V the full
 * singular bases of the gradient, recomputed from the step's gradient when (t − 1) mod F = 0 (Alg. 5's
 * "t mod F = 0" leaves them undefined at t = 1). Before the first recomputation the basis is I.
 * Matrices of a fused QKV are rotated as three separate matrices, like the `layer` scope; vectors and
 * tensors of other ranks are not rotated. One host read and one Float64 Jacobi SVD per matrix every F
 * steps; two matMuls per matrix and direction every step.
 */
export class SvdRotation extends RotationBase {
  readonly scope = 'svd' as const;
  override readonly dynamic = true;
  override readonly reprojectMoments: boolean;
  /** Recompute period F. */
  readonly every: number;
  private readonly units: Unit[];
  private readonly byName = new Map<string, Unit[]>();
  private bases = new Map<string, Basis>();

  constructor(
    params: readonly ParamSlot[],
    include: (p: ParamSlot) => boolean,
    every: number,
    reproject: boolean,
  ) {
    super(params);
    this.every = every;
    this.reprojectMoments = reproject;
    this.units = [];
    for (const p of params) {
      if (p.shape.length !== 2 || !include(p)) continue;
      const axis = p.layout ? p.layout.outAxis : 1;
      const len = p.shape[axis]! / p.parts;
      const list: Unit[] = [];
      for (let k = 0; k < p.parts; k++) {
        const shape: [number, number] = axis === 0 ? [len, p.shape[1]!] : [p.shape[0]!, len];
        list.push({
          key: p.parts > 1 ? `${p.name}#${k}` : p.name,
          name: p.name,
          axis,
          start: k * len,
          len,
          shape,
        });
      }
      this.units.push(...list);
      this.byName.set(p.name, list);
    }
  }

  /** Names of the rotated matrices (fused parts as `name#k`). */
  matrices(): string[] {
    return this.units.map((u) => u.key);
  }

  rotate(x: Readonly<Record<string, tf.Tensor>>): Record<string, tf.Tensor> {
    this.check(x, 'x');
    return tf.tidy(() => this.apply(x, (b, g) => tf.matMul(tf.matMul(b.du!, g, true, false), b.dv!)));
  }

  unrotate(x: Readonly<Record<string, tf.Tensor>>): Record<string, tf.Tensor> {
    this.check(x, 'x');
    return tf.tidy(() => this.apply(x, (b, g) => tf.matMul(tf.matMul(b.du!, g), b.dv!, false, true)));
  }

  override refresh(grads: Readonly<Record<string, tf.Tensor>>, t: number): BasisChange | null {
    if (!Number.isInteger(t) || t < 1) throw new PaperkitInputError('t', t, 'a 1-based step index');
    if ((t - 1) % this.every !== 0 || this.units.length === 0) return null;
    this.check(grads, 'grads');
    const host = tf
      .tidy(() => tf.concat(this.units.map((u) => tf.reshape(this.sliceUnit(grads[u.name]!, u), [-1]))))
      .dataSync();
    const old = this.bases;
    const next = new Map<string, Basis>();
    let off = 0;
    for (const u of this.units) {
      const [a, b] = u.shape;
      const f = fullSvd({ rows: a, cols: b, data: host.subarray(off, off + a * b) });
      off += a * b;
      next.set(u.key, { u: f.u.data, v: f.v.data });
    }
    this.freeDevice(old);
    this.bases = next;
    if (!this.reprojectMoments || old.size === 0) return null;
    // Old rotated coordinates X map to new ones by A·X·B with A = U_newᵀU_old, B = V_oldᵀV_new.
    const change = new Map<string, { a: Float64Array; b: Float64Array }>();
    for (const u of this.units) {
      const o = old.get(u.key);
      const n = next.get(u.key)!;
      const [ra, rb] = u.shape;
      change.set(u.key, {
        a: o ? transposeTimes(n.u, o.u, ra) : transpose(n.u, ra),
        b: o ? transposeTimes(o.v, n.v, rb) : n.v,
      });
    }
    const map = (name: string, slot: tf.Tensor, squared: boolean): tf.Tensor => {
      const list = this.byName.get(name);
      if (!list) return slot;
      const parts = list.map((u) => {
        const c = change.get(u.key)!;
        const sq = (m: Float64Array) => (squared ? m.map((x) => x * x) : m);
        const [ra, rb] = u.shape;
        const a = tf.tensor2d(Float32Array.from(sq(c.a)), [ra, ra]);
        const b = tf.tensor2d(Float32Array.from(sq(c.b)), [rb, rb]);
        return tf.matMul(tf.matMul(a, this.sliceUnit(slot, u)), b);
      });
      return parts.length === 1 ? parts[0]! : tf.concat(parts, list[0]!.axis);
    };
    return { linear: (n, s) => map(n, s, false), squared: (n, s) => map(n, s, true) };
  }

  override getState(): SvdRotationState {
    const bases: Record<string, { u: number[]; v: number[] }> = {};
    for (const [k, b] of this.bases) bases[k] = { u: Array.from(b.u), v: Array.from(b.v) };
    return { bases };
  }

  override checkState(state: unknown, field: string): void {
    this.parseState(state, field);
  }

  override setState(state: unknown): void {
    const next = this.parseState(state, 'state');
    this.freeDevice(this.bases);
    this.bases = next;
  }

  private parseState(state: unknown, field: string): Map<string, Basis> {
    const s = checkObject<SvdRotationState>(field, state, 'an SVD-rotation state { bases } from getState()');
    checkObject(`${field}.bases`, s.bases, 'a record of bases { u, v } by matrix');
    const units = new Set(this.units.map((u) => u.key));
    for (const k of Object.keys(s.bases))
      if (!units.has(k))
        throw new PaperkitInputError(
          `${field}.bases.${k}`,
          k,
          `a rotated matrix of this rotation (${[...units].join(', ')})`,
        );
    const next = new Map<string, Basis>();
    for (const u of this.units) {
      const b = s.bases[u.key];
      if (b === undefined) continue;
      const where = `${field}.bases.${u.key}`;
      checkObject(where, b, 'bases { u, v }');
      const [ra, rb] = u.shape;
      for (const [name, arr, n] of [
        ['u', b.u, ra],
        ['v', b.v, rb],
      ] as const) {
        if (!Array.isArray(arr) || arr.length !== n * n)
          throw new PaperkitInputError(`${where}.${name}`, arr, `an array of ${n}² = ${n * n} numbers`);
        checkAllFinite(`${where}.${name}`, arr);
      }
      next.set(u.key, { u: Float64Array.from(b.u), v: Float64Array.from(b.v) });
    }
    return next;
  }

  /** Host copies of the current bases of one matrix (`name` or `name#k`), or undefined before the first refresh. */
  basis(key: string): { u: Matrix; v: Matrix } | undefined {
    const b = this.bases.get(key);
    const unit = this.units.find((u) => u.key === key);
    if (!b || !unit) return undefined;
    const [a, c] = unit.shape;
    return { u: { rows: a, cols: a, data: b.u.slice() }, v: { rows: c, cols: c, data: b.v.slice() } };
  }

  override dispose(): void {
    this.freeDevice(this.bases);
  }

  private apply(
    x: Readonly<Record<string, tf.Tensor>>,
    f: (b: Basis, g: tf.Tensor2D) => tf.Tensor,
  ): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    for (const p of this.params) {
      const list = this.byName.get(p.name);
      const t = x[p.name]!;
      if (!list) {
        out[p.name] = tf.clone(t);
        continue;
      }
      const parts = list.map((u) => {
        const g = this.sliceUnit(t, u);
        const b = this.device(u);
        return b ? f(b, g) : g;
      });
      out[p.name] = parts.length === 1 ? parts[0]! : tf.concat(parts, list[0]!.axis);
    }
    return out;
  }

  private sliceUnit(t: tf.Tensor, u: Unit): tf.Tensor2D {
    if (u.len === t.shape[u.axis]) return t as tf.Tensor2D;
    const begin: [number, number] = u.axis === 0 ? [u.start, 0] : [0, u.start];
    return tf.slice(t as tf.Tensor2D, begin, u.shape as [number, number]);
  }

  private device(u: Unit): Basis | undefined {
    const b = this.bases.get(u.key);
    if (!b) return undefined;
    const [ra, rb] = u.shape;
    b.du ??= tf.keep(tf.tensor2d(Float32Array.from(b.u), [ra, ra]));
    b.dv ??= tf.keep(tf.tensor2d(Float32Array.from(b.v), [rb, rb]));
    return b;
  }

  private freeDevice(m: Map<string, Basis>): void {
    for (const b of m.values()) {
      b.du?.dispose();
      b.dv?.dispose();
      delete b.du;
      delete b.dv;
    }
  }
}

/** Row-major n×n transpose. */
function transpose(a: Float64Array, n: number): Float64Array {
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t[j * n + i] = a[i * n + j]!;
  return t;
}

/** xᵀ·y for square n×n row-major x and y. */
function transposeTimes(x: Float64Array, y: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++)
    for (let i = 0; i < n; i++) {
      const xki = x[k * n + i]!;
      if (xki === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j]! += xki * y[k * n + j]!;
    }
  return out;
}
