import * as tf from '@tensorflow/tfjs-core';
import { checkObject, PaperkitInputError } from '../validate/errors.js';
import { checkSavedTensor, type SavedTensor, saveTensor } from './saved-tensor.js';

/** What a parameter is for; optimizers and paper methods treat roles differently (e.g. no decay on biases). */
export type ParamRole = 'weight' | 'bias' | 'norm' | 'embedding' | 'other';

/**
 * Which axes of a weight tensor index output and input neurons. paperkit's dense weights are stored
 * `[in, out]` (so `x · W`), i.e. `{ outAxis: 1, inAxis: 0 }`; a conv filter `[kh, kw, in, out]` is
 * `{ outAxis: 3, inAxis: 2 }`. Fan-in counts everything but the output axis.
 */
export interface ParamLayout {
  /** Axis of output neurons. */
  readonly outAxis: number;
  /** Axis of input neurons. */
  readonly inAxis: number;
}

/** Metadata kept beside each parameter. */
export interface ParamInfo {
  /** Role of the parameter. */
  readonly role: ParamRole;
  /** Shape of the tensor. */
  readonly shape: readonly number[];
  /** Neuron layout, for weights and embeddings. */
  readonly layout?: ParamLayout;
  /** Free-form group label, e.g. the layer (`block0.attn`). */
  readonly group?: string;
}

/** A declaration for {@link ParamMap.fromTensors}. */
export interface ParamEntry {
  /** Initial value (copied into a new variable; the caller keeps ownership of this tensor). */
  readonly value: tf.Tensor;
  /** Role; default `other`. */
  readonly role?: ParamRole;
  /** Neuron layout. */
  readonly layout?: ParamLayout;
  /** Group label. */
  readonly group?: string;
}

/** A declaration for {@link ParamMap.fromVariables}: an existing variable and its metadata. */
export interface VariableEntry {
  /** The variable itself (not copied; the map does not own it). */
  readonly variable: tf.Variable;
  /** Role; default `other`. */
  readonly role?: ParamRole;
  /** Neuron layout. */
  readonly layout?: ParamLayout;
  /** Group label. */
  readonly group?: string;
}

/** Position of one parameter inside the flat vector of {@link ParamMap.flatten}. */
export interface FlatSlot {
  /** Parameter name. */
  readonly name: string;
  /** Offset into the flat vector. */
  readonly offset: number;
  /** Number of elements. */
  readonly size: number;
  /** Tensor shape. */
  readonly shape: readonly number[];
}

let uid = 0;

/**
 * Named trainable parameters with roles and layout metadata. Names, not positions, identify a
 * parameter everywhere (optimizer state, checkpoints, rotations), and iteration order is the
 * insertion order, so flattening is deterministic.
 */
export class ParamMap {
  private readonly vars = new Map<string, tf.Variable>();
  private readonly infos = new Map<string, ParamInfo>();
  private disposed = false;
  /** Whether `dispose` frees the variables (false for maps over variables someone else owns). */
  private owned = true;

  /** Builds a map from initial tensors. Each becomes a trainable float32 variable. */
  static fromTensors(entries: Record<string, ParamEntry>): ParamMap {
    const m = new ParamMap();
    for (const [name, e] of Object.entries(entries)) m.add(name, e);
    return m;
  }

  /**
   * A map over variables that already exist (e.g. the weights of a tfjs Layers model, see
   * `paramsFromLayersModel`): nothing is copied, optimizers update the given variables, and `dispose`
   * forgets them without freeing them (their owner does).
   */
  static fromVariables(entries: Readonly<Record<string, VariableEntry>>): ParamMap {
    checkObject('entries', entries, 'a record of { variable, role?, layout?, group? }');
    const m = new ParamMap();
    m.owned = false;
    for (const [name, e] of Object.entries(entries)) {
      const v = checkObject<VariableEntry>(
        `entries.${name}`,
        e,
        'an object { variable, role?, layout?, group? }',
      ).variable;
      if (!(v instanceof tf.Variable) || v.isDisposed)
        throw new PaperkitInputError(`entries.${name}.variable`, v, 'a live tf.Variable');
      if (v.dtype !== 'float32')
        throw new PaperkitInputError(`entries.${name}.variable`, v.dtype, 'a float32 variable');
      m.checkNew(name, v.shape, e.layout);
      m.register(name, v, e);
    }
    return m;
  }

  /** Adds one parameter; the name must be new. */
  add(name: string, entry: ParamEntry): this {
    this.assertAlive();
    checkObject(`entries.${name}`, entry, 'an object { value, role?, layout?, group? }');
    if (!(entry.value instanceof tf.Tensor))
      throw new PaperkitInputError(`entries.${name}.value`, entry.value, 'a tf.Tensor');
    this.checkNew(name, entry.value.shape, entry.layout);
    // Variable names are global in tfjs; a unique suffix lets many maps (and runs) coexist.
    const v = tf.tidy(() => tf.variable(tf.cast(entry.value, 'float32'), true, `pk${uid++}_${name}`));
    this.register(name, v, entry);
    return this;
  }

  private checkNew(name: string, shape: readonly number[], layout: ParamLayout | undefined): void {
    if (typeof name !== 'string' || name.length === 0)
      throw new PaperkitInputError('name', name, 'a non-empty string');
    if (this.vars.has(name)) throw new PaperkitInputError('name', name, 'a name not already in the map');
    if (layout) {
      for (const key of ['outAxis', 'inAxis'] as const) {
        const ax = layout[key];
        if (!Number.isInteger(ax) || ax < 0 || ax >= shape.length)
          throw new PaperkitInputError(`${name}.layout.${key}`, ax, `an axis of the shape [${shape}]`);
      }
    }
  }

  private register(
    name: string,
    v: tf.Variable,
    meta: { role?: ParamRole; layout?: ParamLayout; group?: string },
  ): void {
    this.vars.set(name, v);
    this.infos.set(name, {
      role: meta.role ?? 'other',
      shape: [...v.shape],
      ...(meta.layout ? { layout: meta.layout } : {}),
      ...(meta.group !== undefined ? { group: meta.group } : {}),
    });
  }

  /** Parameter names in insertion order. */
  names(): string[] {
    return [...this.vars.keys()];
  }

  /** Number of parameters (tensors). */
  get count(): number {
    return this.vars.size;
  }

  /** Total number of scalar entries. */
  get size(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  /** Whether a parameter exists. */
  has(name: string): boolean {
    return this.vars.has(name);
  }

  /** The variable for `name`; throws naming the known parameters when absent. */
  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new PaperkitInputError('name', name, `one of the parameters ${this.names().join(', ')}`);
    return v;
  }

  /** Metadata of `name`. */
  info(name: string): ParamInfo {
    const i = this.infos.get(name);
    if (!i) throw new PaperkitInputError('name', name, `one of the parameters ${this.names().join(', ')}`);
    return i;
  }

  /** Name → variable, for model functions and optimizers. */
  tensors(): Record<string, tf.Variable> {
    return Object.fromEntries(this.vars);
  }

  /** All variables in insertion order. */
  variables(): tf.Variable[] {
    return [...this.vars.values()];
  }

  /** Layout of the flat vector. */
  slots(): FlatSlot[] {
    const out: FlatSlot[] = [];
    let offset = 0;
    for (const [name, v] of this.vars) {
      out.push({ name, offset, size: v.size, shape: [...v.shape] });
      offset += v.size;
    }
    return out;
  }

  /** All parameters concatenated into one float32 vector tensor (insertion order, row-major). */
  flattenTensor(): tf.Tensor1D {
    return tf.tidy(
      () =>
        tf.concat(
          this.variables().map((v) => tf.reshape(v, [-1])),
          0,
        ) as tf.Tensor1D,
    );
  }

  /** All parameters as one host Float32Array (bit-exact copy of the variables). */
  async flatten(): Promise<Float32Array> {
    const t = this.flattenTensor();
    try {
      return (await t.data()) as Float32Array;
    } finally {
      t.dispose();
    }
  }

  /** Writes a flat vector (host array or 1-D tensor of length {@link size}) back into the variables. */
  unflatten(vector: Float32Array | Float64Array | tf.Tensor): void {
    this.assertAlive();
    const n = this.size;
    const len = vector instanceof tf.Tensor ? vector.size : vector.length;
    if (len !== n) throw new PaperkitInputError('vector', vector, `length ${n} (the parameter count)`);
    tf.tidy(() => {
      const flat =
        vector instanceof tf.Tensor ? tf.reshape(vector, [-1]) : tf.tensor1d(Float32Array.from(vector));
      for (const s of this.slots()) {
        this.vars.get(s.name)!.assign(tf.reshape(tf.slice(flat, s.offset, s.size), s.shape as number[]));
      }
    });
  }

  /** Copies values into the named variables (shapes must match). */
  assign(values: Record<string, tf.Tensor>): void {
    this.assertAlive();
    tf.tidy(() => {
      for (const [name, t] of Object.entries(values)) {
        const v = this.get(name);
        if (!tf.util.arraysEqual(v.shape, t.shape))
          throw new PaperkitInputError(`values.${name}`, t, `a tensor of shape [${v.shape}]`);
        v.assign(tf.cast(t, 'float32'));
      }
    });
  }

  /** An independent deep copy (new variables, same names, roles and layouts). */
  clone(): ParamMap {
    const m = new ParamMap();
    for (const [name, v] of this.vars) {
      const info = this.infos.get(name)!;
      m.add(name, {
        value: v,
        role: info.role,
        ...(info.layout ? { layout: info.layout } : {}),
        ...(info.group !== undefined ? { group: info.group } : {}),
      });
    }
    return m;
  }

  /**
   * Host copies of every parameter, for checkpoints: plain data that `JSON.stringify` writes as is
   * (one synchronous read per parameter). {@link ParamMap.restore} loads it back bit-identically.
   */
  toJSON(): Record<string, SavedTensor> {
    this.assertAlive();
    const out: Record<string, SavedTensor> = {};
    for (const [name, v] of this.vars) out[name] = saveTensor(v);
    return out;
  }

  /**
   * Writes saved values (from {@link ParamMap.toJSON}) into the variables. Every name must be present
   * with its shape and finite values, and no other name may appear; nothing is written unless all of
   * it is valid.
   */
  restore(saved: Readonly<Record<string, SavedTensor>>): void {
    this.assertAlive();
    checkObject('saved', saved, 'a record of saved tensors from ParamMap.toJSON()');
    for (const name of Object.keys(saved))
      if (!this.vars.has(name))
        throw new PaperkitInputError(
          `saved.${name}`,
          name,
          `a parameter of this map (${this.names().join(', ')})`,
        );
    const checked = this.names().map((name) => {
      if (!(name in saved))
        throw new PaperkitInputError(`saved.${name}`, undefined, `the saved values of parameter ${name}`);
      return [name, checkSavedTensor(`saved.${name}`, saved[name], this.vars.get(name)!.shape)] as const;
    });
    tf.tidy(() => {
      for (const [name, s] of checked) this.vars.get(name)!.assign(tf.tensor(s.data, s.shape, 'float32'));
    });
  }

  /** Disposes every variable it owns (a map from {@link ParamMap.fromVariables} owns none). The map is unusable afterwards. */
  dispose(): void {
    if (this.disposed) return;
    if (this.owned) for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
    this.disposed = true;
  }

  private assertAlive(): void {
    if (this.disposed) throw new Error('ParamMap was disposed');
  }
}

/** Fan-in and fan-out of a parameter from its layout (product of receptive-field axes included). */
export function fans(info: ParamInfo): { fanIn: number; fanOut: number } {
  const shape = info.shape;
  if (!info.layout) {
    const n = shape.reduce((a, b) => a * b, 1);
    return { fanIn: n, fanOut: n };
  }
  const { outAxis, inAxis } = info.layout;
  let receptive = 1;
  shape.forEach((d, i) => {
    if (i !== outAxis && i !== inAxis) receptive *= d;
  });
  return { fanIn: shape[inAxis]! * receptive, fanOut: shape[outAxis]! * receptive };
}
