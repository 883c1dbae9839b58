import * as tf from '@tensorflow/tfjs-core';
import { type ParamsLike, toVariableRecord, valueAndGrads } from '../params/grads.js';
import { checkObject, PaperkitInputError } from '../validate/errors.js';
import { chain } from './chain.js';
import {
  checkNames,
  OPTIMIZER_STATE_FORMAT,
  type OptimizerState,
  parseOptimizerState,
} from './optimizer-state.js';
import { type LearningRate, type Schedule, toSchedule } from './schedules.js';
import type { TransformState } from './state.js';
import { type AnyTransform, checkTransform, type StepContext } from './transform.js';
import { materialize, toUpdates } from './updates.js';

/** Settings every optimizer class shares. */
export interface BaseOptimizerConfig {
  /** Learning rate or schedule (0-based step index → rate). */
  readonly lr: LearningRate;
  /** Clip gradients to this global L2 norm before anything else; off when absent. */
  readonly clipNorm?: number;
}

/** An optimizer built from a transform. */
export interface OptimizerSpec {
  /** Name recorded in saved state (a state only loads into an optimizer of the same name). */
  readonly name: string;
  /** Learning rate or schedule: `ctx.lr` of each step. */
  readonly lr: LearningRate;
  /** What a step does (usually a {@link chain}). */
  readonly transform: AnyTransform;
}

/**
 * An optimizer built around another one: the one wrapping pattern of paperkit. `transform` receives
 * the wrapped optimizer's transform and returns the new optimizer's (putting transforms before,
 * after or around it); the learning rate is the wrapped optimizer's. The new optimizer takes over
 * the wrapped one's state and step count, and the wrapped instance is spent (stepping it is an error).
 */
export interface WrapSpec {
  /** Name recorded in saved state. */
  readonly name: string;
  /** The optimizer being wrapped (or several, e.g. one per parameter group). */
  readonly wraps: Optimizer | readonly Optimizer[];
  /** Builds the new transform around the wrapped ones' (in the order of `wraps`). */
  readonly transform: (...inner: AnyTransform[]) => AnyTransform;
  /** How the wrapped optimizer is called in error messages; default `optimizer`. */
  readonly parameter?: string;
  /**
   * Set when the wrapped optimizer must not have stepped, with the reason (e.g. a rotation: its
   * state would be in the wrong basis).
   */
  readonly freshBecause?: string;
}

function isWrap(spec: OptimizerSpec | WrapSpec): spec is WrapSpec {
  return 'wraps' in spec;
}

/**
 * A paperkit optimizer: a {@link GradientTransformation} (usually a chain) run over named parameters,
 * with its state keyed by parameter *name* (tfjs's own optimizers key by position, which silently
 * mixes moments when the variable list changes). Every optimizer of every paperkit package is one of
 * these: `Adam`, `AdamW`, `SGD`, `Momentum` are chains of tensor-core's transforms; paper optimizers
 * either build their own chain or wrap an existing optimizer (see {@link WrapSpec}); `toTfjsOptimizer`
 * turns any of them into a `tf.Optimizer` for `model.fit`.
 *
 * A step: `beforeStep` → `update` (gradients → u) → `p ← p · paramScale − u` → `afterStep`, all in
 * `tf.tidy`, no host read unless a transform needs one. `getState()` is synchronous plain data;
 * `setState()` validates everything (names, shapes, finite values, integer steps, the chain's kinds
 * and options) before changing anything.
 */
export class Optimizer {
  /** Name recorded in saved state. */
  readonly name: string;
  /** The transform a step runs (wrappers build theirs around it). */
  readonly transform: AnyTransform;
  /** The learning-rate schedule (0-based step → rate). */
  readonly schedule: Schedule;
  /** Steps completed. */
  protected t = 0;
  private root: TransformState | undefined;
  private shapes = new Map<string, readonly number[]>();
  private pendingCheck = false;
  private wrappedBy: string | undefined;

  constructor(spec: OptimizerSpec | WrapSpec) {
    checkObject('spec', spec, 'an optimizer spec { name, lr, transform } or { name, wraps, transform }');
    if (typeof spec.name !== 'string' || spec.name.length === 0)
      throw new PaperkitInputError('name', spec.name, 'a non-empty string');
    this.name = spec.name;
    if (isWrap(spec)) {
      const inners = Array.isArray(spec.wraps) ? spec.wraps : [spec.wraps];
      const parameter = spec.parameter ?? 'optimizer';
      if (inners.length === 0)
        throw new PaperkitInputError(parameter, inners, 'at least one optimizer to wrap');
      for (const inner of inners) {
        if (!(inner instanceof Optimizer))
          throw new PaperkitInputError(parameter, inner, 'a tensor-core Optimizer (e.g. new AdamW({ lr }))');
        if (inner.wrappedBy !== undefined)
          throw new PaperkitInputError(
            parameter,
            inner.name,
            `an optimizer not wrapped already (it is inside "${inner.wrappedBy}"; wrap the wrapper instead)`,
          );
        if (spec.freshBecause !== undefined && inner.t > 0)
          throw new PaperkitInputError(
            parameter,
            inner.name,
            `an optimizer that has not stepped yet (this one took ${inner.t} steps; ${spec.freshBecause})`,
          );
      }
      if (new Set(inners).size !== inners.length)
        throw new PaperkitInputError(parameter, 'the same optimizer twice', 'distinct optimizers');
      if (typeof spec.transform !== 'function')
        throw new PaperkitInputError(
          'transform',
          spec.transform,
          'a function (inner transform) => transform',
        );
      const built = checkTransform('transform', spec.transform(...inners.map((o) => o.transform)));
      this.transform = built.init ? built : chain(built);
      this.schedule = inners[0]!.schedule;
      const adopt = new Map<AnyTransform, TransformState>();
      for (const o of inners) if (o.root) adopt.set(o.transform, o.root);
      this.root = this.transform.init!(adopt);
      for (const o of inners) {
        // A wrapper that drops the wrapped transform must not leak its state.
        if (o.root && this.findState(o.transform) !== o.root) o.root.dispose();
        for (const [n, shape] of o.shapes) this.shapes.set(n, shape);
        this.pendingCheck ||= o.pendingCheck;
        o.wrappedBy = this.name;
        o.root = undefined;
      }
      this.t = inners[0]!.t;
    } else {
      const t = checkTransform('transform', spec.transform);
      this.transform = t.init ? t : chain(t);
      this.schedule = toSchedule(spec.lr);
      this.root = this.transform.init!();
    }
  }

  /**
   * Checks an optimizer class's config: an object whose keys are `lr`, `clipNorm` or one of `keys`
   * (a misspelt or foreign option, e.g. PyTorch's `weight_decay`, is an error rather than ignored).
   */
  static checkConfig(config: unknown, keys: readonly string[]): void {
    const c = checkObject(
      'config',
      config,
      `an object { lr, clipNorm?, ${keys.map((k) => `${k}?`).join(', ')} }`,
    );
    const known = new Set(['lr', 'clipNorm', ...keys]);
    for (const k of Object.keys(c))
      if (!known.has(k))
        throw new PaperkitInputError(`config.${k}`, k, `a known option (${[...known].join(', ')})`);
  }

  /** Steps completed so far. */
  get iterations(): number {
    return this.t;
  }

  /** Learning rate the next step will use. */
  currentLr(): number {
    return this.schedule(this.t);
  }

  /**
   * One step with gradients keyed like the parameters. Parameters without a gradient are left alone
   * (their state untouched) unless a transform updates them anyway (a rotation mixes coordinates). The
   * caller keeps ownership of `grads`.
   */
  step(params: ParamsLike, grads: Readonly<Record<string, tf.Tensor>>): void {
    this.assertUsable();
    const vars = toVariableRecord(params);
    checkObject('grads', grads, 'a record of gradient tensors keyed by parameter name');
    const names = Object.keys(grads);
    for (const n of names) {
      const v = vars[n];
      if (v === undefined)
        throw new PaperkitInputError(
          `grads.${n}`,
          n,
          `a gradient for a known parameter (${Object.keys(vars).join(', ')})`,
        );
      if (!(v instanceof tf.Variable) || v.isDisposed)
        throw new PaperkitInputError(`params.${n}`, v, 'a live tf.Variable (not disposed)');
      const g = grads[n];
      if (!(g instanceof tf.Tensor) || g.isDisposed)
        throw new PaperkitInputError(`grads.${n}`, g, 'a live tensor (not disposed)');
      if (!tf.util.arraysEqual(v.shape, g.shape))
        throw new PaperkitInputError(`grads.${n}`, g, `a tensor of shape [${v.shape}]`);
    }
    this.checkParams(vars, names);
    const t = this.t + 1;
    const lr = this.schedule(this.t);
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0)
      throw new PaperkitInputError('lr', lr, `a finite number >= 0 at step ${this.t}`);
    const ctx: StepContext = { t, lr, names, params: vars };
    const tr = this.transform;
    const root = this.root;
    if (tr.fusedStep?.(vars, grads, root, ctx)) {
      for (const n of names) if (!this.shapes.has(n)) this.shapes.set(n, [...vars[n]!.shape]);
      this.t = t;
      return;
    }
    if (tr.beforeStep) tf.tidy(() => tr.beforeStep!(vars, root, ctx));
    tf.tidy(() => {
      const out = tr.update(toUpdates(grads), root, ctx);
      for (const [n, u] of Object.entries(out)) {
        const p = vars[n];
        if (p === undefined)
          throw new PaperkitInputError(
            `transform "${tr.kind}"`,
            n,
            'updates only for parameters passed to step()',
          );
        const f = tr.paramScale ? tr.paramScale(n, root, ctx) : 1;
        p.assign(tf.sub(f === 1 ? p : tf.mul(p, f), materialize(u)));
        if (!this.shapes.has(n)) this.shapes.set(n, [...p.shape]);
      }
    });
    if (tr.afterStep) tf.tidy(() => tr.afterStep!(vars, root, ctx));
    if (this.completesStep()) this.t = t;
  }

  /**
   * Computes the loss and gradients of `loss` with respect to the parameters, takes a step, and
   * returns the loss (the caller disposes it). No host sync.
   */
  minimize(loss: () => tf.Scalar, params: ParamsLike): tf.Scalar {
    this.assertUsable();
    const vars = toVariableRecord(params);
    const { value, grads } = valueAndGrads(loss, vars);
    try {
      this.step(vars, grads);
    } catch (err) {
      value.dispose();
      throw err;
    } finally {
      tf.dispose(Object.values(grads));
    }
    return value;
  }

  /**
   * Whether the step just taken counts as a completed step (advances `iterations` and the learning
   * rate). Always true, except for multi-pass optimizers such as SAM, whose `step` alternates halves.
   */
  protected completesStep(): boolean {
    return true;
  }

  /**
   * Everything needed to resume, as plain data (`JSON.stringify` writes it as is): the step count,
   * the parameter shapes, every slot, counter and host datum of every transform. Synchronous (one
   * host read per slot).
   */
  getState(): OptimizerState {
    this.assertUsable();
    const params: Record<string, number[]> = {};
    for (const [n, s] of this.shapes) params[n] = [...s];
    return {
      format: OPTIMIZER_STATE_FORMAT,
      optimizer: this.name,
      t: this.t,
      params,
      transform: this.root!.save(),
    };
  }

  /**
   * Replaces the state with a saved one. Rejected, with a {@link PaperkitInputError} naming the field
   * and nothing changed: another optimizer or chain, missing or extra parameter names, wrong shapes,
   * non-finite values, negative or non-integer steps. With `params`, names and shapes are checked
   * against them now (the same names with the same shapes); without, at the next step (every saved
   * parameter must be passed with its shape, and gradients may only come for saved parameters).
   */
  setState(state: OptimizerState, params?: ParamsLike): void {
    this.prepareState(state, params)();
  }

  /**
   * Validates a state exactly as {@link Optimizer.setState} does, without applying it (for owners of
   * several optimizers that restore all of them or none).
   */
  checkState(state: OptimizerState, params?: ParamsLike): void {
    this.prepareState(state, params);
  }

  private prepareState(state: OptimizerState, params: ParamsLike | undefined): () => void {
    this.assertUsable();
    const { t, shapes, transform } = parseOptimizerState(state, this.name);
    if (params !== undefined && shapes.size > 0)
      checkNames(shapes, toVariableRecord(params), 'state.params', 'params');
    const commit = this.root!.prepare(transform, 'state.transform', { shapes });
    return () => {
      commit();
      this.t = t;
      this.shapes = shapes;
      this.pendingCheck = params === undefined;
    };
  }

  /** The state of `transform` inside this optimizer (for diagnostics and wrappers), if it has one. */
  stateOf(transform: AnyTransform): TransformState | undefined {
    return this.findState(transform);
  }

  /** Frees every state tensor. The optimizer can step again afterwards, from fresh state. */
  dispose(): void {
    if (!this.root) return;
    this.root.dispose();
    this.root = this.transform.init!();
  }

  private findState(transform: AnyTransform): TransformState | undefined {
    const visit = (s: TransformState): TransformState | undefined => {
      if (s.owner === transform) return s;
      for (const c of s.children().values()) {
        const f = visit(c);
        if (f) return f;
      }
      return undefined;
    };
    return this.root ? visit(this.root) : undefined;
  }

  private assertUsable(): void {
    if (this.wrappedBy !== undefined)
      throw new PaperkitInputError(
        'optimizer',
        this.name,
        `an optimizer that was not wrapped (its state now lives in "${this.wrappedBy}"; step that one)`,
      );
  }

  /** Parameter names and shapes against the recorded ones (after a restore, see `setState`). */
  private checkParams(vars: Readonly<Record<string, tf.Variable>>, names: readonly string[]): void {
    if (this.pendingCheck) {
      // The first step after a restore: every saved parameter must exist with its shape, and every
      // gradient must belong to a saved parameter (else the state was saved under other names and
      // its moments would silently restart). Parameters this optimizer never stepped may be present.
      if (this.shapes.size > 0) {
        checkNames(this.shapes, vars, 'state.params', 'params', false);
        for (const n of names)
          if (!this.shapes.has(n))
            throw new PaperkitInputError(
              `grads.${n}`,
              n,
              `a gradient for a parameter of the restored state (${[...this.shapes.keys()].join(', ')}): the state was saved under other parameter names`,
            );
      }
      this.pendingCheck = false;
    }
    for (const n of names) {
      const shape = this.shapes.get(n);
      if (shape !== undefined && !tf.util.arraysEqual(shape as number[], vars[n]!.shape))
        throw new PaperkitInputError(
          `params.${n}`,
          vars[n],
          `a tensor of shape [${shape}] (the shape this optimizer's state was built for)`,
        );
    }
  }
}

/**
 * Wraps `optimizer` with the one wrapping pattern (see {@link WrapSpec}): `around` receives its
 * transform and returns the new one. Use it to attach hooks to an existing optimizer, e.g.
 * `wrapOptimizer(sgd, (t) => chain(t, afterStep('project', clampWeights)))`; the wrapped optimizer's
 * state moves into the new one.
 */
export function wrapOptimizer(
  optimizer: Optimizer,
  around: (inner: AnyTransform) => AnyTransform,
  name = `Wrapped${optimizer instanceof Optimizer ? optimizer.name : ''}`,
): Optimizer {
  return new Optimizer({ name, wraps: optimizer, transform: around });
}
