import {
  type Adoption,
  type AnyTransform,
  checkInteger,
  checkObject,
  type GradientTransformation,
  initChild,
  Optimizer,
  PaperkitInputError,
  type ParamsLike,
  type StepContext,
  toVariableRecord,
  type Updates,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { linefit } from '../nowcast/linefit.js';
import type { PreparedNowcast } from '../nowcast/nowcast.js';
import { type Snapshot, type SnapshotLayout, SnapshotState } from './snapshot-state.js';

/** One nowcast, as reported to {@link NowcastingOptions.onNowcast}. */
export interface NowcastEvent {
  /** 1-based step (optimizer call) whose update the nowcast replaced. */
  readonly step: number;
  /** Horizon k used, in snapshot intervals. */
  readonly k: number;
  /** Wall time of the nowcast (reading the snapshots, predicting, writing the parameters), seconds. */
  readonly seconds: number;
}

/** Options of {@link withNowcasting}. */
export interface NowcastingOptions {
  /** Optimizer steps between nowcasts P, a multiple of `c`; default 1000 (the official `period`). */
  readonly period?: number;
  /** Snapshots per nowcast c, taken every P/c steps; default the nowcaster's context (5), 5 for linefit. */
  readonly c?: number;
  /**
   * Horizon k of each nowcast, in snapshot intervals: a constant, or one k per nowcast (the j-th
   * nowcast, at step (j+1)·P, uses `kSchedule[min(j, length − 1)]`, as the official wrapper indexes
   * `horizonSchedule({ maxSteps, period })`).
   */
  readonly kSchedule: number | readonly number[];
  /** Called after every nowcast (e.g. to log when it happened and what it cost). */
  readonly onNowcast?: (event: NowcastEvent) => void;
}

/** The validated settings of a nowcasting transform. */
interface Settings {
  readonly period: number;
  readonly c: number;
  readonly every: number;
  readonly kSchedule: readonly number[];
  readonly onNowcast: ((event: NowcastEvent) => void) | undefined;
}

const KNOWN = ['period', 'c', 'kSchedule', 'onNowcast'];

function resolveSettings(nowcaster: PreparedNowcast | 'linefit', options: unknown): Settings {
  const o = checkObject<NowcastingOptions>(
    'options',
    options,
    'an object { period?, c?, kSchedule, onNowcast? }',
  );
  for (const k of Object.keys(o))
    if (!KNOWN.includes(k))
      throw new PaperkitInputError(`options.${k}`, k, `a known option (${KNOWN.join(', ')})`);
  const own = nowcaster === 'linefit' ? undefined : nowcaster.context;
  const c = checkInteger('c', o.c ?? own ?? 5, 2);
  if (own !== undefined && c !== own)
    throw new PaperkitInputError(
      'c',
      c,
      `${own} (the nowcaster's context: it reads exactly ${own} snapshots)`,
    );
  const period = checkInteger('period', o.period ?? 1000, c);
  if (period % c !== 0)
    throw new PaperkitInputError('period', period, `a multiple of c = ${c} (snapshots every period/c steps)`);
  const maxK = nowcaster === 'linefit' ? Number.POSITIVE_INFINITY : nowcaster.maxHorizon;
  const raw = o.kSchedule;
  const list = typeof raw === 'number' ? [raw] : raw;
  if (!Array.isArray(list) || list.length === 0)
    throw new PaperkitInputError(
      'kSchedule',
      raw,
      'a horizon k ≥ 1 or a non-empty array of them (e.g. horizonSchedule({ maxSteps, period }))',
    );
  list.forEach((k, j) => {
    checkInteger(`kSchedule[${j}]`, k, 1);
    if (k > maxK)
      throw new PaperkitInputError(
        `kSchedule[${j}]`,
        k,
        `an integer in [1, ${maxK}] (the nowcaster's horizons)`,
      );
  });
  if (o.onNowcast !== undefined && typeof o.onNowcast !== 'function')
    throw new PaperkitInputError('onNowcast', o.onNowcast, 'a function (event) => void');
  return { period, c, every: period / c, kSchedule: [...list], onNowcast: o.onNowcast };
}

function checkNowcaster(nowcaster: unknown): PreparedNowcast | 'linefit' {
  if (nowcaster === 'linefit') return nowcaster;
  const p = nowcaster as PreparedNowcast | null;
  if (p === null || typeof p !== 'object' || typeof p.runSync !== 'function' || !p.graph)
    throw new PaperkitInputError(
      'nowcaster',
      nowcaster,
      'a prepared nowcaster (prepareNowcast(model, graph)) or "linefit"',
    );
  return p;
}

/** The nowcast parameters in the order of the flat vectors the nowcaster reads. */
function layoutOf(
  nowcaster: PreparedNowcast | 'linefit',
  params: Readonly<Record<string, tf.Tensor>>,
): SnapshotLayout {
  if (nowcaster === 'linefit') {
    const names = Object.keys(params);
    return { names, shapes: names.map((n) => params[n]!.shape) };
  }
  const g = nowcaster.graph;
  for (const p of g.params) {
    const v = params[p.name];
    if (v === undefined)
      throw new PaperkitInputError(
        `params.${p.name}`,
        undefined,
        `a parameter of the nowcaster's graph (it covers ${g.params.map((q) => q.name).join(', ')}); pass every one to step()`,
      );
    if (!tf.util.arraysEqual(v.shape, [...p.shape]))
      throw new PaperkitInputError(
        `params.${p.name}`,
        v,
        `a tensor of shape [${p.shape}] (as in the nowcaster's graph)`,
      );
  }
  return { names: g.params.map((p) => p.name), shapes: g.params.map((p) => p.shape) };
}

/** The snapshots as c flat vectors (one host read), in the layout's order. */
function readHistory(snapshots: readonly Snapshot[], layout: SnapshotLayout): Float32Array[] {
  const all = tf.tidy(() =>
    tf.stack(snapshots.map((s) => tf.concat(layout.names.map((n) => tf.reshape(s.get(n)!, [-1]))))),
  );
  let flat: Float32Array;
  try {
    flat = all.dataSync() as Float32Array;
  } finally {
    all.dispose();
  }
  const size = flat.length / snapshots.length;
  return snapshots.map((_, t) => flat.slice(t * size, (t + 1) * size));
}

/**
 * Periodic nowcasting around `inner` (Knyazev et al. 2025, the inference loop of the official
 * `optim/nino.py`): at every call t with t mod (P/c) = 0 the parameters are copied (before that call's
 * update); when the copy makes c snapshots, that call's update is *replaced* by the nowcast
 * θ ← nowcaster(snapshots, k_j), j = min(N − 1, ⌊(t − 1)/P⌋), and the buffer is emptied. `inner` and
 * its state (Adam's m, v and step counts) are not touched by a nowcast; the host optimizer's step
 * count, and with it the learning-rate schedule, advances as at any step. See {@link withNowcasting}.
 */
function nowcasting(
  inner: AnyTransform,
  nowcaster: PreparedNowcast | 'linefit',
  settings: Settings,
): GradientTransformation<SnapshotState> {
  const { c, every, period, kSchedule } = settings;
  const innerOf = (s: SnapshotState) => (inner.init ? s.child('inner') : undefined);
  // A nowcast step is a snapshot step that fills the buffer (known from beforeStep on).
  const nowcastNow = (s: SnapshotState) => s.count === c;
  const predict = (history: Float32Array[], k: number): Float32Array =>
    nowcaster === 'linefit' ? linefit(history, k) : nowcaster.runSync(history, k);
  const self: GradientTransformation<SnapshotState> = {
    kind: 'nowcasting',
    options: { period, c },
    init(adopt?: Adoption) {
      const s = new SnapshotState(self, c);
      const child = initChild(inner, adopt);
      if (child) s.setChild('inner', child);
      return s;
    },
    fusedStep(params, grads, s, ctx) {
      // Snapshot and nowcast steps run the phases; every other step may take inner's fused kernel.
      if (ctx.t % every === 0 || !inner.fusedStep) return false;
      // The buffers are allocated at the first step, whichever path it takes, so no later step allocates.
      if (!s.allocated) s.ensure(layoutOf(nowcaster, params), params);
      return inner.fusedStep(params, grads, innerOf(s), ctx);
    },
    beforeStep(params: Readonly<Record<string, tf.Variable>>, s: SnapshotState, ctx: StepContext) {
      if (ctx.t % every === 0) {
        const layout = layoutOf(nowcaster, params);
        s.ensure(layout, params);
        s.push(params, layout.names);
      } else if (!s.allocated) s.ensure(layoutOf(nowcaster, params), params);
      if (!nowcastNow(s)) inner.beforeStep?.(params, innerOf(s), ctx);
    },
    update(u: Updates, s: SnapshotState, ctx: StepContext): Updates {
      return nowcastNow(s) ? {} : inner.update(u, innerOf(s), ctx);
    },
    paramScale(n: string, s: SnapshotState, ctx: StepContext): number {
      return !nowcastNow(s) && inner.paramScale ? inner.paramScale(n, innerOf(s), ctx) : 1;
    },
    afterStep(params: Readonly<Record<string, tf.Variable>>, s: SnapshotState, ctx: StepContext) {
      if (!nowcastNow(s)) {
        inner.afterStep?.(params, innerOf(s), ctx);
        return;
      }
      const t0 = performance.now();
      const k = kSchedule[Math.min(kSchedule.length - 1, Math.floor((ctx.t - 1) / period))]!;
      try {
        const layout = layoutOf(nowcaster, params);
        const theta = predict(readHistory(s.snapshots(layout.names), layout), k);
        let o = 0;
        layout.names.forEach((n, i) => {
          const size = params[n]!.size;
          params[n]!.assign(tf.tensor(theta.subarray(o, o + size), [...layout.shapes[i]!], 'float32'));
          o += size;
        });
      } finally {
        // A failed nowcast (a non-finite prediction) is abandoned with its history.
        s.clear();
      }
      s.setCounter('nowcasts', s.counter('nowcasts') + 1);
      settings.onNowcast?.({ step: ctx.t, k, seconds: (performance.now() - t0) / 1000 });
    },
  };
  return self;
}

/**
 * An optimizer with periodic nowcasting (see {@link withNowcasting}), built with tensor-core's one
 * wrapping pattern: the wrapped optimizer's state moves in and the wrapped instance is spent.
 */
export class NowcastingOptimizer extends Optimizer {
  /** Steps between nowcasts P. */
  readonly period: number;
  /** Snapshots per nowcast c. */
  readonly context: number;
  /** Horizons k of the successive nowcasts (the last one repeats). */
  readonly kSchedule: readonly number[];
  private readonly nowcastTransform: GradientTransformation<SnapshotState>;

  constructor(optimizer: Optimizer, nowcaster: PreparedNowcast | 'linefit', options: NowcastingOptions) {
    const n = checkNowcaster(nowcaster);
    const settings = resolveSettings(n, options);
    let made: GradientTransformation<SnapshotState> | undefined;
    super({
      name: 'Nowcasting',
      wraps: optimizer,
      transform: (inner) => {
        made = nowcasting(inner, n, settings);
        return made;
      },
    });
    this.nowcastTransform = made!;
    this.period = settings.period;
    this.context = settings.c;
    this.kSchedule = settings.kSchedule;
  }

  private snapshotState(): SnapshotState {
    return this.stateOf(this.nowcastTransform) as SnapshotState;
  }

  /** Snapshots waiting for the next nowcast (0 right after a nowcast). */
  get bufferedSnapshots(): number {
    return this.snapshotState().count;
  }

  /** Nowcasts made so far. */
  get nowcasts(): number {
    return this.snapshotState().counter('nowcasts');
  }

  /**
   * False when the next step is a nowcast, whose update does not use gradients (the official
   * wrapper's `need_grads`): a training loop may skip the backward pass and call `step(params, {})`.
   * `minimize` does so itself.
   */
  get needsGradients(): boolean {
    const t = this.iterations + 1;
    return !(t % (this.period / this.context) === 0 && this.bufferedSnapshots === this.context - 1);
  }

  /** Like `Optimizer.minimize`, without the backward pass at a nowcast step (it returns the loss there too). */
  override minimize(loss: () => tf.Scalar, params: ParamsLike): tf.Scalar {
    if (this.needsGradients) return super.minimize(loss, params);
    const vars = toVariableRecord(params);
    const value = tf.tidy(loss);
    try {
      this.step(vars, {});
    } catch (err) {
      value.dispose();
      throw err;
    }
    return value;
  }
}

/**
 * Wraps `optimizer` (usually Adam or AdamW) with periodic nowcasting (Knyazev et al. 2025, the
 * inference loop of the official `optim/nino.py`): every `period` steps the parameters are replaced
 * by `nowcaster`'s prediction from the last `c` snapshots, taken every `period / c` steps before that
 * step's update; the nowcast replaces that step's update, and the optimizer's own state (Adam's m, v
 * and step counts) is left untouched. The snapshots are optimizer state: `getState()` saves the
 * buffer and `setState()` validates and restores it, so a resumed run nowcasts from the same history.
 *
 * `nowcaster` is a {@link PreparedNowcast} bound to the model's graph (`prepareNowcast(model,
 * graphFromParamMap(params))`; its parameter names must be the names the optimizer steps: with
 * `toTfjsOptimizer(…, { model })` build the graph from `paramsFromLayersModel(model)`), or `'linefit'`,
 * which extrapolates every parameter it is given. The caller keeps ownership of the prepared
 * nowcaster (dispose it after training). Parameters outside the nowcaster's graph are only stepped.
 *
 * @example
 * const nino = prepareNowcast(await loadShippedCheckpoint('nino_small'), graphFromParamMap(params));
 * const opt = withNowcasting(new Adam({ lr: 1e-3 }), nino, {
 *   period: 500,
 *   kSchedule: horizonSchedule({ maxSteps: 5000, period: 500 }),
 * });
 */
export function withNowcasting(
  optimizer: Optimizer,
  nowcaster: PreparedNowcast | 'linefit',
  options: NowcastingOptions,
): NowcastingOptimizer {
  return new NowcastingOptimizer(optimizer, nowcaster, options);
}
