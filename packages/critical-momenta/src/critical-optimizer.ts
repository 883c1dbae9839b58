import {
  type BaseOptimizerConfig,
  type LearningRate,
  Optimizer,
  type OptimizerState,
  PaperkitInputError,
  Rng,
  type RngState,
  type StepContext,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { bufferActive, type ResolvedBufferConfig } from './config.js';
import { priorities } from './priority.js';
import { PriorityKeys, type PriorityKeysState } from './priority-buffer.js';

/** Base settings of the tensor optimizers: tensor-core's, with the reference's default lr 1e-3. */
export interface TensorOptimizerConfig extends Omit<BaseOptimizerConfig, 'lr'> {
  /** Learning rate or schedule; default 1e-3 (the reference default). */
  readonly lr?: LearningRate;
}

/** What the update rule of one tensor gets at a step. */
export interface BufferStep {
  /** Priority π_t of this tensor at this step. */
  readonly pi: number;
  /** The tensor's buffer keys, or undefined before its first call and when the buffer is off. */
  readonly keys: PriorityKeys | undefined;
  /** 1-based count of calls that updated this tensor, this one included (bias-correction exponent). */
  readonly count: number;
  /** The step context. */
  readonly ctx: StepContext;
}

/** A read-only view of one tensor's buffer, for tests and diagnostics. */
export interface BufferSnapshot {
  /** Filled slots. */
  readonly size: number;
  /** Capacity C. */
  readonly capacity: number;
  /** Keys of the filled slots. */
  readonly keys: number[];
  /** Call (1-based) at which each filled slot was written. */
  readonly steps: number[];
  /** Copies of the filled slots' values (the caller disposes them). */
  readonly values: tf.Tensor[];
  /** Copy of the running sum S, or null when it is recomputed. */
  readonly sum: tf.Tensor | null;
}

interface ExtraState {
  readonly counts: Record<string, number>;
  readonly keys: Record<string, PriorityKeysState>;
  readonly rng: RngState;
}

/**
 * Shared machinery of {@link AdamCM} and {@link AdamCG} on tensors: per-step priorities from one host
 * sync, buffers whose keys live on the host and whose values are slot tensors (pre-allocated, so
 * the tensor count is constant and an evicted value is released by `assign`), the running or
 * recomputed sum, `criticalTest` draws and serialization of all of it through tensor-core's
 * `getState`/`setState`.
 */
export abstract class CriticalBufferOptimizer extends Optimizer {
  /** Validated settings. */
  readonly settings: ResolvedBufferConfig;
  /** The caller's config (the parent receives one with the buffer's hook wrapped in). */
  override readonly config: Readonly<TensorOptimizerConfig>;
  private readonly keys = new Map<string, PriorityKeys>();
  private readonly counts = new Map<string, number>();
  private pending = new Map<string, number>();
  private fifoRng: Rng;
  private sharedFifo = false;

  protected constructor(config: TensorOptimizerConfig, settings: ResolvedBufferConfig) {
    // Priorities need every gradient of the step before the first tensor is updated, after clipping
    // and user hooks: wrap the documented `gradients` hook (the closure sees `this` once constructed).
    const box: { self?: CriticalBufferOptimizer } = {};
    const user = config?.hooks ?? {};
    super({
      ...config,
      lr: config?.lr ?? 1e-3,
      hooks: {
        ...user,
        gradients: (g, ctx) => {
          const out = user.gradients ? user.gradients(g, ctx) : g;
          box.self!.measure(out, ctx);
          return out;
        },
      },
    });
    box.self = this;
    this.config = config ?? {};
    this.settings = settings;
    this.fifoRng = Rng.fromSeed(settings.seed).stream('criticalTest');
  }

  /** One host sync per step: all squared norms stacked, read once; non-finite gradients stop here. */
  private measure(g: Record<string, tf.Tensor>, ctx: StepContext): void {
    const names = ctx.names;
    if (names.length === 0) return;
    // ‖g‖²: the cpu backend's reduction is slow and its dot fast; on wasm it is the other way round.
    const useDot = tf.getBackend() === 'cpu';
    const sqNorm = (t: tf.Tensor): tf.Tensor => {
      if (!useDot) return tf.sum(tf.square(t));
      const flat = tf.reshape(t, [-1]);
      return tf.dot(flat, flat);
    };
    const sq = names.length === 1 ? sqNorm(g[names[0]!]!) : tf.stack(names.map((n) => sqNorm(g[n]!)));
    const pis = priorities(names, sq.dataSync(), this.settings.priority);
    this.pending = new Map(names.map((n, i) => [n, pis[i]!]));
    // Clean mode draws once per step so that synced buffers stay synced; the reference draws per tensor.
    if (this.settings.compat === 'clean') this.sharedFifo = this.drawFifo();
  }

  private drawFifo(): boolean {
    const p = this.settings.criticalTest;
    if (p <= 0) return false;
    if (p >= 1) return true;
    // Reference: `np.random.uniform() >= critical_test` takes the priority branch.
    return this.fifoRng.next() < p;
  }

  /** The weight on the buffer term: the reference only tests kappa > 0, clean mode multiplies by it. */
  protected get kappaWeight(): number {
    return this.settings.compat === 'reference' ? 1 : this.settings.kappa;
  }

  protected computeUpdate(name: string, grad: tf.Tensor, param: tf.Variable, ctx: StepContext): tf.Tensor {
    const pi = this.pending.get(name);
    if (pi === undefined) throw new Error(`internal: no priority measured for ${name}`);
    const count = (this.counts.get(name) ?? 0) + 1;
    const keys = this.keys.get(name);
    const u = this.rule(name, grad, param, { pi, keys, count, ctx });
    this.counts.set(name, count);
    // Priority decay after insertion, every call (reference `decay()` at the end of the tensor's step).
    this.keys.get(name)?.decay(this.settings.decay);
    return u;
  }

  /** The method's update for one tensor; returns `u` with the learning rate applied. */
  protected abstract rule(name: string, grad: tf.Tensor, param: tf.Variable, step: BufferStep): tf.Tensor;

  /** Creates the tensor's buffer (keys, C zero-filled value slots, and S when running). */
  protected createBuffer(name: string, like: tf.Tensor): PriorityKeys {
    const k = new PriorityKeys(this.settings.topC);
    for (let j = 0; j < k.capacity; j++) this.slot(name, `b${j}`, like);
    if (this.settings.bufferSum === 'running') this.slot(name, 'S', like);
    this.keys.set(name, k);
    return k;
  }

  /** Σ of the stored values (running S, or summed now). Requires a non-empty buffer. */
  protected bufferTotal(name: string, keys: PriorityKeys, like: tf.Tensor): tf.Tensor {
    if (this.settings.bufferSum === 'running') return this.slot(name, 'S', like);
    const vals = Array.from({ length: keys.size }, (_, j) => this.slot(name, `b${j}`, like));
    return vals.length === 1 ? vals[0]! : tf.addN(vals);
  }

  /**
   * Mean of the stored values, S/|buf|. Multiplying by 1/|buf| (the reference divides) differs by at
   * most one float32 rounding and costs a third of a division on wasm.
   */
  protected bufferMean(name: string, keys: PriorityKeys, like: tf.Tensor): tf.Tensor {
    const total = this.bufferTotal(name, keys, like);
    return keys.size === 1 ? total : tf.mul(total, 1 / keys.size);
  }

  /** Writes `value` (priority `pi`) into slot `j`, keeping S in step (S ← S − b_j + value). */
  protected store(
    name: string,
    keys: PriorityKeys,
    j: number,
    value: tf.Tensor,
    pi: number,
    count: number,
  ): void {
    const slot = this.slot(name, `b${j}`, value);
    if (this.settings.bufferSum === 'running') {
      const s = this.slot(name, 'S', value);
      if (keys.size === 0) s.assign(value);
      else s.assign(tf.add(j < keys.size ? tf.sub(s, slot) : s, value));
    }
    // Tensors are immutable: the slot shares `value`'s storage, no copy needed; assign releases the old one.
    slot.assign(value);
    keys.write(j, pi, count);
  }

  /** The priority test (or FIFO branch) for `value`; returns whether it was stored. */
  protected offer(name: string, keys: PriorityKeys, value: tf.Tensor, pi: number, count: number): boolean {
    const fifo = keys.full && (this.settings.compat === 'clean' ? this.sharedFifo : this.drawFifo());
    const j = keys.choose(pi, fifo, this.settings.compat === 'reference');
    if (j < 0) return false;
    this.store(name, keys, j, value, pi, count);
    return true;
  }

  /** Whether this optimizer keeps a buffer at all. */
  get usesBuffer(): boolean {
    return bufferActive(this.settings);
  }

  /** Copies out the buffer of parameter `name` (null before its first step or without a buffer). */
  inspectBuffer(name: string): BufferSnapshot | null {
    const k = this.keys.get(name);
    if (!k || !this.hasSlot(name, 'b0')) return null;
    // The slots exist, so `slot` ignores its shape template.
    const like = tf.scalar(0);
    try {
      const values = Array.from({ length: k.size }, (_, j) => tf.clone(this.slot(name, `b${j}`, like)));
      return {
        size: k.size,
        capacity: k.capacity,
        keys: Array.from(k.keys.subarray(0, k.size)),
        steps: Array.from(k.steps.subarray(0, k.size)),
        values,
        sum: this.hasSlot(name, 'S') ? tf.clone(this.slot(name, 'S', like)) : null,
      };
    } finally {
      like.dispose();
    }
  }

  /** Calls that updated parameter `name` so far. */
  callsOf(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  protected override extraState(): unknown {
    const keys: Record<string, PriorityKeysState> = {};
    for (const [n, k] of this.keys) keys[n] = k.toJSON();
    const extra: ExtraState = { counts: Object.fromEntries(this.counts), keys, rng: this.fifoRng.getState() };
    return extra;
  }

  /** Checks the buffer part of a saved state before anything is replaced, so a bad state changes nothing. */
  private parseExtra(extra: unknown): {
    counts: Map<string, number>;
    keys: Map<string, PriorityKeys>;
    rng: Rng;
  } {
    const e = extra as ExtraState | undefined;
    if (!e || typeof e !== 'object' || !e.counts || !e.keys || !e.rng)
      throw new PaperkitInputError('state.extra', extra, `the buffer state saved by ${this.name}`);
    const keys = new Map<string, PriorityKeys>();
    for (const [n, k] of Object.entries(e.keys))
      keys.set(n, PriorityKeys.fromJSON(k, this.settings.topC, `state.extra.keys.${n}`));
    const counts = new Map<string, number>();
    for (const [n, c] of Object.entries(e.counts)) {
      if (!Number.isInteger(c) || c < 0)
        throw new PaperkitInputError(`state.extra.counts.${n}`, c, 'an integer >= 0');
      counts.set(n, c);
    }
    return { counts, keys, rng: Rng.fromState(e.rng) };
  }

  override setState(state: OptimizerState): void {
    if (state && state.optimizer === this.name) this.parseExtra(state.extra);
    super.setState(state);
  }

  protected override setExtraState(extra: unknown): void {
    const parsed = this.parseExtra(extra);
    this.counts.clear();
    this.keys.clear();
    for (const [n, c] of parsed.counts) this.counts.set(n, c);
    for (const [n, k] of parsed.keys) this.keys.set(n, k);
    this.fifoRng = parsed.rng;
  }
}
