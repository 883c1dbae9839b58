import {
  type AnyTransform,
  checkInRange,
  checkInteger,
  checkObject,
  checkTransform,
  type GradientTransformation,
  initChild,
  type JsonObject,
  Optimizer,
  PaperkitInputError,
  type ParamsLike,
  type StepContext,
  toVariableRecord,
  type Update,
  type Updates,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { magnitudeMask } from './magnitude.js';
import { MaskState, type SparsityReport } from './mask-state.js';
import { type GmpOptions, type GmpSchedule, gmpSchedule } from './schedule.js';

/** A GMP schedule driven by the optimizer's own step count (for `model.fit`, which has no epoch hook). */
export interface StepGmpOptions extends GmpOptions {
  /** Optimizer steps per epoch: epoch e starts at step e·stepsPerEpoch (0-based). */
  readonly stepsPerEpoch: number;
}

/** Options of {@link pruningMask} and {@link MaskedOptimizer}. */
export interface PruningMaskOptions {
  /**
   * Parameters to prune (by name). Default: every parameter of rank ≥ 2 handed to `prune` (weight
   * matrices and convolution kernels; biases and norm gains are never pruned, as in the paper).
   */
  readonly prunable?: readonly string[];
  /**
   * Prune on a GMP schedule at the first step of each pruning epoch, before that step's update
   * (its gradient was taken at the weights before pruning; the masked entries of it are zeroed).
   * Without it, pruning happens only when `MaskedOptimizer.prune` is called.
   */
  readonly schedule?: StepGmpOptions;
}

interface Resolved {
  readonly prunable: readonly string[] | undefined;
  readonly schedule: (GmpSchedule & { readonly stepsPerEpoch: number }) | undefined;
  readonly options: JsonObject;
}

function resolve(options: PruningMaskOptions): Resolved {
  const o = checkObject<PruningMaskOptions>('options', options, 'an object { prunable?, schedule? }');
  for (const k of Object.keys(o))
    if (k !== 'prunable' && k !== 'schedule')
      throw new PaperkitInputError(`options.${k}`, k, 'a known option (prunable, schedule)');
  let prunable: string[] | undefined;
  if (o.prunable !== undefined) {
    if (!Array.isArray(o.prunable) || o.prunable.length === 0)
      throw new PaperkitInputError('prunable', o.prunable, 'a non-empty array of parameter names');
    if (o.prunable.some((n) => typeof n !== 'string') || new Set(o.prunable).size !== o.prunable.length)
      throw new PaperkitInputError('prunable', o.prunable, 'distinct parameter names');
    prunable = [...o.prunable];
  }
  let schedule: Resolved['schedule'];
  let scheduleJson: JsonObject | undefined;
  if (o.schedule !== undefined) {
    checkObject('schedule', o.schedule, 'an object { sparsity, stepsPerEpoch, end?, start?, … }');
    const stepsPerEpoch = checkInteger('schedule.stepsPerEpoch', o.schedule.stepsPerEpoch, 1);
    const g = gmpSchedule(o.schedule);
    schedule = { ...g, stepsPerEpoch };
    scheduleJson = {
      sparsity: g.sparsity,
      initial: g.initial,
      start: g.start,
      end: g.end,
      frequency: g.frequency,
      stepsPerEpoch,
    };
  }
  return {
    prunable,
    schedule,
    options: { ...(prunable ? { prunable } : {}), ...(scheduleJson ? { schedule: scheduleJson } : {}) },
  };
}

/**
 * Layer-wise magnitude pruning of `params` to `sparsity` into `state` (host: one read per layer), then
 * w ← w ⊙ m. Masks only shrink (see `magnitudeMask`).
 */
function pruneInto(
  state: MaskState,
  params: Readonly<Record<string, tf.Variable>>,
  names: readonly string[] | undefined,
  sparsity: number,
): void {
  checkInRange('sparsity', sparsity, 0, 1, '[)');
  const targets = names ?? Object.keys(params).filter((n) => params[n]!.rank >= 2);
  if (targets.length === 0)
    throw new PaperkitInputError(
      'params',
      Object.keys(params),
      'at least one parameter of rank ≥ 2 to prune',
    );
  for (const n of targets)
    if (!(params[n] instanceof tf.Variable))
      throw new PaperkitInputError('prunable', n, `a parameter name (${Object.keys(params).join(', ')})`);
  for (const n of targets) {
    const v = params[n]!;
    const previous = state.entry(n);
    if (previous && !tf.util.arraysEqual([...previous.shape], v.shape))
      throw new PaperkitInputError(`params.${n}`, v, `a tensor of shape [${previous.shape}] (its mask's)`);
    state.setMask(n, magnitudeMask(v.dataSync(), sparsity, previous?.keep), v.shape);
    tf.tidy(() => v.assign(tf.mul(v, state.entry(n)!.device)));
  }
}

function maskOf(s: MaskState, n: string, like: tf.Tensor): tf.Tensor | undefined {
  const e = s.entry(n);
  if (!e) return undefined;
  if (!tf.util.arraysEqual([...e.shape], like.shape))
    throw new PaperkitInputError(
      `masks.${n}`,
      `shape [${e.shape}]`,
      `shape [${like.shape}] (the parameter's)`,
    );
  return e.device;
}

/**
 * Keeps pruned weights pruned around any transform (the masked optimizer step of Hashemizadeh et al.'s
 * reference, whose masked layers compute w ⊙ m, and of Zhu & Gupta's GMP): the gradients of pruned
 * entries are zeroed *before* `inner` sees them, so Adam's moments there only decay, and the weights
 * are re-masked after `inner`'s parameter-space phase (decoupled weight decay, proximal steps or the
 * decaying moments cannot revive a pruned weight). The masks are the transform's state, saved and
 * validated with the optimizer's. Parameters without a mask pass through untouched (bit for bit).
 */
export function pruningMask(
  inner: AnyTransform,
  options: PruningMaskOptions = {},
): GradientTransformation<MaskState> {
  checkTransform('inner', inner);
  const r = resolve(options);
  const child = (s: MaskState) => (inner.init ? s.child('inner') : undefined);
  const self: GradientTransformation<MaskState> = {
    kind: 'pruningMask',
    options: r.options,
    init(adopt) {
      const s = new MaskState(self);
      const c = initChild(inner, adopt);
      if (c) s.setChild('inner', c);
      return s;
    },
    update(u: Updates, s: MaskState, ctx: StepContext): Updates {
      const out: Record<string, Update> = {};
      for (const [n, x] of Object.entries(u)) {
        const m = maskOf(s, n, x.value);
        // The pending host factor stays pending: kept entries get exactly inner's numbers.
        out[n] = m ? { value: tf.mul(x.value, m), num: x.num, den: x.den } : x;
      }
      return inner.update(out, child(s), ctx);
    },
    afterStep(params, s: MaskState, ctx: StepContext) {
      inner.afterStep?.(params, child(s), ctx);
      for (const n of s.names()) {
        const p = params[n];
        if (p) p.assign(tf.mul(p, maskOf(s, n, p)!));
      }
    },
  };
  const sched = r.schedule;
  // The same step through inner's fused kernel (Adam, AdamW, momentum SGD with the BLAS addon; it
  // covers inner's own decay): masked gradients in, the re-mask after, as the phases do, so the
  // numbers are the phases'. A step that may prune, or an inner with phases before or after its
  // update, runs the phases.
  if (inner.fusedStep && !sched && !inner.beforeStep && !inner.afterStep)
    self.fusedStep = (params, grads, s: MaskState, ctx: StepContext) => {
      const masked: Record<string, tf.Tensor> = {};
      const created: tf.Tensor[] = [];
      try {
        for (const [n, g] of Object.entries(grads)) {
          const m = maskOf(s, n, g);
          masked[n] = m ? tf.mul(g, m) : g;
          if (m) created.push(masked[n]!);
        }
        if (!inner.fusedStep!(params, masked, child(s)!, ctx)) return false;
      } finally {
        tf.dispose(created);
      }
      tf.tidy(() => {
        for (const n of s.names()) {
          const p = params[n];
          if (p) p.assign(tf.mul(p, maskOf(s, n, p)!));
        }
      });
      return true;
    };
  if (sched || inner.beforeStep)
    self.beforeStep = (params, s: MaskState, ctx: StepContext) => {
      if (sched && (ctx.t - 1) % sched.stepsPerEpoch === 0) {
        const epoch = (ctx.t - 1) / sched.stepsPerEpoch;
        if (sched.prunesAt(epoch)) pruneInto(s, params, r.prunable, sched.sparsityAt(epoch));
      }
      inner.beforeStep?.(params, child(s), ctx);
    };
  if (inner.paramScale) self.paramScale = (n, s: MaskState, ctx) => inner.paramScale!(n, child(s), ctx);
  return self;
}

/**
 * A paperkit optimizer whose steps keep pruned weights at exactly 0: any tensor-core optimizer wrapped
 * with {@link pruningMask} (the one wrapping pattern; the inner instance is spent and its state moves
 * here). Prune with {@link MaskedOptimizer.prune} (one-shot, or at each epoch of a GMP schedule from
 * your loop) or give `options.schedule` to prune on the step count, e.g. inside `model.fit` through
 * `toTfjsOptimizer`. The masks are part of `getState()`/`setState()`.
 */
export class MaskedOptimizer extends Optimizer {
  /** The masking transform (its state holds the masks). */
  readonly masking: GradientTransformation<MaskState>;
  private readonly prunableNames: readonly string[] | undefined;

  constructor(inner: Optimizer, options: PruningMaskOptions = {}) {
    let masking: GradientTransformation<MaskState> | undefined;
    super({
      name: 'MaskedOptimizer',
      wraps: inner,
      parameter: 'inner',
      transform: (t) => {
        masking = pruningMask(t, options);
        return masking;
      },
    });
    this.masking = masking!;
    this.prunableNames = (this.masking.options as { prunable?: readonly string[] }).prunable;
  }

  /**
   * Prunes each prunable parameter to `sparsity` of its own weights by magnitude of w ⊙ m
   * (layer-wise, unstructured; already-pruned weights stay pruned) and sets w ← w ⊙ m. One host read
   * per layer. Returns the achieved sparsity.
   * @param params the model's parameters (a ParamMap or a record of variables)
   * @param sparsity fraction of each layer to prune, in [0, 1)
   */
  prune(params: ParamsLike, sparsity: number): SparsityReport {
    const vars = toVariableRecord(checkObject('params', params, 'a ParamMap or a record of tf.Variables'));
    pruneInto(this.maskState(), vars, this.prunableNames, sparsity);
    return this.sparsity();
  }

  /** A copy of the keep-mask of each masked parameter (1 kept, 0 pruned), from the host. */
  masks(): Record<string, Uint8Array> {
    const s = this.maskState();
    return Object.fromEntries(s.names().map((n) => [n, s.entry(n)!.keep.slice()]));
  }

  /** Pruned fractions per masked layer and overall (host bits, no device read). */
  sparsity(): SparsityReport {
    return this.maskState().sparsity();
  }

  private maskState(): MaskState {
    return this.stateOf(this.masking) as MaskState;
  }
}
