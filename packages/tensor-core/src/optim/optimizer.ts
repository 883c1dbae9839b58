import * as tf from '@tensorflow/tfjs-core';
import { ParamMap } from '../params/param-map.js';
import { checkNonNegative, PaperkitInputError } from '../validate/errors.js';
import { clipByGlobalNorm } from './clip.js';
import { type LearningRate, type Schedule, toSchedule } from './schedules.js';

/** What a hook sees about the step in progress. */
export interface StepContext {
  /** 1-based index of the step being taken (Adam's bias-correction t). */
  readonly t: number;
  /** Learning rate of this step, from the schedule. */
  readonly lr: number;
  /** Names of the parameters being updated, in order. */
  readonly names: readonly string[];
}

/**
 * The documented extension point through which paper packages wrap an optimizer without copying it.
 * Each step runs: clip → `gradients` → the optimizer's own update rule → `updates` → decoupled weight
 * decay → `p ← p − u` → `afterStep`. Hooks run inside the step's `tf.tidy`; tensors they return are
 * cleaned up by it, so they must not dispose their inputs.
 */
export interface OptimizerHooks {
  /** Transforms gradients before the update rule sees them (e.g. rotate into another basis). */
  readonly gradients?: (grads: Record<string, tf.Tensor>, ctx: StepContext) => Record<string, tf.Tensor>;
  /** Transforms the full update `u` (already scaled by the learning rate) that is subtracted from each parameter. */
  readonly updates?: (updates: Record<string, tf.Tensor>, ctx: StepContext) => Record<string, tf.Tensor>;
  /** Runs after parameters were written (e.g. a proximal operator). */
  readonly afterStep?: (params: Record<string, tf.Variable>, ctx: StepContext) => void;
}

/** Settings every optimizer shares. */
export interface BaseOptimizerConfig {
  /** Learning rate or schedule (0-based step index → rate). */
  readonly lr: LearningRate;
  /** Clip gradients to this global L2 norm before anything else; off when absent. */
  readonly clipNorm?: number;
  /** Extension hooks, see {@link OptimizerHooks}. */
  readonly hooks?: OptimizerHooks;
}

/** A slot tensor saved in {@link OptimizerState}. */
export interface SavedTensor {
  /** Shape of the tensor. */
  readonly shape: number[];
  /** Values (float32 values, exactly representable as JSON numbers). */
  readonly data: number[];
}

/** Serialized optimizer state: JSON-safe, keyed by parameter name, restores bit-identically. */
export interface OptimizerState {
  /** Optimizer class name, checked on restore. */
  readonly optimizer: string;
  /** Steps taken. */
  readonly t: number;
  /** Per-parameter slots: name → slot name → tensor. */
  readonly slots: Record<string, Record<string, SavedTensor>>;
  /** Extra JSON state of subclasses. */
  readonly extra?: unknown;
}

/** Anything with named variables: a {@link ParamMap} or a plain record. */
export type ParamsLike = ParamMap | Record<string, tf.Variable>;

/** Resolves a {@link ParamsLike} to a name → variable record. */
export function toVariableRecord(params: ParamsLike): Record<string, tf.Variable> {
  return params instanceof ParamMap ? params.tensors() : params;
}

/**
 * Base of every paperkit optimizer. State lives in per-parameter slots keyed by parameter *name* (tfjs's
 * own Adam keys by position, which silently mixes moments when the variable list changes). Subclasses
 * implement {@link Optimizer.computeUpdate}; everything else (schedules, clipping, hooks, decay,
 * serialization, leak-free stepping) is shared.
 */
export abstract class Optimizer {
  /** Class name used in saved state. */
  abstract readonly name: string;
  /**
   * The configuration this optimizer was built from: `new (opt.constructor)(opt.config)` builds a
   * fresh optimizer of the same kind (wrappers such as adam-rotation's `rotated` rely on it). A
   * subclass that hands its parent a transformed config stores its caller's here instead.
   */
  readonly config: Readonly<object>;
  /** Steps taken so far. */
  protected t = 0;
  /** The learning-rate schedule. */
  protected readonly schedule: Schedule;
  /** Hooks in force. */
  protected readonly hooks: OptimizerHooks;
  private readonly clipNorm: number | undefined;
  private readonly slots = new Map<string, Map<string, tf.Variable>>();

  constructor(config: BaseOptimizerConfig) {
    if (config === null || typeof config !== 'object')
      throw new PaperkitInputError('config', config, 'an object');
    this.config = config;
    this.schedule = toSchedule(config.lr);
    this.hooks = config.hooks ?? {};
    if (config.clipNorm !== undefined) {
      checkNonNegative('clipNorm', config.clipNorm);
      if (config.clipNorm === 0)
        throw new PaperkitInputError('clipNorm', 0, 'a finite number > 0 (omit it to disable clipping)');
    }
    this.clipNorm = config.clipNorm;
  }

  /** Steps taken so far. */
  get iterations(): number {
    return this.t;
  }

  /** Learning rate the next step will use. */
  currentLr(): number {
    return this.schedule(this.t);
  }

  /**
   * One step with gradients keyed like the parameters. Parameters without a gradient are left alone
   * (their slots untouched). The caller keeps ownership of `grads`.
   */
  step(params: ParamsLike, grads: Record<string, tf.Tensor>): void {
    const vars = toVariableRecord(params);
    const names = Object.keys(grads);
    for (const n of names) {
      const v = vars[n];
      if (!v)
        throw new PaperkitInputError(
          `grads.${n}`,
          n,
          `a gradient for a known parameter (${Object.keys(vars).join(', ')})`,
        );
      if (!tf.util.arraysEqual(v.shape, grads[n]!.shape))
        throw new PaperkitInputError(`grads.${n}`, grads[n], `a tensor of shape [${v.shape}]`);
    }
    const t = this.t + 1;
    const lr = this.schedule(this.t);
    if (!Number.isFinite(lr) || lr < 0)
      throw new PaperkitInputError('lr', lr, `a finite number >= 0 at step ${this.t}`);
    const ctx: StepContext = { t, lr, names };
    tf.tidy(() => {
      let g = grads;
      if (this.clipNorm !== undefined) g = clipByGlobalNorm(g, this.clipNorm).grads;
      if (this.hooks.gradients) g = this.hooks.gradients(g, ctx);
      let u: Record<string, tf.Tensor> = {};
      for (const n of names) u[n] = this.computeUpdate(n, g[n]!, vars[n]!, ctx);
      if (this.hooks.updates) u = this.hooks.updates(u, ctx);
      for (const n of names) {
        const p = vars[n]!;
        const decayed = this.decoupledDecay(n, p, ctx);
        p.assign(tf.sub(decayed ?? p, u[n]!));
      }
    });
    this.t = t;
    if (this.hooks.afterStep) tf.tidy(() => this.hooks.afterStep!(vars, ctx));
  }

  /**
   * Computes the loss and gradients of `loss` with respect to the parameters, takes a step, and
   * returns the loss (the caller disposes it). No host sync.
   */
  minimize(loss: () => tf.Scalar, params: ParamsLike): tf.Scalar {
    const vars = toVariableRecord(params);
    const list = Object.values(vars);
    const { value, grads } = tf.variableGrads(loss, list);
    // variableGrads keys by the variable's global name; map back to parameter names.
    const byName: Record<string, tf.Tensor> = {};
    for (const [n, v] of Object.entries(vars)) {
      const g = grads[v.name];
      if (g) byName[n] = g;
    }
    try {
      this.step(vars, byName);
    } finally {
      tf.dispose(Object.values(grads));
    }
    return value;
  }

  /**
   * The update rule: returns `u` (already multiplied by the learning rate) so that `p ← p − u`.
   * Called inside a tidy; read and write state through {@link Optimizer.slot}.
   */
  protected abstract computeUpdate(
    name: string,
    grad: tf.Tensor,
    param: tf.Variable,
    ctx: StepContext,
  ): tf.Tensor;

  /** Decoupled decay `p·(1 − lr·wd)` (AdamW); `undefined` means none. Applied before `p − u`. */
  protected decoupledDecay(_name: string, _param: tf.Variable, _ctx: StepContext): tf.Tensor | undefined {
    return undefined;
  }

  /** A state slot of parameter `name`, created zero-filled like `like` on first use. */
  protected slot(name: string, slotName: string, like: tf.Tensor): tf.Variable {
    let m = this.slots.get(name);
    if (!m) {
      m = new Map();
      this.slots.set(name, m);
    }
    let v = m.get(slotName);
    if (!v) {
      v = tf.tidy(() => tf.variable(tf.zerosLike(like), false));
      m.set(slotName, v);
    }
    return v;
  }

  /** Whether slot `slotName` of `name` exists yet (first-step special cases, e.g. PyTorch momentum). */
  protected hasSlot(name: string, slotName: string): boolean {
    return this.slots.get(name)?.has(slotName) ?? false;
  }

  /** Subclass extra JSON state for {@link Optimizer.getState}. */
  protected extraState(): unknown {
    return undefined;
  }

  /** Restores subclass extra state. */
  protected setExtraState(_extra: unknown): void {}

  /** Serializes steps and every slot; `setState` on a fresh optimizer resumes bit-identically. */
  async getState(): Promise<OptimizerState> {
    const slots: Record<string, Record<string, SavedTensor>> = {};
    for (const [n, m] of this.slots) {
      slots[n] = {};
      for (const [s, v] of m) slots[n][s] = { shape: [...v.shape], data: Array.from(await v.data()) };
    }
    const extra = this.extraState();
    return { optimizer: this.name, t: this.t, slots, ...(extra !== undefined ? { extra } : {}) };
  }

  /** Replaces all state with a saved one (from the same optimizer class). */
  setState(state: OptimizerState): void {
    if (!state || state.optimizer !== this.name)
      throw new PaperkitInputError(
        'state.optimizer',
        state?.optimizer,
        `"${this.name}" (state saved by this optimizer class)`,
      );
    this.disposeSlots();
    this.t = state.t;
    for (const [n, m] of Object.entries(state.slots)) {
      const map = new Map<string, tf.Variable>();
      for (const [s, saved] of Object.entries(m)) {
        map.set(
          s,
          tf.tidy(() => tf.variable(tf.tensor(saved.data, saved.shape, 'float32'), false)),
        );
      }
      this.slots.set(n, map);
    }
    this.setExtraState(state.extra);
  }

  /** Frees every slot tensor. */
  dispose(): void {
    this.disposeSlots();
  }

  private disposeSlots(): void {
    for (const m of this.slots.values()) for (const v of m.values()) v.dispose();
    this.slots.clear();
  }
}
