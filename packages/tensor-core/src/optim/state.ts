import * as tf from '@tensorflow/tfjs-core';
import { checkSavedTensor, type SavedTensor, saveTensor } from '../params/saved-tensor.js';
import { checkObject, describeValue, PaperkitInputError } from '../validate/errors.js';

/** A JSON value. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { readonly [key: string]: JsonValue };

/** One parameter's part of a saved transform state. */
export interface ParamStateJson {
  /** Tensor slots (same shape as the parameter), e.g. `m`, `v`. */
  readonly slots?: Readonly<Record<string, SavedTensor>>;
  /** Integer counters, e.g. Adam's per-parameter step count `t`. */
  readonly counters?: Readonly<Record<string, number>>;
}

/**
 * The saved state of one transform: its kind and options (checked on restore, so a state never loads
 * into a different chain), per-parameter slots and counters, transform-wide counters, host data the
 * transform validates itself, and the states of its sub-transforms by key. Plain JSON data.
 */
export interface TransformStateJson {
  readonly kind: string;
  readonly options?: JsonObject;
  readonly params?: Readonly<Record<string, ParamStateJson>>;
  readonly counters?: Readonly<Record<string, number>>;
  readonly data?: JsonValue;
  readonly children?: Readonly<Record<string, TransformStateJson>>;
}

/** What a restore checks slots against: the parameter shapes recorded with the state. */
export interface RestoreContext {
  readonly shapes: ReadonlyMap<string, readonly number[]>;
}

/**
 * How a slot changes under an orthogonal change of basis of the parameters (used by dynamic rotations
 * that re-project optimizer moments): `linear` slots (momenta) map exactly, `squared` slots (second
 * moments) by the squared change-of-basis matrices.
 */
export type SlotBasis = 'linear' | 'squared';

/** Anything with a kind and JSON options (a transform). */
export interface Described {
  readonly kind: string;
  readonly options?: JsonObject;
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function checkCounter(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw new PaperkitInputError(field, v, 'an integer >= 0');
  return v;
}

/**
 * The state of one transform, owned by the optimizer that runs it: per-parameter tensor slots
 * (created lazily, keyed by parameter *name*), per-parameter and transform-wide integer counters,
 * sub-states of wrapped transforms, and, in subclasses, host data with its own JSON form. Saving is
 * synchronous and gives plain data; restoring validates everything first and changes nothing when
 * any part is wrong.
 */
export class TransformState {
  /** Kind of the transform this state belongs to. */
  readonly kind: string;
  /** Options the transform was built with (compared on restore). */
  readonly options: JsonObject;
  /** The transform itself (to find a transform's state, see `Optimizer.stateOf`). */
  readonly owner: Described;
  private slotMap = new Map<string, Map<string, tf.Variable>>();
  private paramCounts = new Map<string, Map<string, number>>();
  private counts = new Map<string, number>();
  private readonly childMap = new Map<string, TransformState>();

  constructor(owner: Described) {
    this.owner = owner;
    this.kind = owner.kind;
    this.options = owner.options ?? {};
  }

  /** Slot `name` of parameter `param`, created zero-filled like `like` on first use. */
  slot(param: string, name: string, like: tf.Tensor): tf.Variable {
    let m = this.slotMap.get(param);
    if (!m) {
      m = new Map();
      this.slotMap.set(param, m);
    }
    let v = m.get(name);
    if (!v) {
      v = tf.tidy(() => tf.variable(tf.zerosLike(like), false));
      m.set(name, v);
    }
    return v;
  }

  /** Whether slot `name` of `param` exists yet (first-step special cases, e.g. PyTorch momentum). */
  hasSlot(param: string, name: string): boolean {
    return this.slotMap.get(param)?.has(name) ?? false;
  }

  /** Slot `name` of `param`, or undefined before it was created. */
  peekSlot(param: string, name: string): tf.Variable | undefined {
    return this.slotMap.get(param)?.get(name);
  }

  /** Every slot as `[param, name, variable]`. */
  slots(): [string, string, tf.Variable][] {
    const out: [string, string, tf.Variable][] = [];
    for (const [p, m] of this.slotMap) for (const [n, v] of m) out.push([p, n, v]);
    return out;
  }

  /** How slot `name` transforms under a change of basis; undefined slots are not re-projected. */
  slotBasis(_name: string): SlotBasis | undefined {
    return undefined;
  }

  /** Counter `name` of parameter `param` (0 before it was set). */
  paramCounter(param: string, name: string): number {
    return this.paramCounts.get(param)?.get(name) ?? 0;
  }

  /** Sets counter `name` of `param`. */
  setParamCounter(param: string, name: string, value: number): void {
    let m = this.paramCounts.get(param);
    if (!m) {
      m = new Map();
      this.paramCounts.set(param, m);
    }
    m.set(name, value);
  }

  /** Transform-wide counter `name` (0 before it was set). */
  counter(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  /** Sets a transform-wide counter. */
  setCounter(name: string, value: number): void {
    this.counts.set(name, value);
  }

  /** The state of the sub-transform stored under `key`. */
  child(key: string): TransformState {
    const c = this.childMap.get(key);
    if (!c) throw new Error(`internal: ${this.kind} has no child state '${key}'`);
    return c;
  }

  /** Registers the state of a sub-transform under `key`. */
  setChild(key: string, state: TransformState): void {
    this.childMap.set(key, state);
  }

  /** Sub-states by key. */
  children(): ReadonlyMap<string, TransformState> {
    return this.childMap;
  }

  /** Host data beyond slots and counters, as JSON (subclasses); undefined when there is none. */
  protected saveData(): JsonValue | undefined {
    return undefined;
  }

  /**
   * Validates saved host data and returns a function that installs it (subclasses). Must throw a
   * {@link PaperkitInputError} naming `field` (or a sub-field) and change nothing on bad data.
   */
  protected prepareData(data: unknown, field: string): () => void {
    if (data !== undefined)
      throw new PaperkitInputError(field, data, `absent (a "${this.kind}" transform keeps no host data)`);
    return () => {};
  }

  /** Extra checks of one saved slot's values (subclasses), e.g. second moments ≥ 0. */
  protected checkSlot(_name: string, _data: readonly number[], _field: string): void {}

  /** The state as plain JSON data (one synchronous read per slot). */
  save(): TransformStateJson {
    const params: Record<string, { slots?: Record<string, SavedTensor>; counters?: Record<string, number> }> =
      {};
    const entry = (p: string) => {
      params[p] ??= {};
      return params[p];
    };
    for (const [p, m] of this.slotMap) {
      const slots: Record<string, SavedTensor> = {};
      for (const [n, v] of m) slots[n] = saveTensor(v);
      entry(p).slots = slots;
    }
    for (const [p, m] of this.paramCounts) entry(p).counters = Object.fromEntries(m);
    const children: Record<string, TransformStateJson> = {};
    for (const [k, c] of this.childMap) children[k] = c.save();
    const data = this.saveData();
    return {
      kind: this.kind,
      ...(Object.keys(this.options).length > 0 ? { options: this.options } : {}),
      ...(Object.keys(params).length > 0 ? { params } : {}),
      ...(this.counts.size > 0 ? { counters: Object.fromEntries(this.counts) } : {}),
      ...(data !== undefined ? { data } : {}),
      ...(this.childMap.size > 0 ? { children } : {}),
    };
  }

  /**
   * Validates a saved state against this one (kind, options, parameter names and shapes, finite
   * values, integer counters, host data, sub-states) and returns a function that installs it. Nothing
   * changes until that function runs, so a rejected state leaves the optimizer as it was.
   */
  prepare(json: unknown, field: string, rc: RestoreContext): () => void {
    const s = checkObject<TransformStateJson>(field, json, `the saved state of a "${this.kind}" transform`);
    if (s.kind !== this.kind)
      throw new PaperkitInputError(
        `${field}.kind`,
        s.kind,
        `"${this.kind}" (the state must come from the same chain of transforms)`,
      );
    if (!jsonEqual(s.options ?? {}, this.options))
      throw new PaperkitInputError(
        `${field}.options`,
        s.options === undefined ? undefined : JSON.stringify(s.options),
        `${JSON.stringify(this.options)} (the options of this "${this.kind}" transform)`,
      );
    const slots = new Map<string, Map<string, SavedTensor>>();
    const paramCounts = new Map<string, Map<string, number>>();
    if (s.params !== undefined) {
      checkObject(`${field}.params`, s.params, 'a record of per-parameter states');
      for (const [p, ps] of Object.entries(s.params)) {
        const where = `${field}.params.${p}`;
        const shape = rc.shapes.get(p);
        if (shape === undefined)
          throw new PaperkitInputError(
            where,
            p,
            `a parameter listed in state.params (${[...rc.shapes.keys()].join(', ')})`,
          );
        checkObject(where, ps, 'an object { slots?, counters? }');
        if (ps.slots !== undefined) {
          checkObject(`${where}.slots`, ps.slots, 'a record of saved tensors');
          const m = new Map<string, SavedTensor>();
          for (const [n, t] of Object.entries(ps.slots)) {
            const saved = checkSavedTensor(`${where}.slots.${n}`, t, shape);
            this.checkSlot(n, saved.data, `${where}.slots.${n}`);
            m.set(n, saved);
          }
          slots.set(p, m);
        }
        if (ps.counters !== undefined) {
          checkObject(`${where}.counters`, ps.counters, 'a record of integer counters');
          const m = new Map<string, number>();
          for (const [n, c] of Object.entries(ps.counters))
            m.set(n, checkCounter(`${where}.counters.${n}`, c));
          paramCounts.set(p, m);
        }
      }
    }
    const counts = new Map<string, number>();
    if (s.counters !== undefined) {
      checkObject(`${field}.counters`, s.counters, 'a record of integer counters');
      for (const [n, c] of Object.entries(s.counters))
        counts.set(n, checkCounter(`${field}.counters.${n}`, c));
    }
    const commitData = this.prepareData(s.data, `${field}.data`);
    const saved = s.children ?? {};
    checkObject(`${field}.children`, saved, 'a record of sub-transform states');
    for (const k of Object.keys(saved))
      if (!this.childMap.has(k))
        throw new PaperkitInputError(
          `${field}.children.${k}`,
          describeValue(k),
          `absent: this "${this.kind}" has no stateful sub-transform "${k}" (it has ${
            [...this.childMap.keys()].join(', ') || 'none'
          }); the state comes from a different chain`,
        );
    const commits: (() => void)[] = [];
    for (const [k, c] of this.childMap) {
      if (!(k in saved))
        throw new PaperkitInputError(
          `${field}.children.${k}`,
          undefined,
          `the saved state of the "${c.kind}" sub-transform (the state comes from a different chain)`,
        );
      commits.push(c.prepare(saved[k], `${field}.children.${k}`, rc));
    }
    return () => {
      this.disposeSlots();
      for (const [p, m] of slots) {
        const vars = new Map<string, tf.Variable>();
        for (const [n, t] of m)
          vars.set(
            n,
            tf.tidy(() => tf.variable(tf.tensor(t.data, t.shape, 'float32'), false)),
          );
        this.slotMap.set(p, vars);
      }
      this.paramCounts = paramCounts;
      this.counts = counts;
      commitData();
      for (const c of commits) c();
    };
  }

  /** Frees every slot of this state and its sub-states. */
  dispose(): void {
    this.disposeSlots();
    for (const c of this.childMap.values()) c.dispose();
  }

  private disposeSlots(): void {
    for (const m of this.slotMap.values()) for (const v of m.values()) v.dispose();
    this.slotMap = new Map();
  }
}
