import {
  checkObject,
  checkSavedTensor,
  type JsonValue,
  PaperkitInputError,
  type RestoreContext,
  TransformState,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';

/** Sparsity of the masked layers. */
export interface SparsityReport {
  /** Pruned fraction over all masked weights (0 before any pruning). */
  readonly overall: number;
  /** Pruned fraction per masked layer. */
  readonly layers: Readonly<Record<string, number>>;
}

/** The mask of one parameter. */
export interface MaskEntry {
  /** 1 kept, 0 pruned, row-major. */
  readonly keep: Uint8Array;
  readonly shape: readonly number[];
  /** The same bits as a float32 tensor, for the device-side multiplications. */
  readonly device: tf.Tensor;
}

/**
 * State of the `pruningMask` transform: one keep-mask per masked parameter (host bits plus a device
 * copy), and the wrapped transform's state as child `inner`. The masks are saved as host data
 * (`data.masks.<name> = { shape, data: [0/1…] }`), so a state saved right after pruning, before the
 * optimizer has stepped a parameter, still loads. Restoring checks every bit is 0 or 1, the shapes
 * against the parameters the state lists, and the names against the optimizer's `prunable` list.
 */
export class MaskState extends TransformState {
  private readonly entries = new Map<string, MaskEntry>();
  private rc: RestoreContext | undefined;

  /** The mask of `name`, if it is masked. */
  entry(name: string): MaskEntry | undefined {
    return this.entries.get(name);
  }

  /** Names of the masked parameters, in the order they were first masked. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  /** Installs (or replaces) the mask of `name`; the device copy outlives any enclosing `tf.tidy`. */
  setMask(name: string, keep: Uint8Array, shape: readonly number[]): void {
    const device = tf.keep(tf.tensor(Float32Array.from(keep), [...shape], 'float32'));
    this.entries.get(name)?.device.dispose();
    this.entries.set(name, { keep, shape: [...shape], device });
  }

  /** Pruned fractions from the host bits (no device read). */
  sparsity(): SparsityReport {
    let pruned = 0;
    let total = 0;
    const layers: Record<string, number> = {};
    for (const [n, e] of this.entries) {
      let z = 0;
      for (let i = 0; i < e.keep.length; i++) z += 1 - e.keep[i]!;
      layers[n] = e.keep.length === 0 ? 0 : z / e.keep.length;
      pruned += z;
      total += e.keep.length;
    }
    return { overall: total === 0 ? 0 : pruned / total, layers };
  }

  /** Validates a saved state (the masks included) and returns the function that installs it. */
  override prepare(json: unknown, field: string, rc: RestoreContext): () => void {
    // The parameter shapes the saved state lists, for checking the masks' shapes in prepareData.
    this.rc = rc;
    try {
      return super.prepare(json, field, rc);
    } finally {
      this.rc = undefined;
    }
  }

  protected override saveData(): JsonValue | undefined {
    if (this.entries.size === 0) return undefined;
    const masks: Record<string, { shape: number[]; data: number[] }> = {};
    for (const [n, e] of this.entries) masks[n] = { shape: [...e.shape], data: Array.from(e.keep) };
    return { masks };
  }

  protected override prepareData(data: unknown, field: string): () => void {
    if (data === undefined) return () => this.clear();
    const d = checkObject<{ masks?: unknown }>(field, data, 'an object { masks } of keep-masks by parameter');
    for (const k of Object.keys(d))
      if (k !== 'masks') throw new PaperkitInputError(`${field}.${k}`, k, 'absent (only "masks" is saved)');
    const masks = checkObject<Record<string, unknown>>(
      `${field}.masks`,
      d.masks,
      'a record of keep-masks { shape, data } by parameter name',
    );
    const prunable = (this.options as { prunable?: readonly string[] }).prunable;
    const parsed: [string, Uint8Array, number[]][] = [];
    for (const [n, value] of Object.entries(masks)) {
      const where = `${field}.masks.${n}`;
      if (prunable !== undefined && !prunable.includes(n))
        throw new PaperkitInputError(where, n, `a mask of a prunable parameter (${prunable.join(', ')})`);
      const s = checkSavedTensor(where, value, this.rc?.shapes.get(n));
      const bad = s.data.findIndex((b) => b !== 0 && b !== 1);
      if (bad >= 0)
        throw new PaperkitInputError(`${where}.data[${bad}]`, s.data[bad], '0 or 1 (1 kept, 0 pruned)');
      parsed.push([n, Uint8Array.from(s.data), s.shape]);
    }
    return () => {
      this.clear();
      for (const [n, keep, shape] of parsed) this.setMask(n, keep, shape);
    };
  }

  /** Frees the device masks (and every slot of the wrapped transform's state). */
  override dispose(): void {
    super.dispose();
    this.clear();
  }

  private clear(): void {
    for (const e of this.entries.values()) e.device.dispose();
    this.entries.clear();
  }
}
