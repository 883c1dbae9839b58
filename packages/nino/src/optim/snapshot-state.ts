import {
  type AnyTransform,
  checkObject,
  PaperkitInputError,
  type RestoreContext,
  TransformState,
  type TransformStateJson,
} from '@paperkit/tensor-core';
import type * as tf from '@tensorflow/tfjs-core';

/** One snapshot: every nowcast parameter's value at a snapshot step, by parameter name. */
export type Snapshot = ReadonlyMap<string, tf.Tensor>;

/** The parameters a snapshot holds, in the order the nowcaster reads them. */
export interface SnapshotLayout {
  readonly names: readonly string[];
  readonly shapes: readonly (readonly number[])[];
}

const slotName = (j: number) => `s${j}`;

/**
 * State of the `nowcasting` transform: the snapshot buffer of the nowcast in progress, the counters
 * `snapshots` (how many the buffer holds) and `nowcasts`, and the wrapped optimizer's state as child
 * `inner`. Snapshot j of a parameter is its slot `s<j>`: c slots per nowcast parameter, allocated at
 * the first step and reused, so steps allocate nothing; a nowcast empties the buffer (the counter goes
 * to 0). Only the filled slots are saved, so a run stopped between two snapshots resumes with the same
 * history; slots are keyed by parameter name like every optimizer slot, and restoring checks their
 * shapes and values as for any slot, plus that the buffer holds at most c − 1 snapshots (a full buffer
 * is nowcast in the step that fills it) and that every parameter has exactly slots s0 … s<count−1>.
 */
export class SnapshotState extends TransformState {
  private readonly context: number;
  private ready = false;

  constructor(owner: AnyTransform, context: number) {
    super(owner);
    this.context = context;
  }

  /** Snapshots in the buffer. */
  get count(): number {
    return this.counter('snapshots');
  }

  /** Whether {@link SnapshotState.ensure} has run since the state was created or restored. */
  get allocated(): boolean {
    return this.ready;
  }

  /**
   * Checks that the buffer holds snapshots of exactly `layout`'s parameters, and allocates every slot
   * not allocated yet (zero-filled, c per parameter).
   */
  ensure(layout: SnapshotLayout, params: Readonly<Record<string, tf.Tensor>>): void {
    const names = new Set(layout.names);
    const n = this.count;
    for (const [p] of this.slots())
      if (!names.has(p))
        throw new PaperkitInputError(
          'params',
          p,
          `a nowcast parameter (${layout.names.join(', ')}): the snapshot buffer holds "${p}", which the nowcaster does not read`,
        );
    for (const p of layout.names) {
      for (let j = 0; j < n; j++)
        if (!this.hasSlot(p, slotName(j)))
          throw new PaperkitInputError(
            `state.transform.params.${p}`,
            undefined,
            `snapshots s0 … s${n - 1} of "${p}" (the restored buffer holds ${n} snapshots)`,
          );
      for (let j = n; j < this.context; j++) this.slot(p, slotName(j), params[p]!);
    }
    this.ready = true;
  }

  /** The buffered snapshots of `names`, oldest first. */
  snapshots(names: readonly string[]): Snapshot[] {
    return Array.from(
      { length: this.count },
      (_, j) => new Map(names.map((p) => [p, this.peekSlot(p, slotName(j))!])),
    );
  }

  /** Copies the parameters `names` into the next free snapshot (call {@link SnapshotState.ensure} first). */
  push(params: Readonly<Record<string, tf.Tensor>>, names: readonly string[]): void {
    const j = this.count;
    if (j >= this.context) throw new Error('internal: the snapshot buffer is full');
    for (const p of names) this.slot(p, slotName(j), params[p]!).assign(params[p]!);
    this.setCounter('snapshots', j + 1);
  }

  /** Empties the buffer (its memory is kept for the next snapshots). */
  clear(): void {
    this.setCounter('snapshots', 0);
  }

  /** Saves the filled snapshots only. */
  override save(): TransformStateJson {
    const json = super.save();
    if (!json.params) return json;
    const n = this.count;
    const params: Record<string, { slots: Record<string, unknown> }> = {};
    for (const [p, ps] of Object.entries(json.params)) {
      const slots = Object.fromEntries(
        Object.entries(ps.slots ?? {}).filter(([name]) => Number(name.slice(1)) < n),
      );
      if (Object.keys(slots).length > 0) params[p] = { slots };
    }
    const { params: _, ...rest } = json;
    return (Object.keys(params).length > 0 ? { ...rest, params } : rest) as TransformStateJson;
  }

  override prepare(json: unknown, field: string, rc: RestoreContext): () => void {
    const commit = super.prepare(json, field, rc);
    // super checked kinds, options, shapes, finite values and integer counters; now the buffer itself.
    const s = json as TransformStateJson;
    const n = s.counters?.snapshots ?? 0;
    if (n > this.context - 1)
      throw new PaperkitInputError(
        `${field}.counters.snapshots`,
        n,
        `an integer in [0, ${this.context - 1}] (c − 1: a full buffer is nowcast in the step that fills it)`,
      );
    const want = Array.from({ length: n }, (_, j) => slotName(j));
    for (const [p, ps] of Object.entries(s.params ?? {})) {
      const have = Object.keys(checkObject(`${field}.params.${p}`, ps, 'a parameter state').slots ?? {});
      if (have.length !== n || want.some((w) => !have.includes(w)))
        throw new PaperkitInputError(
          `${field}.params.${p}.slots`,
          have.join(', ') || 'none',
          n === 0
            ? 'absent (counters.snapshots is 0: the buffer is empty)'
            : `the snapshots ${want.join(', ')} (counters.snapshots is ${n})`,
        );
    }
    return () => {
      commit();
      this.ready = false;
    };
  }

  override dispose(): void {
    super.dispose();
    this.ready = false;
  }
}
