import {
  type Adoption,
  type AnyTransform,
  checkObject,
  checkPositive,
  type GradientTransformation,
  initChild,
  type JsonValue,
  materializeAll,
  Optimizer,
  PaperkitInputError,
  type ParamsLike,
  type StepContext,
  TransformState,
  toVariableRecord,
  type Update,
  type Updates,
  valueAndGrads,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';

/** Options of {@link SAM}. */
export interface SamConfig {
  /** Neighbourhood radius ρ > 0; default 0.05 (the CM paper's grid is {0.01, 0.05, 0.1}, unverified). */
  readonly rho?: number;
}

/**
 * State of {@link sharpnessAware}: the phase (counter `phase`: 0 = the next step is the ascent,
 * 1 = the descent), the weights θ saved before the ascent (slot `theta`), the names perturbed, and
 * the inner transform's state.
 */
export class SamState extends TransformState {
  /** Parameters moved by the last ascent. */
  perturbed: string[] = [];

  protected override saveData(): JsonValue {
    return this.perturbed;
  }

  protected override prepareData(data: unknown, field: string): () => void {
    if (!Array.isArray(data) || data.some((n) => typeof n !== 'string'))
      throw new PaperkitInputError(field, data, 'the names of the parameters the last ascent moved');
    return () => {
      this.perturbed = [...data];
    };
  }

  /** Puts θ back exactly (subtracting ε again would leave float32 rounding behind). */
  restore(params: Readonly<Record<string, tf.Variable>>): void {
    for (const n of this.perturbed) {
      const theta = this.peekSlot(n, 'theta');
      if (theta && params[n]) params[n].assign(theta);
    }
  }
}

/**
 * Sharpness-aware minimisation (Foret et al., ICLR 2021) as a transform around `inner`, in the
 * alternating form of optax's `contrib.sam`: an ascent step moves θ to θ + ρ·g/‖g‖ (the worst point
 * of a ρ-ball to first order, ‖g‖ over all parameters) and saves θ; the next step restores θ exactly
 * and takes `inner`'s step with the gradient it was given (taken at the perturbed point). `inner`
 * counts only descent steps. See {@link SAM}.
 */
export function sharpnessAware(inner: AnyTransform, rho: number): GradientTransformation<SamState> {
  const r = checkPositive('rho', rho);
  const innerOf = (s: SamState) => (inner.init ? s.child('inner') : undefined);
  const descent = (s: SamState) => s.counter('phase') === 1;
  const self: GradientTransformation<SamState> = {
    kind: 'sharpnessAware',
    options: { rho: r },
    init(adopt?: Adoption) {
      const s = new SamState(self);
      const c = initChild(inner, adopt);
      if (c) s.setChild('inner', c);
      return s;
    },
    beforeStep(params: Readonly<Record<string, tf.Variable>>, s: SamState, ctx: StepContext) {
      if (descent(s)) {
        s.restore(params);
        inner.beforeStep?.(params, innerOf(s), ctx);
        return;
      }
      for (const n of ctx.names) s.slot(n, 'theta', params[n]!).assign(params[n]!);
      s.perturbed = [...ctx.names];
    },
    update(u: Updates, s: SamState, ctx: StepContext): Updates {
      if (descent(s)) return inner.update(u, innerOf(s), ctx);
      const g = materializeAll(u);
      const list = Object.values(g);
      if (list.length === 0) return u;
      const norm = tf.sqrt(tf.addN(list.map((x) => tf.sum(tf.square(x)))));
      // p − g·(−ρ/‖g‖) is p + ρ·g/‖g‖ exactly (negation is exact in floating point).
      const scale = tf.div(-r, tf.add(norm, 1e-12));
      const out: Record<string, Update> = {};
      for (const [n, x] of Object.entries(g)) out[n] = { value: tf.mul(x, scale), num: 1, den: 1 };
      return out;
    },
    paramScale(n: string, s: SamState, ctx: StepContext): number {
      return descent(s) && inner.paramScale ? inner.paramScale(n, innerOf(s), ctx) : 1;
    },
    afterStep(params: Readonly<Record<string, tf.Variable>>, s: SamState, ctx: StepContext) {
      if (!descent(s)) {
        s.setCounter('phase', 1);
        return;
      }
      inner.afterStep?.(params, innerOf(s), ctx);
      s.setCounter('phase', 0);
      s.perturbed = [];
    },
  };
  return self;
}

/**
 * Sharpness-aware minimisation around any paperkit optimizer, as an optimizer (built with the one
 * wrapping pattern: the base optimizer's state moves in, and the base instance is spent).
 *
 * - `minimize(loss, params)` takes one whole SAM step on one batch, as in the paper: it evaluates the
 *   loss and its gradient **twice**, at θ and at θ + ρ·g/‖g‖, restores θ exactly and takes the base
 *   step with the second gradient. It returns the loss at θ; `iterations` counts these steps.
 * - `step(params, grads)` takes one **half** of a SAM step, alternating (optax's `contrib.sam`): the
 *   first call moves θ to θ + ρ·g/‖g‖, the next restores θ and takes the base step with the gradient
 *   it is given, which the caller computed at the perturbed point. This is what `model.fit` does
 *   through `toTfjsOptimizer`: consecutive batches serve the two halves.
 *
 * The CM paper combines it with CM (`new SAM(new AdamCM(...))`). No host sync beyond the base's.
 */
export class SAM extends Optimizer {
  /** Radius ρ. */
  readonly rho: number;
  private readonly sam: GradientTransformation<SamState>;

  constructor(base: Optimizer, config: SamConfig = {}) {
    checkObject('config', config, 'an object { rho? }');
    for (const k of Object.keys(config))
      if (k !== 'rho') throw new PaperkitInputError(`config.${k}`, k, 'a known option (rho)');
    const rho = checkPositive('rho', config.rho ?? 0.05);
    let made: GradientTransformation<SamState> | undefined;
    super({
      name: 'SAM',
      wraps: base,
      parameter: 'base',
      transform: (inner) => {
        made = sharpnessAware(inner, rho);
        return made;
      },
    });
    this.rho = rho;
    this.sam = made!;
  }

  private samState(): SamState {
    return this.stateOf(this.sam) as SamState;
  }

  /** A step counts once its descent half is done. */
  protected override completesStep(): boolean {
    return this.samState().counter('phase') === 0;
  }

  /** One whole SAM step on `loss` (two loss and gradient evaluations); returns the loss at θ. */
  override minimize(loss: () => tf.Scalar, params: ParamsLike): tf.Scalar {
    const s = this.samState();
    if (s.counter('phase') !== 0)
      throw new PaperkitInputError(
        'SAM.minimize',
        'a pending half step',
        'no half step pending: step() moved θ to the perturbed point and waits for the gradient there',
      );
    const vars = toVariableRecord(params);
    const first = valueAndGrads(loss, vars);
    try {
      this.step(vars, first.grads);
    } catch (err) {
      first.value.dispose();
      throw err;
    } finally {
      tf.dispose(Object.values(first.grads));
    }
    let done = false;
    try {
      const second = valueAndGrads(loss, vars);
      second.value.dispose();
      try {
        this.step(vars, second.grads);
      } finally {
        tf.dispose(Object.values(second.grads));
      }
      done = true;
    } finally {
      if (!done) {
        // The descent failed (e.g. the base rejects a non-finite gradient): θ back, no step pending.
        s.restore(vars);
        s.setCounter('phase', 0);
        s.perturbed = [];
        first.value.dispose();
      }
    }
    return first.value;
  }
}
