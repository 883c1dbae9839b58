import { valueAndGrads } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { ImplicitMultiplier } from '../constraints/multipliers.js';
import type { PenaltyUpdater } from '../constraints/penalty.js';
import type { DualOptimizer } from '../dual/base.js';
import { penaltyHost } from './lagrangian.js';
import { coalesce, type Observation } from './observe.js';

/** Thrown when a measured violation (or an implicit multiplier) is NaN or infinite. */
export class NonFiniteViolationError extends Error {
  override readonly name = 'NonFiniteViolationError';
  /** The constraint whose measurement was not finite. */
  readonly constraint: string;
  constructor(constraint: string, roll: number, what: string) {
    super(
      `constraint '${constraint}': ${what} at roll ${roll}. The primal iterate probably diverged; lower the ` +
        'primal learning rate or the dual gains.',
    );
    this.constraint = constraint;
  }
}

/** Strict violations of one family on the host, as fed to the dual step and the penalty updater. */
export interface StrictMeasurement {
  /** Strict violation values, in measurement order. */
  readonly values: Float64Array;
  /** Their constraint indices (indexed families), else null. */
  readonly indices: Int32Array | null;
}

/** Host data of one pass: strict violations per family and implicit multiplier values. */
export interface HostReadout {
  readonly strict: Map<string, StrictMeasurement>;
  readonly implicitValues: Map<string, Float64Array>;
}

/**
 * Reads, in one host transfer, the strict violations of every family that needs them (dual step or
 * penalty update) and the values of implicit multipliers. Host-side strict violations are used as
 * given. One `dataSync` per pass is the price of running the dual step in float64 on the host.
 */
export function readStrict(obs: readonly Observation[], withPenalties: boolean): HostReadout {
  const strict = new Map<string, StrictMeasurement>();
  const implicitValues = new Map<string, Float64Array>();
  const pending: { tensor: tf.Tensor; owned: boolean; assign: (v: Float64Array) => void }[] = [];
  for (const o of obs) {
    const needs = o.dual || (withPenalties && o.constraint.penalty !== undefined && wantsPenaltyUpdate(o));
    if (!needs) continue;
    const s = o.state.strictViolation ?? o.violation();
    const put = (v: Float64Array) => strict.set(o.name, { values: v, indices: o.strictIndices });
    if (typeof s === 'number') put(Float64Array.of(s));
    else if (s instanceof tf.Tensor) pending.push({ tensor: s, owned: false, assign: put });
    else put(Float64Array.from(s as ArrayLike<number>));
    const m = o.constraint.multiplier;
    if (o.dual && m instanceof ImplicitMultiplier) {
      const feats = o.state.strictFeatures ?? o.state.features!;
      const values = m.forward(m.params, feats);
      pending.push({ tensor: values, owned: true, assign: (v) => implicitValues.set(o.name, v) });
    }
  }
  if (pending.length > 0) {
    const flat = tf.tidy(() => tf.concat(pending.map((p) => p.tensor.reshape([-1]))));
    const data = flat.dataSync();
    flat.dispose();
    let offset = 0;
    for (const p of pending) {
      p.assign(Float64Array.from(data.subarray(offset, offset + p.tensor.size)));
      offset += p.tensor.size;
    }
    // Implicit forward outputs were created here; strict-violation tensors belong to the caller's state.
    for (const p of pending) if (p.owned) p.tensor.dispose();
  }
  return { strict, implicitValues };
}

/** Cooper's rule for when a family's penalty coefficient may be updated (`PenaltyCoefficientUpdater.step`). */
export function wantsPenaltyUpdate(o: Observation): boolean {
  const s = o.state;
  if (o.constraint.multiplier !== undefined)
    return (
      (s.contributesToDual ?? true) || ((s.contributesToPrimal ?? true) && s.strictViolation !== undefined)
    );
  return s.contributesToPrimal ?? true;
}

/** Per-family dual optimizers and scratch space for coalescing indices. */
export interface DualContext {
  readonly optimizers: ReadonlyMap<string, DualOptimizer>;
  readonly scratch: Map<string, Int32Array>;
  readonly roll: number;
}

/**
 * Takes the dual step of every dual-contributing family from its host strict violations and returns
 * the dual Lagrangian Σ θ_t·ḡ evaluated before the step. Explicit multipliers: the family's dual
 * optimizer, projected for inequalities only; repeated indices are coalesced by summing (the gradient
 * of the dual Lagrangian). Implicit multipliers: one ascent step of the model on Σ λ(f)·ḡ, then the
 * user's projection.
 */
export function dualStep(obs: readonly Observation[], read: HostReadout, ctx: DualContext): number {
  let dualLagrangian = 0;
  for (const o of obs) {
    if (!o.dual) continue;
    const meas = read.strict.get(o.name)!;
    for (let k = 0; k < meas.values.length; k++)
      if (!Number.isFinite(meas.values[k]!))
        throw new NonFiniteViolationError(o.name, ctx.roll, `strict violation [${k}] is ${meas.values[k]}`);
    const c = o.constraint;
    const m = c.multiplier!;
    const nonNegative = c.kind === 'inequality';
    if (m instanceof ImplicitMultiplier) {
      const lam = read.implicitValues.get(o.name)!;
      for (let k = 0; k < lam.length; k++) {
        if (!Number.isFinite(lam[k]!))
          throw new NonFiniteViolationError(o.name, ctx.roll, `implicit multiplier [${k}] is ${lam[k]}`);
        if (nonNegative && lam[k]! < 0)
          throw new NonFiniteViolationError(
            o.name,
            ctx.roll,
            `implicit multiplier [${k}] = ${lam[k]} < 0 (project() must keep λ >= 0)`,
          );
        dualLagrangian += lam[k]! * meas.values[k]!;
      }
      implicitAscent(m, o.state.strictFeatures ?? o.state.features!, meas.values);
      continue;
    }
    let errors = meas.values;
    if (c.formulation === 'augmentedLagrangian' && c.dualError === 'penaltyScaled') {
      const pen = penaltyHost(c.penalty, errors.length, meas.indices);
      errors = errors.map((e, k) => e * pen[k]!);
    }
    for (let k = 0; k < meas.values.length; k++)
      dualLagrangian += m.value[meas.indices ? meas.indices[k]! : k]! * meas.values[k]!;
    let observed: Int32Array | undefined;
    if (meas.indices) {
      let scratch = ctx.scratch.get(o.name);
      if (!scratch) ctx.scratch.set(o.name, (scratch = new Int32Array(m.size)));
      const merged = coalesce(meas.indices, errors, scratch);
      observed = merged.indices;
      errors = merged.values;
    }
    const opt = ctx.optimizers.get(o.name)!;
    opt.step(m.value, errors, observed ? { observed, nonNegative } : { nonNegative });
  }
  return dualLagrangian;
}

function implicitAscent(m: ImplicitMultiplier, features: tf.Tensor, strict: Float64Array): void {
  const { value, grads } = valueAndGrads(
    () =>
      tf.neg(
        tf.sum(tf.mul(m.forward(m.params, features).reshape([-1]), tf.tensor1d(Float32Array.from(strict)))),
      ) as tf.Scalar,
    m.params,
  );
  value.dispose();
  try {
    m.optimizer.step(m.params, grads);
  } finally {
    tf.dispose(Object.values(grads));
  }
  if (m.project) tf.tidy(() => m.project!(m.params));
}

/** Updates penalty coefficients from the strict violations of one pass (after the dual step). */
export function penaltyStep(obs: readonly Observation[], read: HostReadout, updater: PenaltyUpdater): void {
  for (const o of obs) {
    const pen = o.constraint.penalty;
    if (pen === undefined || !wantsPenaltyUpdate(o)) continue;
    const meas = read.strict.get(o.name);
    if (!meas) continue;
    updater.update(pen, o.constraint.kind, meas.values, meas.indices ?? undefined);
  }
}
