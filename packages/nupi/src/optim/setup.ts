import {
  type Optimizer,
  type OptimizerState,
  PaperkitInputError,
  type SavedTensor,
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

/** A primal optimizer with the parameter names it owns. */
export interface ResolvedGroup {
  readonly optimizer: Optimizer;
  readonly names: readonly string[];
}

/** Serialized {@link ConstrainedOptimizer} state: JSON-safe, restores exactly (float64 duals). */
export interface ConstrainedOptimizerState {
  /** Format tag. */
  readonly format: 'paperkit.nupi.constrained-optimizer/1';
  /** Order it was saved with (checked on restore). */
  readonly order: string;
  /** Rolls taken. */
  readonly rolls: number;
  /** Primal optimizer states, one per group in order. */
  readonly primal: readonly OptimizerState[];
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

function isOptimizer(o: unknown): o is Optimizer {
  return (
    typeof o === 'object' && o !== null && typeof (o as Optimizer).step === 'function' && 'iterations' in o
  );
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

/** Validates the primal optimizer or groups against the variables (disjoint, known names). */
export function resolveGroups(
  primal: Optimizer | readonly { readonly optimizer: Optimizer; readonly params: readonly string[] }[],
  vars: Record<string, tf.Variable>,
): ResolvedGroup[] {
  if (isOptimizer(primal)) return [{ optimizer: primal, names: Object.keys(vars) }];
  if (!Array.isArray(primal) || primal.length === 0)
    throw new PaperkitInputError(
      'primal',
      primal,
      'a tensor-core Optimizer or a non-empty array of { optimizer, params }',
    );
  const owner = new Map<string, number>();
  return primal.map((g, i) => {
    if (!g || !isOptimizer(g.optimizer))
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
    return { optimizer: g.optimizer, names: [...g.params] };
  });
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

async function saveTensors(
  params: Readonly<Record<string, tf.Variable>>,
): Promise<Record<string, SavedTensor>> {
  const out: Record<string, SavedTensor> = {};
  for (const [n, v] of Object.entries(params))
    out[n] = { shape: [...v.shape], data: Array.from(await v.data()) };
  return out;
}

/** Builds the serialized state. */
export async function saveState(
  constraints: Readonly<Record<string, Constraint>>,
  order: string,
  rolls: number,
  groups: readonly ResolvedGroup[],
  duals: ReadonlyMap<string, DualOptimizer>,
): Promise<ConstrainedOptimizerState> {
  const primal: OptimizerState[] = [];
  for (const g of groups) primal.push(await g.optimizer.getState());
  const dual: Record<string, DualOptimizerState> = {};
  for (const [n, d] of duals) dual[n] = d.getState();
  const multipliers: Record<string, number[]> = {};
  const penalties: Record<string, number[]> = {};
  const implicit: Record<string, { optimizer: OptimizerState; params: Record<string, SavedTensor> }> = {};
  for (const [n, c] of Object.entries(constraints)) {
    const m = c.multiplier;
    if (m instanceof ImplicitMultiplier)
      implicit[n] = { optimizer: await m.optimizer.getState(), params: await saveTensors(m.params) };
    else if (m) multipliers[n] = Array.from(m.value);
    if (c.penalty) penalties[n] = Array.from(c.penalty.value);
  }
  return {
    format: 'paperkit.nupi.constrained-optimizer/1',
    order,
    rolls,
    primal,
    dual,
    multipliers,
    penalties,
    implicit,
  };
}

function restoreVector(parameter: string, target: Float64Array, saved: readonly number[] | undefined): void {
  if (!Array.isArray(saved) || saved.length !== target.length)
    throw new PaperkitInputError(parameter, saved, `an array of ${target.length} numbers`);
  target.set(saved);
}

/** Restores a serialized state; returns the roll count. */
export function loadState(
  constraints: Readonly<Record<string, Constraint>>,
  order: string,
  groups: readonly ResolvedGroup[],
  duals: ReadonlyMap<string, DualOptimizer>,
  state: ConstrainedOptimizerState,
): number {
  if (state === null || typeof state !== 'object' || state.format !== 'paperkit.nupi.constrained-optimizer/1')
    throw new PaperkitInputError('state.format', state?.format, '"paperkit.nupi.constrained-optimizer/1"');
  if (state.order !== order)
    throw new PaperkitInputError('state.order', state.order, `"${order}" (this optimizer's order)`);
  if (!Array.isArray(state.primal) || state.primal.length !== groups.length)
    throw new PaperkitInputError('state.primal', state.primal, `${groups.length} primal optimizer states`);
  if (!Number.isInteger(state.rolls) || state.rolls < 0)
    throw new PaperkitInputError('state.rolls', state.rolls, 'an integer >= 0');
  groups.forEach((g, i) => {
    g.optimizer.setState(state.primal[i]!);
  });
  for (const [n, d] of duals) {
    const s = state.dual?.[n];
    if (!s) throw new PaperkitInputError(`state.dual.${n}`, s, 'the saved dual optimizer state');
    d.setState(s);
  }
  for (const [n, c] of Object.entries(constraints)) {
    const m = c.multiplier;
    if (m instanceof ImplicitMultiplier) {
      const saved = state.implicit?.[n];
      if (!saved) throw new PaperkitInputError(`state.implicit.${n}`, saved, 'the saved implicit multiplier');
      m.optimizer.setState(saved.optimizer);
      for (const [pn, v] of Object.entries(m.params)) {
        const t = saved.params[pn];
        if (!t || !tf.util.arraysEqual(t.shape, v.shape))
          throw new PaperkitInputError(
            `state.implicit.${n}.params.${pn}`,
            t,
            `a saved tensor of shape [${v.shape}]`,
          );
        tf.tidy(() => v.assign(tf.tensor(t.data, t.shape, 'float32')));
      }
    } else if (m) restoreVector(`state.multipliers.${n}`, m.value, state.multipliers?.[n]);
    if (c.penalty) restoreVector(`state.penalties.${n}`, c.penalty.value, state.penalties?.[n]);
  }
  return state.rolls;
}
