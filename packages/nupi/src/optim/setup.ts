import {
  checkFinite,
  checkObject,
  checkSavedTensor,
  groupOptimizers,
  Optimizer,
  type OptimizerState,
  PaperkitInputError,
  type SavedTensor,
  saveTensor,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { Constraint } from '../constraints/constraint.js';
import { ImplicitMultiplier } from '../constraints/multipliers.js';
import type { DualOptimizer, DualOptimizerState } from '../dual/base.js';
import { PIDLagrangian } from '../dual/pid-lagrangian.js';

/** Dual optimizers: one instance, a record by constraint name, or a factory. */
export type DualOptimizers<N extends string = string> =
  | DualOptimizer
  | Readonly<Partial<Record<N, DualOptimizer>>>
  | ((name: N, size: number) => DualOptimizer);

/** The primal optimizer (one, or the groups combined into one) and the parameter names it steps. */
export interface ResolvedPrimal {
  readonly optimizer: Optimizer;
  readonly names: readonly string[];
}

/** Format tag of {@link ConstrainedOptimizerState}. */
export const CONSTRAINED_STATE_FORMAT = 'paperkit.nupi.constrained-optimizer/2';

/** Serialized {@link ConstrainedOptimizer} state: plain JSON data, restores exactly (float64 duals). */
export interface ConstrainedOptimizerState {
  /** Format tag. */
  readonly format: typeof CONSTRAINED_STATE_FORMAT;
  /** Order it was saved with (checked on restore). */
  readonly order: string;
  /** Rolls taken. */
  readonly rolls: number;
  /** The primal optimizer's state (parameter groups are one optimizer, see `groupOptimizers`). */
  readonly primal: OptimizerState;
  /** Dual optimizer states by constraint. */
  readonly dual: Readonly<Record<string, DualOptimizerState>>;
  /** Explicit multiplier values by constraint. */
  readonly multipliers: Readonly<Record<string, readonly number[]>>;
  /** Penalty coefficient values by constraint. */
  readonly penalties: Readonly<Record<string, readonly number[]>>;
  /** Implicit multipliers: their optimizer state and weights, by constraint. */
  readonly implicit: Readonly<
    Record<
      string,
      { readonly optimizer: OptimizerState; readonly params: Readonly<Record<string, SavedTensor>> }
    >
  >;
}

function isDualOptimizer(o: unknown): o is DualOptimizer {
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof (o as DualOptimizer).step === 'function' &&
    typeof (o as DualOptimizer).getState === 'function' &&
    typeof (o as DualOptimizer).setState === 'function'
  );
}

/**
 * Validates the primal optimizer or groups against the variables (disjoint, known names) and returns
 * one optimizer: groups become tensor-core's `groupOptimizers` (a `multiTransform` of their
 * transforms, each with its own learning rate and step count), so the primal state is one state.
 */
export function resolvePrimal(
  primal: Optimizer | readonly { readonly optimizer: Optimizer; readonly params: readonly string[] }[],
  vars: Record<string, tf.Variable>,
): ResolvedPrimal {
  if (primal instanceof Optimizer) return { optimizer: primal, names: Object.keys(vars) };
  if (!Array.isArray(primal) || primal.length === 0)
    throw new PaperkitInputError(
      'primal',
      primal,
      'a tensor-core Optimizer or a non-empty array of { optimizer, params }',
    );
  const owner = new Map<string, number>();
  primal.forEach((g, i) => {
    if (!g || !(g.optimizer instanceof Optimizer))
      throw new PaperkitInputError(`primal[${i}].optimizer`, g?.optimizer, 'a tensor-core Optimizer');
    if (!Array.isArray(g.params) || g.params.length === 0)
      throw new PaperkitInputError(`primal[${i}].params`, g.params, 'a non-empty array of parameter names');
    for (const n of g.params) {
      if (!(n in vars))
        throw new PaperkitInputError(
          `primal[${i}].params`,
          n,
          `a parameter name (${Object.keys(vars).join(', ')})`,
        );
      if (owner.has(n))
        throw new PaperkitInputError(
          `primal[${i}].params`,
          n,
          `a name not already in primal[${owner.get(n)}] (groups are disjoint)`,
        );
      owner.set(n, i);
    }
  });
  return { optimizer: groupOptimizers(primal, 'PrimalGroups'), names: [...owner.keys()] };
}

/** Assigns one dual optimizer to each constraint with an explicit multiplier, checking compatibility. */
export function resolveDuals(
  constraints: Readonly<Record<string, Constraint>>,
  dual: DualOptimizers | undefined,
): Map<string, DualOptimizer> {
  const explicit = Object.entries(constraints).filter(
    ([, c]) => c.multiplier !== undefined && !(c.multiplier instanceof ImplicitMultiplier),
  );
  const out = new Map<string, DualOptimizer>();
  if (explicit.length === 0) {
    if (dual !== undefined)
      throw new PaperkitInputError('dual', dual, 'absent: no constraint has a dense or indexed multiplier');
    return out;
  }
  if (dual === undefined)
    throw new PaperkitInputError(
      'dual',
      dual,
      `dual optimizers for ${explicit.map(([n]) => `'${n}'`).join(', ')}`,
    );
  if (isDualOptimizer(dual)) {
    if (explicit.length > 1)
      throw new PaperkitInputError(
        'dual',
        'one DualOptimizer',
        `a record or factory: ${explicit.length} constraints have explicit multipliers and each needs its own state`,
      );
    out.set(explicit[0]![0], dual);
  } else if (typeof dual === 'function') {
    for (const [n, c] of explicit)
      out.set(
        n,
        (dual as (n: string, s: number) => DualOptimizer)(n, (c.multiplier as { size: number }).size),
      );
  } else if (typeof dual === 'object' && dual !== null) {
    const rec = dual as Readonly<Record<string, DualOptimizer>>;
    for (const k of Object.keys(rec))
      if (!explicit.some(([n]) => n === k))
        throw new PaperkitInputError(
          'dual',
          k,
          `a constraint with an explicit multiplier (${explicit.map(([n]) => n).join(', ')})`,
        );
    for (const [n] of explicit) out.set(n, rec[n]!);
  } else throw new PaperkitInputError('dual', dual, 'a DualOptimizer, a record of them, or a factory');
  const seen = new Set<DualOptimizer>();
  for (const [n, c] of explicit) {
    const opt = out.get(n);
    if (!isDualOptimizer(opt)) throw new PaperkitInputError(`dual.${n}`, opt, 'a DualOptimizer');
    if (seen.has(opt))
      throw new PaperkitInputError(
        `dual.${n}`,
        'a shared instance',
        'one DualOptimizer instance per constraint',
      );
    seen.add(opt);
    const size = (c.multiplier as { size: number }).size;
    if (opt.size !== undefined && opt.size !== size)
      throw new PaperkitInputError(
        `dual.${n}`,
        `size ${opt.size}`,
        `a dual optimizer of size ${size} (the multiplier's)`,
      );
    if (opt instanceof PIDLagrangian && c.kind === 'equality')
      throw new PaperkitInputError(
        `dual.${n}`,
        'PIDLagrangian',
        'an unprojected optimizer: equality multipliers are never clamped',
      );
  }
  return out;
}

/** Builds the serialized state (synchronous: one host read per tensor). */
export function saveState(
  constraints: Readonly<Record<string, Constraint>>,
  order: string,
  rolls: number,
  primal: Optimizer,
  duals: ReadonlyMap<string, DualOptimizer>,
): ConstrainedOptimizerState {
  const dual: Record<string, DualOptimizerState> = {};
  for (const [n, d] of duals) dual[n] = d.getState();
  const multipliers: Record<string, number[]> = {};
  const penalties: Record<string, number[]> = {};
  const implicit: Record<string, { optimizer: OptimizerState; params: Record<string, SavedTensor> }> = {};
  for (const [n, c] of Object.entries(constraints)) {
    const m = c.multiplier;
    if (m instanceof ImplicitMultiplier)
      implicit[n] = {
        optimizer: m.optimizer.getState(),
        params: Object.fromEntries(Object.entries(m.params).map(([k, v]) => [k, saveTensor(v)])),
      };
    else if (m) multipliers[n] = Array.from(m.value);
    if (c.penalty) penalties[n] = Array.from(c.penalty.value);
  }
  return {
    format: CONSTRAINED_STATE_FORMAT,
    order,
    rolls,
    primal: primal.getState(),
    dual,
    multipliers,
    penalties,
    implicit,
  };
}

/** Checks a saved vector of finite numbers of the target's length. */
function checkVector(parameter: string, target: Float64Array, saved: unknown): readonly number[] {
  if (!Array.isArray(saved) || saved.length !== target.length)
    throw new PaperkitInputError(parameter, saved, `an array of ${target.length} numbers`);
  saved.forEach((x, i) => void checkFinite(`${parameter}[${i}]`, x));
  return saved;
}

/**
 * Restores a serialized state; returns the roll count. Every part is checked first (format, order,
 * roll count, the primal, dual and implicit-multiplier optimizer states, vectors of finite numbers,
 * saved tensors), so a rejected state changes nothing.
 */
export function loadState(
  constraints: Readonly<Record<string, Constraint>>,
  order: string,
  primal: ResolvedPrimal,
  duals: ReadonlyMap<string, DualOptimizer>,
  state: ConstrainedOptimizerState,
): number {
  const s = checkObject<ConstrainedOptimizerState>(
    'state',
    state,
    'a ConstrainedOptimizer state from getState()',
  );
  if (s.format !== CONSTRAINED_STATE_FORMAT)
    throw new PaperkitInputError('state.format', s.format, `"${CONSTRAINED_STATE_FORMAT}"`);
  if (s.order !== order)
    throw new PaperkitInputError('state.order', s.order, `"${order}" (this optimizer's order)`);
  if (!Number.isSafeInteger(s.rolls) || s.rolls < 0)
    throw new PaperkitInputError('state.rolls', s.rolls, 'an integer >= 0');
  checkObject('state.primal', s.primal, 'the primal optimizer state');
  const writes: (() => void)[] = [];
  for (const [n, d] of duals) {
    const saved = s.dual?.[n];
    if (!saved) throw new PaperkitInputError(`state.dual.${n}`, saved, 'the saved dual optimizer state');
    d.checkState?.(saved);
    writes.push(() => d.setState(saved));
  }
  for (const [n, c] of Object.entries(constraints)) {
    const m = c.multiplier;
    if (m instanceof ImplicitMultiplier) {
      const saved = s.implicit?.[n];
      if (!saved) throw new PaperkitInputError(`state.implicit.${n}`, saved, 'the saved implicit multiplier');
      checkObject(`state.implicit.${n}.params`, saved.params, 'the saved weights of the multiplier model');
      for (const [pn, v] of Object.entries(m.params)) {
        const t = checkSavedTensor(`state.implicit.${n}.params.${pn}`, saved.params[pn], v.shape);
        writes.push(() => tf.tidy(() => v.assign(tf.tensor(t.data, t.shape, 'float32'))));
      }
      m.optimizer.checkState(saved.optimizer);
      writes.push(() => m.optimizer.setState(saved.optimizer));
    } else if (m) {
      const v = checkVector(`state.multipliers.${n}`, m.value, s.multipliers?.[n]);
      writes.push(() => m.value.set(v));
    }
    if (c.penalty) {
      const pen = c.penalty;
      const v = checkVector(`state.penalties.${n}`, pen.value, s.penalties?.[n]);
      writes.push(() => pen.value.set(v));
    }
  }
  // Everything is valid: write. (Parameter names are checked against the saved ones at the next roll.)
  primal.optimizer.checkState(s.primal);
  primal.optimizer.setState(s.primal);
  for (const w of writes) w();
  return s.rolls;
}
