import {
  Adam,
  AdamW,
  type BaseOptimizerConfig,
  Optimizer,
  type OptimizerHooks,
  PaperkitInputError,
  type ParamsLike,
  SGD,
  type StepContext,
  toVariableRecord,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { Rotation } from './rotation.js';

/** Options of {@link rotated}. */
export interface RotatedOptions {
  /**
   * Keep the last step's update direction in the original basis, u/lr before weight decay (the
   * paper's A = Rᵀ(m̂ ⊘ (√v̂ + ε)) for Adam, §4.2), for {@link RotatedOptimizerApi.lastDirection}.
   * Costs one tensor per parameter. Default false.
   */
  readonly trackDirection?: boolean;
}

/** What {@link rotated} adds to the optimizer it builds. */
export interface RotatedOptimizerApi {
  /** The rotation the optimizer runs in. */
  readonly rotation: Rotation;
  /** The last step's direction u/lr in the original basis (copies; the caller disposes), or null before a step or without `trackDirection`. */
  lastDirection(): Record<string, tf.Tensor> | null;
  /** The second moments v of an Adam-family optimizer in rotated coordinates, flat in parameter order (one host read). */
  secondMoments(): Promise<Float32Array>;
}

/** An optimizer class of tensor-core (Adam, AdamW, SGD, Momentum) or any subclass of its `Optimizer`. */
export type OptimizerClass<C extends BaseOptimizerConfig, O extends Optimizer> = new (config: C) => O;

/** Slot names of tensor-core's optimizers that are linear in the gradient (re-projected exactly). */
const LINEAR_SLOTS = ['m', 'momentum'];
/** Slot names holding squared gradients (re-projected with squared basis changes). */
const SQUARED_SLOTS = ['v', 'vMax'];

interface Internals {
  hasSlot(name: string, slot: string): boolean;
  slot(name: string, slot: string, like: tf.Tensor): tf.Variable;
  computeUpdate(name: string, grad: tf.Tensor, param: tf.Variable, ctx: StepContext): tf.Tensor;
  extraState(): unknown;
  setExtraState(extra: unknown): void;
}

/**
 * Runs an optimizer in the rotated basis of `rotation` (paper Alg. 4): each step the gradient is
 * rotated, g̃ = R g, the optimizer's own rule runs on g̃ with its state (m, v, momentum) in rotated
 * coordinates, the update is rotated back, Rᵀũ, and decoupled weight decay and p ← p − u happen in
 * the original basis, so the weights never leave it. Equivalent to running the optimizer on
 * f(Rᵀw̃) from w̃ = Rθ. Clipping (rotation-invariant) and the user's `gradients`/`updates`/`afterStep`
 * hooks see the original basis. Coupled L2 decay (Adam's or SGD's `weightDecay`) is applied to
 * the rotated parameters R·θ, i.e. to the gradient R(g + λθ) as it would be in the original basis.
 *
 * Two forms: `rotated(optimizer, rotation)` builds the rotated twin of a fresh optimizer (same
 * class and `config`; the given one is left untouched and must not have stepped, since its state
 * would be in the original basis), and `rotated(Class, config, rotation)` builds it from a class.
 * Works for any tensor-core optimizer built from one config object (Adam, AdamW, SGD, Momentum,
 * and subclasses such as critical-momenta's AdamCM).
 *
 * A rotated parameter without a gradient in a step gets a zero gradient (it still moves when its
 * rotated coordinates mix with others'); a gradient for a parameter outside the rotation is an error.
 *
 * With scope `none` the rotation is skipped entirely (bit-identical to the plain optimizer); with
 * R = I, or a signed permutation, the rotated path is exact too. `dispose()` also frees the
 * rotation's tensors.
 *
 * @example
 * const rot = createRotation(params, { scope: 'global', blockSize: 64, rng: Rng.fromSeed(1) });
 * const opt = rotated(new AdamW({ lr: 1e-3, weightDecay: 0.1 }), rot);
 * opt.minimize(() => loss(params), params).dispose();
 */
export function rotated<O extends Optimizer>(
  optimizer: O,
  rotation: Rotation,
  options?: RotatedOptions,
): O & RotatedOptimizerApi;
export function rotated<C extends BaseOptimizerConfig, O extends Optimizer>(
  Base: OptimizerClass<C, O>,
  config: C,
  rotation: Rotation,
  options?: RotatedOptions,
): O & RotatedOptimizerApi;
export function rotated<C extends BaseOptimizerConfig, O extends Optimizer>(
  first: OptimizerClass<C, O> | O,
  second: C | Rotation,
  third?: Rotation | RotatedOptions,
  fourth?: RotatedOptions,
): O & RotatedOptimizerApi {
  if (first instanceof Optimizer) {
    if (first.iterations > 0)
      throw new PaperkitInputError(
        'optimizer',
        first.name,
        `an optimizer that has not stepped yet (this one took ${first.iterations} steps; its state is in the original basis)`,
      );
    return rotatedFromClass(
      first.constructor as OptimizerClass<C, O>,
      first.config as C,
      second as Rotation,
      (third as RotatedOptions | undefined) ?? {},
    );
  }
  return rotatedFromClass(first, second as C, third as Rotation, fourth ?? {});
}

/** Classes built by {@link rotated}: their constructor ignores its argument, so they cannot be rotated again. */
const ROTATED_CLASSES = new WeakSet<object>();

function rotatedFromClass<C extends BaseOptimizerConfig, O extends Optimizer>(
  Base: OptimizerClass<C, O>,
  config: C,
  rotation: Rotation,
  options: RotatedOptions,
): O & RotatedOptimizerApi {
  if (typeof Base !== 'function' || !(Base.prototype instanceof Optimizer))
    throw new PaperkitInputError(
      'optimizer',
      Base,
      'a tensor-core optimizer (e.g. new AdamW({ lr })) or optimizer class (e.g. AdamW)',
    );
  if (ROTATED_CLASSES.has(Base))
    throw new PaperkitInputError(
      'optimizer',
      Base.name,
      'an optimizer that is not rotated already (rotate once, with the composed rotation)',
    );
  if (rotation === null || typeof rotation !== 'object' || typeof rotation.rotate !== 'function')
    throw new PaperkitInputError('rotation', rotation, 'a Rotation from createRotation()');
  if (config === null || typeof config !== 'object')
    throw new PaperkitInputError('config', config, 'an object');
  const track = options.trackDirection ?? false;
  const box: { self?: RotatedImpl } = {};
  const user: OptimizerHooks = config.hooks ?? {};
  const hooks: OptimizerHooks = {
    ...user,
    gradients: (g, ctx) => {
      const out = user.gradients ? user.gradients(g, ctx) : g;
      return box.self!.rotateGradients(out, ctx);
    },
    updates: (u, ctx) => {
      const back = box.self!.unrotateUpdates(u, ctx);
      return user.updates ? user.updates(back, ctx) : back;
    },
  };
  const Parent = Base as unknown as new (config: C) => Optimizer;

  class RotatedImpl extends Parent implements RotatedOptimizerApi {
    // Field initializers run after the base constructor set the base class's name.
    private readonly baseName: string = (this as Optimizer).name;
    override readonly name: string = `Rotated${this.baseName}`;
    // The caller's config (the parent got one with the rotation hooks wrapped in).
    override readonly config: Readonly<object> = config;
    readonly rotation: Rotation = rotation;
    private vars: Record<string, tf.Variable> | null = null;
    private rotatedParams: Record<string, tf.Tensor> | null = null;
    private direction: Record<string, tf.Tensor> | null = null;
    private readonly needsParams: boolean;

    constructor() {
      super({ ...config, hooks });
      // Adam/SGD read the parameter only for coupled L2 decay; an unknown rule may read it for anything,
      // so it gets the parameter in its own (rotated) basis.
      const self = this as unknown as Optimizer;
      const coupled =
        (self instanceof Adam && !(self instanceof AdamW) && self.weightDecay !== 0) ||
        (self instanceof SGD && self.weightDecay !== 0);
      const known = self instanceof Adam || self instanceof SGD;
      this.needsParams = !rotation.isIdentity && (coupled || !known);
    }

    override step(params: ParamsLike, grads: Record<string, tf.Tensor>): void {
      const vars = toVariableRecord(params);
      let full = grads;
      const zeros: tf.Tensor[] = [];
      if (!rotation.isIdentity) {
        const bound = new Set(rotation.params.map((p) => p.name));
        for (const n of Object.keys(grads))
          if (!bound.has(n))
            throw new PaperkitInputError(
              `grads.${n}`,
              n,
              `a parameter the rotation was built for (${[...bound].join(', ')})`,
            );
        // A parameter the loss ignores has gradient 0 in the original basis, but its rotated
        // coordinates mix with others, so it still gets an update (as on f(Rᵀw̃)).
        full = { ...grads };
        for (const p of rotation.params)
          if (!(p.name in grads)) {
            const z = tf.zeros(p.shape as number[]);
            zeros.push(z);
            full[p.name] = z;
          }
      }
      this.vars = vars;
      try {
        super.step(params, full);
      } finally {
        tf.dispose(zeros);
        this.vars = null;
        this.rotatedParams = null;
      }
    }

    /** Hook: optional basis refresh (svd), then g̃ = R g. Runs inside the step's tidy. */
    rotateGradients(g: Record<string, tf.Tensor>, ctx: StepContext): Record<string, tf.Tensor> {
      if (rotation.isIdentity) return g;
      const change = rotation.refresh(g, ctx.t);
      if (change !== null) this.reproject(change.linear, change.squared);
      if (this.needsParams) this.rotatedParams = rotation.rotate(this.vars!);
      return rotation.rotate(g);
    }

    /** Hook: u = Rᵀ ũ, and the optional direction record. */
    unrotateUpdates(u: Record<string, tf.Tensor>, ctx: StepContext): Record<string, tf.Tensor> {
      const back = rotation.isIdentity ? u : rotation.unrotate(u);
      if (track && ctx.lr > 0) {
        const prev = this.direction;
        this.direction = Object.fromEntries(
          Object.entries(back).map(([k, t]) => [k, tf.keep(tf.div(t, ctx.lr))]),
        );
        if (prev) tf.dispose(Object.values(prev));
      }
      return back;
    }

    protected override computeUpdate(
      name: string,
      grad: tf.Tensor,
      param: tf.Variable,
      ctx: StepContext,
    ): tf.Tensor {
      const p = (this.rotatedParams?.[name] ?? param) as tf.Variable;
      return (Parent.prototype as unknown as Internals).computeUpdate.call(this, name, grad, p, ctx);
    }

    private reproject(
      linear: (n: string, s: tf.Tensor) => tf.Tensor,
      squared: (n: string, s: tf.Tensor) => tf.Tensor,
    ): void {
      const me = this as unknown as Internals;
      for (const p of rotation.params)
        for (const [names, f] of [
          [LINEAR_SLOTS, linear],
          [SQUARED_SLOTS, squared],
        ] as const)
          for (const s of names)
            if (me.hasSlot(p.name, s)) {
              const v = me.slot(p.name, s, this.vars![p.name]!);
              const next = f(p.name, v);
              // Unrotated parameters come back as the slot itself; assigning a variable to itself frees its data.
              if (next !== v) v.assign(next);
            }
    }

    lastDirection(): Record<string, tf.Tensor> | null {
      const d = this.direction;
      return d ? Object.fromEntries(Object.entries(d).map(([k, t]) => [k, tf.clone(t)])) : null;
    }

    async secondMoments(): Promise<Float32Array> {
      const me = this as unknown as Internals;
      const missing = rotation.params.find((p) => !me.hasSlot(p.name, 'v'));
      if (missing)
        throw new PaperkitInputError(
          'optimizer',
          this.name,
          `an Adam-family optimizer that has taken a step (no second moment for ${missing.name})`,
        );
      const flat = tf.tidy(() =>
        tf.concat(
          rotation.params.map((p) => tf.reshape(me.slot(p.name, 'v', tf.zeros(p.shape as number[])), [-1])),
        ),
      );
      try {
        return (await flat.data()) as Float32Array;
      } finally {
        flat.dispose();
      }
    }

    protected override extraState(): unknown {
      const base = (Parent.prototype as unknown as Internals).extraState.call(this);
      const rot = rotation.getState();
      if (base === undefined && rot === undefined) return undefined;
      return { base, rotation: rot };
    }

    protected override setExtraState(extra: unknown): void {
      const e = (extra ?? {}) as { base?: unknown; rotation?: unknown };
      (Parent.prototype as unknown as Internals).setExtraState.call(this, e.base);
      if (e.rotation !== undefined) rotation.setState(e.rotation);
    }

    override dispose(): void {
      super.dispose();
      if (this.direction) tf.dispose(Object.values(this.direction));
      this.direction = null;
      rotation.dispose();
    }
  }

  ROTATED_CLASSES.add(RotatedImpl);
  const opt = new RotatedImpl();
  box.self = opt;
  return opt as unknown as O & RotatedOptimizerApi;
}
