import {
  type Adoption,
  type AnyTransform,
  checkInteger,
  checkObject,
  type GradientTransformation,
  initChild,
  type JsonValue,
  materialize,
  materializeAll,
  Optimizer,
  PaperkitInputError,
  type StepContext,
  TransformState,
  toUpdates,
  type Update,
  type Updates,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { BasisChange, Rotation } from './rotation.js';

/** Options of {@link rotated} and {@link inRotatedBasis}. */
export interface RotatedOptions {
  /**
   * Keep the last step's update direction in the original basis, u/lr before weight decay (the
   * paper's A = Rᵀ(m̂ ⊘ (√v̂ + ε)) for Adam, §4.2), for {@link RotatedOptimizer.lastDirection}.
   * Costs one tensor per parameter. Default false.
   */
  readonly trackDirection?: boolean;
  /**
   * Steps between host reads of the non-finite-gradient guard (0 turns it off). A rotation mixes every
   * coordinate of a block, so one NaN or ±Infinity gradient entry makes the whole block non-finite;
   * the guard records on the device, without a host read, the first step at which each parameter's
   * gradient held one, and every this many steps reads that record and throws a `PaperkitInputError`
   * naming the parameter and the step. Default 10.
   */
  readonly checkFiniteEvery?: number;
}

/** What a rotated optimizer adds to the optimizer interface. */
export interface RotatedOptimizerApi {
  /** The rotation the optimizer runs in. */
  readonly rotation: Rotation;
  /** The last step's direction u/lr in the original basis (copies; the caller disposes), or null before a step or without `trackDirection`. */
  lastDirection(): Record<string, tf.Tensor> | null;
  /** The second moments v of an Adam-family optimizer in rotated coordinates, flat in parameter order (one host read). */
  secondMoments(): Promise<Float32Array>;
}

/**
 * State of {@link inRotatedBasis}: the inner transform's state (moments in rotated coordinates), the
 * rotation's own state (the SVD bases of a dynamic rotation) and the tracked direction. The rotation
 * belongs to this state: disposing the state frees its device tensors.
 */
export class RotatedState extends TransformState {
  /** The last step's u/lr in the original basis (kept tensors), when tracked. */
  direction: Record<string, tf.Tensor> | null = null;
  /** Per bound parameter, the first step whose gradient held NaN/±Infinity (0: none yet). */
  firstNonFinite: tf.Variable | null = null;
  /** Steps since the guard last read {@link RotatedState.firstNonFinite}. */
  sinceCheck = 0;

  constructor(
    owner: GradientTransformation<RotatedState>,
    readonly rotation: Rotation,
  ) {
    super(owner);
  }

  protected override saveData(): JsonValue | undefined {
    return this.rotation.getState() as JsonValue | undefined;
  }

  protected override prepareData(data: unknown, field: string): () => void {
    this.rotation.checkState(data, field);
    return () => {
      if (data !== undefined) this.rotation.setState(data);
    };
  }

  override dispose(): void {
    super.dispose();
    if (this.direction) tf.dispose(Object.values(this.direction));
    this.direction = null;
    this.firstNonFinite?.dispose();
    this.firstNonFinite = null;
    this.rotation.dispose();
  }
}

/** Checks that `rotation` is a {@link Rotation}. */
function checkRotation(rotation: unknown): Rotation {
  if (
    rotation === null ||
    typeof rotation !== 'object' ||
    typeof (rotation as Rotation).rotate !== 'function' ||
    typeof (rotation as Rotation).unrotate !== 'function'
  )
    throw new PaperkitInputError('rotation', rotation, 'a Rotation from createRotation()');
  return rotation as Rotation;
}

/** Every state below `s` (itself included), depth first. */
function states(s: TransformState): TransformState[] {
  return [s, ...[...s.children().values()].flatMap(states)];
}

/** Maps every basis-dependent slot of the inner states into the rotation's new basis (SOAP-style). */
function reproject(inner: TransformState, rotation: Rotation, change: BasisChange): void {
  const bound = new Set(rotation.params.map((p) => p.name));
  for (const s of states(inner))
    for (const [param, name, v] of s.slots()) {
      if (!bound.has(param)) continue;
      const kind = s.slotBasis(name);
      if (kind === undefined) continue;
      const next = kind === 'linear' ? change.linear(param, v) : change.squared(param, v);
      // Unrotated parameters come back as the slot itself; assigning a variable to itself frees its data.
      if (next !== v) v.assign(next);
    }
}

/**
 * Runs `inner` in the rotated basis of `rotation` (paper Alg. 4) as a transform: each step the
 * gradient is rotated, g̃ = R g, the inner transform runs on g̃ with its state (m, v, momentum) in
 * rotated coordinates and sees the parameters rotated too (coupled L2 decay acts on R·θ), and its
 * update is rotated back, Rᵀũ. The parameter-space phases of `inner` (decoupled weight decay, a
 * proximal step) see the original basis, so the weights never leave it. Equivalent to running `inner`
 * on f(Rᵀw̃) from w̃ = Rθ. Clipping inside `inner` acts on the rotated gradient, whose global norm is
 * the same.
 *
 * A rotated parameter without a gradient in a step gets a zero gradient (it still moves when its
 * rotated coordinates mix with others'); a gradient for a parameter outside the rotation is an error.
 * With scope `none` the rotation is skipped entirely; with R = I, or a signed permutation, the rotated
 * path is exact too. A dynamic rotation (`svd`) recomputes its basis from the step's gradient and, with
 * `reprojectMoments`, maps every `linear` and `squared` slot of the inner state into the new basis.
 */
export function inRotatedBasis(
  rotation: Rotation,
  inner: AnyTransform,
  options: RotatedOptions = {},
): GradientTransformation<RotatedState> {
  const rot = checkRotation(rotation);
  checkObject('options', options, 'an object { trackDirection?, checkFiniteEvery? }');
  for (const k of Object.keys(options))
    if (k !== 'trackDirection' && k !== 'checkFiniteEvery')
      throw new PaperkitInputError(`options.${k}`, k, 'a known option (trackDirection, checkFiniteEvery)');
  const track = options.trackDirection ?? false;
  const every = checkInteger('checkFiniteEvery', options.checkFiniteEvery ?? 10, 0);
  const bound = new Set(rot.params.map((p) => p.name));
  const names = rot.params.map((p) => p.name);
  const innerOf = (s: RotatedState) => (inner.init ? s.child('inner') : undefined);

  const record = (s: RotatedState, back: Updates, lr: number) => {
    if (!track || lr <= 0) return;
    const prev = s.direction;
    s.direction = Object.fromEntries(
      Object.entries(back).map(([k, u]) => [k, tf.keep(tf.div(materialize(u), lr))]),
    );
    if (prev) tf.dispose(Object.values(prev));
  };

  // 0·g is 0 for finite g and NaN for NaN/±Infinity: one reduction per parameter, kept on the device.
  const guard = (s: RotatedState, u: Updates, t: number) => {
    if (every === 0) return;
    s.firstNonFinite ??= tf.variable(tf.zeros([names.length]), false);
    const first = s.firstNonFinite;
    const probe = tf.stack(names.map((n) => (u[n] ? tf.sum(tf.mul(u[n].value, 0)) : tf.scalar(0))));
    const fresh = tf.logicalAnd(tf.logicalNot(tf.equal(probe, probe)), tf.equal(first, 0));
    first.assign(tf.where(fresh, tf.fill([names.length], t), first));
    if (++s.sinceCheck < every) return;
    s.sinceCheck = 0;
    const steps = first.dataSync();
    const i = steps.findIndex((x) => x > 0);
    if (i >= 0)
      throw new PaperkitInputError(
        `grads.${names[i]}`,
        `a gradient holding NaN or ±Infinity at step ${steps[i]} (read at step ${t})`,
        'finite values: a rotation mixes every coordinate of a block, so one non-finite entry makes the whole block non-finite; lower the learning rate or find where the NaN comes from (checkFiniteEvery sets how often this is read)',
      );
  };

  const self: GradientTransformation<RotatedState> = {
    kind: 'inRotatedBasis',
    options: { scope: rot.scope, dim: rot.dim, params: names },
    init(adopt?: Adoption) {
      const s = new RotatedState(self, rot);
      const c = initChild(inner, adopt);
      if (c) s.setChild('inner', c);
      return s;
    },
    update(u: Updates, s: RotatedState, ctx: StepContext): Updates {
      guard(s, u, ctx.t);
      if (rot.isIdentity) {
        const out = inner.update(u, innerOf(s), ctx);
        record(s, out, ctx.lr);
        return out;
      }
      for (const n of Object.keys(u))
        if (!bound.has(n))
          throw new PaperkitInputError(
            `grads.${n}`,
            n,
            `a parameter the rotation was built for (${names.join(', ')})`,
          );
      const grads = materializeAll(u);
      // A parameter the loss ignores has gradient 0 in the original basis, but its rotated
      // coordinates mix with others', so it still gets an update (as on f(Rᵀw̃)).
      for (const p of rot.params) grads[p.name] ??= tf.zeros(p.shape as number[]);
      const change = rot.refresh(grads, ctx.t);
      const innerState = innerOf(s);
      if (change !== null && innerState) reproject(innerState, rot, change);
      let rotatedParams: Record<string, tf.Tensor> | undefined;
      const innerCtx: StepContext = {
        t: ctx.t,
        lr: ctx.lr,
        names,
        // Rotated only when a transform reads them (coupled weight decay, custom rules).
        get params() {
          rotatedParams ??= rot.rotate(ctx.params);
          return rotatedParams;
        },
      };
      const out = inner.update(toUpdates(rot.rotate(grads)), innerState, innerCtx);
      const list = Object.values(out);
      const f0 = list[0];
      // Rᵀ is linear: a factor shared by every update stays pending (one multiplication later).
      const shared = f0 !== undefined && list.every((x) => x.num === f0.num && x.den === f0.den);
      const values = shared
        ? Object.fromEntries(Object.entries(out).map(([k, x]) => [k, x.value]))
        : materializeAll(out);
      const back = rot.unrotate(values);
      const result: Record<string, Update> = {};
      for (const [k, v] of Object.entries(back))
        result[k] = shared ? { value: v, num: f0!.num, den: f0!.den } : { value: v, num: 1, den: 1 };
      record(s, result, ctx.lr);
      return result;
    },
  };
  // The parameter-space phases stay in the original basis; defined only when the inner has them (the
  // optimizer skips a phase, and its tidy scope, that no transform uses).
  if (inner.beforeStep) self.beforeStep = (params, s, ctx) => inner.beforeStep!(params, innerOf(s), ctx);
  if (inner.paramScale) self.paramScale = (n, s, ctx) => inner.paramScale!(n, innerOf(s), ctx);
  if (inner.afterStep) self.afterStep = (params, s, ctx) => inner.afterStep!(params, innerOf(s), ctx);
  return self;
}

/**
 * An optimizer run in the rotated basis of `rotation` (paper Alg. 4): the wrapped optimizer's whole
 * step (its chain, e.g. AdamW's moments and learning rate) runs through {@link inRotatedBasis}, and
 * its decoupled weight decay stays in the original basis. Built with the one wrapping pattern, so it
 * is an `Optimizer` like any other (state, `toTfjsOptimizer`, further wrappers); the wrapped optimizer
 * must not have stepped (its state would be in the original basis) and is spent afterwards.
 */
export class RotatedOptimizer extends Optimizer implements RotatedOptimizerApi {
  /** The rotation the optimizer runs in. */
  readonly rotation: Rotation;
  private readonly basis: GradientTransformation<RotatedState>;

  constructor(optimizer: Optimizer, rotation: Rotation, options: RotatedOptions = {}) {
    const rot = checkRotation(rotation);
    let made: GradientTransformation<RotatedState> | undefined;
    super({
      name: `Rotated${optimizer instanceof Optimizer ? optimizer.name : ''}`,
      wraps: optimizer,
      freshBecause: 'its state is in the original basis',
      transform: (inner) => {
        made = inRotatedBasis(rot, inner, options);
        return made;
      },
    });
    this.rotation = rot;
    this.basis = made!;
  }

  private state(): RotatedState {
    return this.stateOf(this.basis) as RotatedState;
  }

  lastDirection(): Record<string, tf.Tensor> | null {
    const d = this.state().direction;
    return d ? Object.fromEntries(Object.entries(d).map(([k, t]) => [k, tf.clone(t)])) : null;
  }

  async secondMoments(): Promise<Float32Array> {
    const holder = states(this.state()).find((s) =>
      this.rotation.params.every((p) => s.hasSlot(p.name, 'v')),
    );
    if (!holder) {
      const missing = this.rotation.params[0]!.name;
      throw new PaperkitInputError(
        'optimizer',
        this.name,
        `an Adam-family optimizer that has taken a step (no second moment for ${missing})`,
      );
    }
    const flat = tf.tidy(() =>
      tf.concat(this.rotation.params.map((p) => tf.reshape(holder.peekSlot(p.name, 'v')!, [-1]))),
    );
    try {
      return (await flat.data()) as Float32Array;
    } finally {
      flat.dispose();
    }
  }
}

/**
 * Runs `optimizer` in the rotated basis of `rotation` (see {@link RotatedOptimizer}).
 *
 * @example
 * const rot = createRotation(params, { scope: 'global', blockSize: 64, rng: Rng.fromSeed(1) });
 * const opt = rotated(new AdamW({ lr: 1e-3, weightDecay: 0.1 }), rot);
 * opt.minimize(() => loss(params), params).dispose();
 */
export function rotated(
  optimizer: Optimizer,
  rotation: Rotation,
  options: RotatedOptions = {},
): RotatedOptimizer {
  return new RotatedOptimizer(optimizer, rotation, options);
}
