import {
  checkObject,
  type JsonObject,
  type JsonValue,
  PaperkitInputError,
  Rng,
  type RngState,
  type SlotBasis,
  TransformState,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { ResolvedBufferConfig } from './config.js';
import { priorities } from './priority.js';
import { PriorityKeys, type PriorityKeysState } from './priority-buffer.js';

/** The JSON options of a critical transform: its resolved settings (they define what the buffer holds). */
export function settingsOptions(s: ResolvedBufferConfig & Record<string, unknown>): JsonObject {
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(s))
    if (
      k !== 'eps' &&
      k !== 'weightDecay' &&
      (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean')
    )
      out[k] = v;
  return out;
}

interface SavedBuffers {
  readonly keys: Record<string, PriorityKeysState>;
  readonly rng: RngState;
}

/**
 * State of the critical-momenta and critical-gradients transforms: per parameter, the buffer's C
 * value slots `b0…` (pre-allocated, so the tensor count is constant and an evicted value is released
 * by `assign`), the running sum `S`, Adam's `m`/`v`/`vMax` where the transform keeps them, the call
 * count `count`; on the host, each buffer's priority keys ({@link PriorityKeys}) and the seeded
 * `criticalTest` stream. Everything is saved: a resumed run continues bit for bit.
 */
export class CriticalState extends TransformState {
  /** Validated settings. */
  readonly settings: ResolvedBufferConfig;
  /** Buffer keys by parameter (absent before a parameter's first call or without a buffer). */
  keys = new Map<string, PriorityKeys>();
  /** The `criticalTest` stream. */
  fifoRng: Rng;
  /** This step's priorities by parameter (set by {@link CriticalState.measure}). */
  pending = new Map<string, number>();
  private sharedFifo = false;

  constructor(owner: { kind: string; options?: JsonObject }, settings: ResolvedBufferConfig) {
    super(owner);
    this.settings = settings;
    this.fifoRng = Rng.fromSeed(settings.seed).stream('criticalTest');
  }

  override slotBasis(name: string): SlotBasis | undefined {
    if (name === 'v' || name === 'vMax') return 'squared';
    return name === 'm' || name === 'S' || /^b\d+$/.test(name) ? 'linear' : undefined;
  }

  protected override saveData(): JsonValue {
    const keys: Record<string, PriorityKeysState> = {};
    for (const [n, k] of this.keys) keys[n] = k.toJSON();
    return { keys, rng: this.fifoRng.getState() } as unknown as JsonValue;
  }

  protected override prepareData(data: unknown, field: string): () => void {
    const d = checkObject<SavedBuffers>(
      field,
      data,
      'the buffer state { keys, rng } of a critical transform',
    );
    checkObject(`${field}.keys`, d.keys, 'a record of saved priority keys');
    const keys = new Map<string, PriorityKeys>();
    for (const [n, k] of Object.entries(d.keys))
      keys.set(n, PriorityKeys.fromJSON(k, this.settings.topC, `${field}.keys.${n}`));
    const rng = Rng.fromState(d.rng, `${field}.rng`);
    return () => {
      this.keys = keys;
      this.fifoRng = rng;
    };
  }

  /**
   * One host sync per step: every gradient's squared norm, stacked and read once, turned into each
   * parameter's priority. A non-finite gradient stops the step here, before any state changes.
   */
  measure(g: Readonly<Record<string, tf.Tensor>>, names: readonly string[]): void {
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

  /** The priority of `name` measured this step. */
  priority(name: string): number {
    const pi = this.pending.get(name);
    if (pi === undefined) throw new Error(`internal: no priority measured for ${name}`);
    return pi;
  }

  /** The weight on the buffer term: the reference only tests kappa > 0, clean mode multiplies by it. */
  get kappaWeight(): number {
    return this.settings.compat === 'reference' ? 1 : this.settings.kappa;
  }

  /** Creates a parameter's buffer (keys, C zero-filled value slots, and S when running). */
  createBuffer(name: string, like: tf.Tensor): PriorityKeys {
    const k = new PriorityKeys(this.settings.topC);
    for (let j = 0; j < k.capacity; j++) this.slot(name, `b${j}`, like);
    if (this.settings.bufferSum === 'running') this.slot(name, 'S', like);
    this.keys.set(name, k);
    return k;
  }

  /** Σ of the stored values (running S, or summed now). Requires a non-empty buffer. */
  bufferTotal(name: string, keys: PriorityKeys, like: tf.Tensor): tf.Tensor {
    if (this.settings.bufferSum === 'running') return this.slot(name, 'S', like);
    const vals = Array.from({ length: keys.size }, (_, j) => this.slot(name, `b${j}`, like));
    return vals.length === 1 ? vals[0]! : tf.addN(vals);
  }

  /**
   * Mean of the stored values, S/|buf|. Multiplying by 1/|buf| (the reference divides) differs by at
   * most one float32 rounding and costs a third of a division on wasm.
   */
  bufferMean(name: string, keys: PriorityKeys, like: tf.Tensor): tf.Tensor {
    const total = this.bufferTotal(name, keys, like);
    return keys.size === 1 ? total : tf.mul(total, 1 / keys.size);
  }

  /** Writes `value` (priority `pi`) into slot `j`, keeping S in step (S ← S − b_j + value). */
  store(name: string, keys: PriorityKeys, j: number, value: tf.Tensor, pi: number, count: number): void {
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
  offer(name: string, keys: PriorityKeys, value: tf.Tensor, pi: number, count: number): boolean {
    const fifo = keys.full && (this.settings.compat === 'clean' ? this.sharedFifo : this.drawFifo());
    const j = keys.choose(pi, fifo, this.settings.compat === 'reference');
    if (j < 0) return false;
    this.store(name, keys, j, value, pi, count);
    return true;
  }
}

/** Checks that a state is a {@link CriticalState} (for diagnostics on an optimizer's transform). */
export function asCriticalState(s: TransformState | undefined): CriticalState {
  if (!(s instanceof CriticalState))
    throw new PaperkitInputError('state', s, 'the state of a critical transform');
  return s;
}
