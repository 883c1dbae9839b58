import {
  checkObject,
  checkOneOf,
  type Optimizer,
  PaperkitInputError,
  type ParamsLike,
  toVariableRecord,
  valueAndGrads,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { ImplicitMultiplier } from '../constraints/multipliers.js';
import type { PenaltyUpdater } from '../constraints/penalty.js';
import type { ConstrainedProblem } from '../constraints/problem.js';
import type { DualOptimizer } from '../dual/base.js';
import { dualStep, type HostReadout, penaltyStep, readStrict, type StrictMeasurement } from './dual-step.js';
import { fusable, fusedLagrangian, primalContribution } from './lagrangian.js';
import { type Observation, observe } from './observe.js';
import { perExampleObjective } from './per-example.js';
import {
  type ConstrainedOptimizerState,
  type DualOptimizers,
  loadState,
  type ResolvedPrimal,
  resolveDuals,
  resolvePrimal,
  saveState,
} from './setup.js';

/**
 * When the dual step happens relative to the primal step (Cooper's `ConstrainedOptimizer` classes):
 * - `simultaneous`: x_{t+1} from ∇ₓL(x_t, λ_t), λ_{t+1} from g(x_t). One forward pass.
 * - `dualPrimal` (default; Cooper's FAQ recommendation): λ_{t+1} from g(x_t) first, then x_{t+1} from
 *   ∇ₓL(x_t, λ_{t+1}) on the same forward pass. One forward pass.
 * - `primalDual`: x_{t+1} first, then λ_{t+1} from g(x_{t+1}) measured by `computeViolations` (or a
 *   second `computeState`) without a tape. Two passes.
 * - `extragradient`: both extrapolate to t+½ (λ projected), everything is re-measured there, and both
 *   update from the iterates at t with the t+½ gradients. Stateful optimizers advance twice per roll,
 *   as Gidel et al.'s ExtraSGD/ExtraAdam (which Cooper wraps) do. Two passes.
 */
export type UpdateOrder = 'simultaneous' | 'dualPrimal' | 'primalDual' | 'extragradient';

/** The four orders. */
export const UPDATE_ORDERS: readonly UpdateOrder[] = [
  'simultaneous',
  'dualPrimal',
  'primalDual',
  'extragradient',
];

/**
 * One primal optimizer and the parameter names it updates (e.g. weights with SGD, gates with Adam).
 * Groups are combined into one optimizer (tensor-core's `groupOptimizers`), which spends the group
 * optimizers: each keeps its own learning rate and step count, and the state is one.
 */
export interface PrimalGroup {
  readonly optimizer: Optimizer;
  readonly params: readonly string[];
}

/** Configuration of {@link ConstrainedOptimizer}. */
export interface ConstrainedOptimizerConfig<N extends string, Ctx> {
  /** The problem. */
  readonly problem: ConstrainedProblem<N, Ctx>;
  /** The primal variables x (a ParamMap or a record of variables). */
  readonly params: ParamsLike;
  /** One tensor-core optimizer for all of `params`, or disjoint groups of parameter names. */
  readonly primal: Optimizer | readonly PrimalGroup[];
  /**
   * Dual optimizers for the explicit (dense/indexed) multipliers: one instance when exactly one
   * constraint has an explicit multiplier, a record by constraint name, or a factory
   * `(name, size) => DualOptimizer`. Omit when no constraint has an explicit multiplier.
   */
  readonly dual?: DualOptimizers<N>;
  /** Update order; default `dualPrimal`. */
  readonly order?: UpdateOrder;
  /** Grows penalty coefficients after each roll from the strict violations of the dual pass. */
  readonly penaltyUpdater?: PenaltyUpdater;
}

/** What one {@link ConstrainedOptimizer.roll} returns (Cooper's `RollOut`). */
export interface RollOut {
  /** f(x_t), the loss whose gradient was used (null when the problem returned none). Kept until `dispose()`. */
  readonly loss: tf.Tensor | null;
  /** The primal Lagrangian at x_t with the multipliers the primal step used. Kept until `dispose()`. */
  readonly primalLagrangian: tf.Scalar;
  /** The dual Lagrangian Σ θ·ḡ (before the dual step) of the pass that fed the dual step. */
  readonly dualLagrangian: number;
  /** The strict violations that fed the dual step and penalty updates, by constraint. */
  readonly violations: Readonly<Record<string, StrictMeasurement>>;
  /** Copies of the explicit multipliers after the roll, by constraint. */
  readonly multipliers: Readonly<Record<string, Float64Array>>;
  /** The `misc` tensors of the first state, kept until `dispose()`. */
  readonly misc: Readonly<Record<string, tf.Tensor>>;
  /** Frees `loss`, `primalLagrangian` and `misc`. */
  dispose(): void;
}

interface Pass {
  readonly value: tf.Scalar;
  readonly grads: Record<string, tf.Tensor>;
  readonly loss: tf.Tensor | null;
  readonly misc: Record<string, tf.Tensor>;
  readonly read: HostReadout | null;
  readonly dualLagrangian: number;
  readonly primal: boolean;
}

interface PassOptions {
  readonly dual: 'before' | 'after' | 'none';
  readonly keep: boolean;
  readonly beforeDual?: () => void;
}

/**
 * Runs a constrained problem: primal steps on the primal Lagrangian f + Σ λ̄ᵀg̃ (tensors, one tape),
 * dual steps on the strict violations (float64 on the host, no autodiff), in the chosen order, with
 * optional penalty updates. Everything except your primal parameters is in `getState()`.
 */
export class ConstrainedOptimizer<N extends string = string, Ctx = void> {
  /** The update order. */
  readonly order: UpdateOrder;
  /** The problem. */
  readonly problem: ConstrainedProblem<N, Ctx>;
  private readonly vars: Record<string, tf.Variable>;
  private readonly primal: ResolvedPrimal;
  private readonly duals: Map<string, DualOptimizer>;
  private readonly penaltyUpdater: PenaltyUpdater | undefined;
  private readonly scratch = new Map<string, Int32Array>();
  private rolls = 0;
  private lastObservations: Observation[] = [];

  constructor(config: ConstrainedOptimizerConfig<N, Ctx>) {
    checkObject('config', config, 'an object { problem, params, primal, dual?, order?, penaltyUpdater? }');
    if (!config.problem || typeof config.problem.computeState !== 'function')
      throw new PaperkitInputError('problem', config.problem, 'a problem from defineProblem()');
    this.problem = config.problem;
    this.order = checkOneOf('order', config.order ?? 'dualPrimal', UPDATE_ORDERS);
    this.vars = toVariableRecord(config.params);
    if (Object.keys(this.vars).length === 0)
      throw new PaperkitInputError('params', config.params, 'at least one primal variable');
    this.primal = resolvePrimal(config.primal, this.vars);
    this.duals = resolveDuals(this.problem.constraints, config.dual as DualOptimizers | undefined);
    if (config.penaltyUpdater !== undefined && typeof config.penaltyUpdater?.update !== 'function')
      throw new PaperkitInputError('penaltyUpdater', config.penaltyUpdater, 'a PenaltyUpdater or absent');
    this.penaltyUpdater = config.penaltyUpdater;
  }

  /** Rolls taken so far. */
  get steps(): number {
    return this.rolls;
  }

  /** One full primal–dual update in the configured order; `ctx` is passed to the problem (e.g. a batch). */
  roll(ctx: Ctx): RollOut {
    const roll = this.rolls;
    let first: Pass | null = null;
    let last: Pass | null = null;
    let dualRead: HostReadout | null = null;
    let dualLagrangian = 0;
    try {
      if (this.order === 'dualPrimal' || this.order === 'simultaneous') {
        first = this.pass(ctx, roll, { dual: this.order === 'dualPrimal' ? 'before' : 'after', keep: true });
        this.primalStep(first);
        dualRead = first.read;
        dualLagrangian = first.dualLagrangian;
      } else if (this.order === 'primalDual') {
        first = this.pass(ctx, roll, { dual: 'none', keep: true });
        this.primalStep(first);
        const second = this.violationsPass(ctx, roll);
        dualRead = second.read;
        dualLagrangian = second.dualLagrangian;
      } else {
        ({ first, last, dualRead, dualLagrangian } = this.extragradient(ctx, roll));
      }
    } catch (err) {
      for (const p of [first, last])
        if (p) tf.dispose([p.value, ...(p.loss ? [p.loss] : []), ...Object.values(p.misc)]);
      throw err;
    }
    if (this.penaltyUpdater && dualRead) penaltyStep(this.lastObservations, dualRead, this.penaltyUpdater);
    this.rolls++;
    const keep = first!;
    const violations: Record<string, StrictMeasurement> = {};
    if (dualRead) for (const [k, v] of dualRead.strict) violations[k] = v;
    const multipliers: Record<string, Float64Array> = {};
    for (const [name, c] of Object.entries(this.problem.constraints) as [
      string,
      (typeof this.problem.constraints)[N],
    ][])
      if (c.multiplier && !(c.multiplier instanceof ImplicitMultiplier))
        multipliers[name] = Float64Array.from(c.multiplier.value);
    return {
      loss: keep.loss,
      primalLagrangian: keep.value,
      dualLagrangian,
      violations,
      multipliers,
      misc: keep.misc,
      dispose: () => tf.dispose([keep.value, ...(keep.loss ? [keep.loss] : []), ...Object.values(keep.misc)]),
    };
  }

  private dualContext(roll: number) {
    return { optimizers: this.duals, scratch: this.scratch, roll };
  }

  /** One taped pass: measure, optionally step the duals, build the primal Lagrangian, differentiate. */
  private pass(ctx: Ctx, roll: number, o: PassOptions): Pass {
    let loss: tf.Tensor | null = null;
    let misc: Record<string, tf.Tensor> = {};
    let read: HostReadout | null = null;
    let dualLagrangian = 0;
    let primal = false;
    const stepped = Object.fromEntries(this.primal.names.map((n) => [n, this.vars[n]!]));
    const first = this.vars[this.primal.names[0]!]!;
    const doDual = (obs: Observation[]) => {
      o.beforeDual?.();
      read = readStrict(obs, this.penaltyUpdater !== undefined);
      dualLagrangian = dualStep(obs, read, this.dualContext(roll));
      this.lastObservations = obs;
    };
    const { value, grads } = valueAndGrads(() => {
      const state = this.problem.computeState(ctx);
      const obs = observe(this.problem.constraints, state, 'computeState(ctx)');
      if (o.dual === 'before') doDual(obs);
      const primalObs = obs.filter((ob) => ob.primal);
      // A per-example objective is built here; the fused path differentiates it through v's weights.
      const per = state.perExample;
      const objective = per?.objective !== undefined ? perExampleObjective(per) : state.loss;
      primal = objective !== undefined || primalObs.length > 0;
      let total: tf.Scalar;
      if (primalObs.length > 0 && primalObs.every(fusable))
        total = fusedLagrangian(state.loss, primalObs, per);
      else if (primal) {
        const terms: tf.Scalar[] = [];
        if (objective) terms.push(objective.reshape([]) as tf.Scalar);
        for (const ob of primalObs) terms.push(primalContribution(ob));
        total = tf.addN(terms) as tf.Scalar;
      } else total = tf.mul(0, tf.sum(first)) as tf.Scalar;
      if (o.dual === 'after') doDual(obs);
      if (o.keep) {
        if (objective) loss = tf.keep(objective);
        if (state.misc) {
          misc = { ...state.misc };
          for (const t of Object.values(misc)) tf.keep(t);
        }
      }
      return total;
    }, stepped);
    return { value, grads, loss, misc, read, dualLagrangian, primal };
  }

  private primalStep(p: Pass): void {
    try {
      if (p.primal && Object.keys(p.grads).length > 0) this.primal.optimizer.step(this.vars, p.grads);
    } finally {
      tf.dispose(Object.values(p.grads));
    }
  }

  /** The untaped measurement at x_{t+1} of the `primalDual` order. */
  private violationsPass(ctx: Ctx, roll: number): { read: HostReadout; dualLagrangian: number } {
    const out: { read: HostReadout; dualLagrangian: number }[] = [];
    tf.tidy(() => {
      const cv = this.problem.computeViolations;
      const state = cv ? cv.call(this.problem, ctx) : this.problem.computeState(ctx);
      if (cv && (state.loss !== undefined || state.perExample?.objective !== undefined))
        throw new PaperkitInputError(
          state.loss !== undefined
            ? 'computeViolations(ctx).loss'
            : 'computeViolations(ctx).perExample.objective',
          state.loss ?? state.perExample?.objective,
          'absent (put the loss in computeState)',
        );
      const obs = observe(
        this.problem.constraints,
        state,
        cv ? 'computeViolations(ctx)' : 'computeState(ctx)',
      );
      const read = readStrict(obs, this.penaltyUpdater !== undefined);
      const dualLagrangian = dualStep(obs, read, this.dualContext(roll));
      this.lastObservations = obs;
      out.push({ read, dualLagrangian });
    });
    return out[0]!;
  }

  private extragradient(ctx: Ctx, roll: number) {
    const explicit = [...this.duals.keys()].map(
      (n) => this.problem.constraints[n as N].multiplier as { value: Float64Array },
    );
    const implicit = Object.values(this.problem.constraints)
      .map((c) => (c as { multiplier?: unknown }).multiplier)
      .filter((m): m is ImplicitMultiplier => m instanceof ImplicitMultiplier);
    const xs = Object.fromEntries(Object.entries(this.vars).map(([n, v]) => [n, tf.clone(v)]));
    const thetas = explicit.map((m) => Float64Array.from(m.value));
    const phis = implicit.map((m) =>
      Object.fromEntries(Object.entries(m.params).map(([n, v]) => [n, tf.clone(v)])),
    );
    const restoreDuals = () => {
      explicit.forEach((m, i) => {
        m.value.set(thetas[i]!);
      });
      implicit.forEach((m, i) => {
        for (const [n, v] of Object.entries(m.params)) v.assign(phis[i]![n]!);
      });
    };
    let first: Pass | null = null;
    let last: Pass | null = null;
    try {
      first = this.pass(ctx, roll, { dual: 'after', keep: true });
      this.primalStep(first);
      last = this.pass(ctx, roll, { dual: 'after', keep: false, beforeDual: restoreDuals });
      for (const [n, v] of Object.entries(this.vars)) v.assign(xs[n]!);
      this.primalStep(last);
      last.value.dispose();
      return { first, last: null, dualRead: last.read, dualLagrangian: last.dualLagrangian };
    } catch (err) {
      if (last) tf.dispose([last.value, ...Object.values(last.grads)]);
      if (first) tf.dispose([first.value, ...(first.loss ? [first.loss] : []), ...Object.values(first.misc)]);
      throw err;
    } finally {
      tf.dispose([...Object.values(xs), ...phis.flatMap((p) => Object.values(p))]);
    }
  }

  /**
   * Everything but your primal parameters, as plain data (`JSON.stringify` writes it as is): the primal
   * and dual optimizer states, multipliers, penalties and implicit-multiplier weights. Synchronous.
   */
  getState(): ConstrainedOptimizerState {
    return saveState(this.problem.constraints, this.order, this.rolls, this.primal.optimizer, this.duals);
  }

  /**
   * Restores a state saved by {@link ConstrainedOptimizer.getState} for the same problem layout; every
   * part is validated first, so a rejected state changes nothing.
   */
  setState(state: ConstrainedOptimizerState): void {
    this.rolls = loadState(this.problem.constraints, this.order, this.primal, this.duals, state);
  }

  /** Frees the primal and implicit-multiplier optimizers' slots. */
  dispose(): void {
    this.primal.optimizer.dispose();
    for (const c of Object.values(this.problem.constraints) as { multiplier?: unknown }[])
      if (c.multiplier instanceof ImplicitMultiplier) c.multiplier.optimizer.dispose();
  }
}
