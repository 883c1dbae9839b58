import { checkFinite, checkObject, PaperkitInputError } from '@paperkit/tensor-core';

/** Options of one dual step. */
export interface DualStepOptions {
  /**
   * The coordinates observed this step (unique, each in `[0, size)`), with `error[k]` belonging to
   * `observed[k]`. Absent means every coordinate is observed and `error` has one entry per coordinate.
   * Unobserved coordinates keep their multiplier and every buffer bit for bit (Cooper's sparse path).
   */
  readonly observed?: Int32Array;
  /**
   * Clamp the updated coordinates at 0 after the step: `true` for inequality multipliers λ ≥ 0, `false`
   * (default) for equality multipliers μ, which are never projected. Internal buffers (ξ, momentum) are
   * never projected either.
   */
  readonly nonNegative?: boolean;
}

/** Serialized state of a dual optimizer: JSON-safe and exact (float64 values round-trip through JSON). */
export interface DualOptimizerState {
  /** Optimizer class name, checked on restore. */
  readonly optimizer: string;
  /** Number of coordinates, or null before the first step fixed it. */
  readonly size: number | null;
  /** Steps taken. */
  readonly steps: number;
  /** Per-coordinate buffers by name. */
  readonly buffers: Readonly<Record<string, readonly number[]>>;
}

/**
 * An update rule for a vector of Lagrange multipliers on plain `Float64Array`s. The dual "gradient"
 * ∂L/∂θ is the measured (strict) violation, so no autodiff is involved, and the
 * step *adds*: θ ← θ + Δ(error) (ascent on the Lagrangian, g ≤ 0 convention).
 */
export interface DualOptimizer {
  /** Class name, used in saved state. */
  readonly name: string;
  /** Number of coordinates, fixed by per-coordinate gains or by the first step; undefined before. */
  readonly size: number | undefined;
  /** Steps taken so far. */
  readonly steps: number;
  /** Updates `theta` in place from `error` (the violations of the observed coordinates). */
  step(theta: Float64Array, error: ArrayLike<number>, options?: DualStepOptions): void;
  /** Serializes every buffer; `setState` on a fresh instance with the same hyperparameters resumes exactly. */
  getState(): DualOptimizerState;
  /** Restores a state saved by the same class. */
  setState(state: DualOptimizerState): void;
  /** Validates a state as `setState` would, without applying it (optional; the built-in ones have it). */
  checkState?(state: DualOptimizerState): void;
  /** Forgets all buffers (and the size unless fixed by per-coordinate hyperparameters). */
  reset(): void;
}

/** A gain: one number for every coordinate, or one per coordinate. */
export type Gain = number | ArrayLike<number>;

/** Validates a gain and returns it as a number or a Float64Array copy. */
export function toGain(parameter: string, g: Gain): number | Float64Array {
  if (typeof g === 'number') return checkFinite(parameter, g);
  if (g === null || typeof g !== 'object' || typeof (g as ArrayLike<number>).length !== 'number')
    throw new PaperkitInputError(
      parameter,
      g,
      'a finite number or an array of finite numbers (one per coordinate)',
    );
  if (g.length === 0)
    throw new PaperkitInputError(parameter, g, 'a non-empty array (one gain per coordinate)');
  const out = Float64Array.from(g);
  for (let i = 0; i < out.length; i++) checkFinite(`${parameter}[${i}]`, out[i]!);
  return out;
}

/** Expands a validated gain to `size` coordinates. */
export function expandGain(g: number | Float64Array, size: number): Float64Array {
  return typeof g === 'number' ? new Float64Array(size).fill(g) : g;
}

/**
 * Shared plumbing of the dual optimizers: size fixing, argument validation (lengths, index range and
 * uniqueness, finite errors), buffer allocation and exact serialization. Subclasses implement
 * {@link DualOptimizerBase.apply} as one loop over the observed coordinates.
 */
export abstract class DualOptimizerBase implements DualOptimizer {
  abstract readonly name: string;
  private fixedSize: number | undefined;
  private sized: number | undefined;
  private t = 0;
  /** Per-coordinate buffers, allocated at the first step. */
  protected buffers = new Map<string, Float64Array>();
  private ready = false;
  private stamp: Int32Array | undefined;
  private stampGen = 0;

  /** @param fixedSize the size implied by per-coordinate hyperparameters, if any. */
  protected constructor(fixedSize?: number) {
    this.fixedSize = fixedSize;
    this.sized = fixedSize;
  }

  get size(): number | undefined {
    return this.sized;
  }

  get steps(): number {
    return this.t;
  }

  /** Names of the per-coordinate buffers this optimizer keeps (allocated zero-filled). */
  protected abstract bufferNames(): readonly string[];

  /** Called once when the size becomes known, e.g. to expand scalar gains. */
  protected onSized(_size: number): void {}

  /**
   * The update: for each k < count, coordinate `i = observed ? observed[k] : k` with error `error[k]`.
   * `theta` has been validated to length `size`.
   */
  protected abstract apply(
    theta: Float64Array,
    error: ArrayLike<number>,
    observed: Int32Array | null,
    count: number,
    nonNegative: boolean,
  ): void;

  step(theta: Float64Array, error: ArrayLike<number>, options: DualStepOptions = {}): void {
    if (!(theta instanceof Float64Array))
      throw new PaperkitInputError('theta', theta, 'a Float64Array of multipliers');
    if (error === null || typeof error !== 'object' || typeof error.length !== 'number')
      throw new PaperkitInputError('error', error, 'an array of violations');
    checkObject('options', options, 'an object { observed?, nonNegative? }');
    this.ensureSize(theta.length);
    const observed = options.observed ?? null;
    const nonNegative = options.nonNegative ?? false;
    if (typeof nonNegative !== 'boolean')
      throw new PaperkitInputError('nonNegative', nonNegative, 'a boolean');
    const count = observed ? observed.length : theta.length;
    if (observed) this.checkObserved(observed);
    if (error.length !== count)
      throw new PaperkitInputError(
        'error',
        error,
        observed
          ? `one violation per observed index (length ${count})`
          : `one violation per multiplier (length ${count})`,
      );
    for (let k = 0; k < count; k++) {
      const e = error[k]!;
      if (typeof e !== 'number' || !Number.isFinite(e))
        throw new PaperkitInputError(
          `error[${k}]`,
          e,
          'a finite number (a NaN/∞ violation means the primal diverged)',
        );
    }
    this.apply(theta, error, observed, count, nonNegative);
    this.t++;
  }

  private ensureSize(n: number): void {
    if (this.sized === undefined) {
      if (n === 0) throw new PaperkitInputError('theta', n, 'a non-empty Float64Array');
      this.sized = n;
    } else if (n !== this.sized) {
      const why =
        this.fixedSize !== undefined
          ? 'fixed by the per-coordinate hyperparameters'
          : 'fixed by the first step';
      throw new PaperkitInputError('theta', `length ${n}`, `a Float64Array of length ${this.sized} (${why})`);
    }
    if (!this.ready) {
      for (const b of this.bufferNames()) this.buffers.set(b, new Float64Array(this.sized));
      this.onSized(this.sized);
      this.ready = true;
    }
  }

  private checkObserved(observed: Int32Array): void {
    if (!(observed instanceof Int32Array))
      throw new PaperkitInputError('observed', observed, 'an Int32Array of coordinate indices');
    const size = this.sized!;
    if (this.stamp === undefined || this.stamp.length !== size) this.stamp = new Int32Array(size);
    // Generation stamps make the uniqueness check O(k) without clearing an O(m) mask per step.
    if (++this.stampGen === 0x7fffffff) {
      this.stamp.fill(0);
      this.stampGen = 1;
    }
    const gen = this.stampGen;
    for (let k = 0; k < observed.length; k++) {
      const i = observed[k]!;
      if (i < 0 || i >= size) throw new PaperkitInputError(`observed[${k}]`, i, `an index in [0, ${size})`);
      if (this.stamp[i] === gen)
        throw new PaperkitInputError(
          `observed[${k}]`,
          i,
          'a unique index (sum the errors of repeated indices first)',
        );
      this.stamp[i] = gen;
    }
  }

  /** The buffer `name`. */
  protected buf(name: string): Float64Array {
    return this.buffers.get(name)!;
  }

  getState(): DualOptimizerState {
    const buffers: Record<string, number[]> = {};
    for (const [k, v] of this.buffers) buffers[k] = Array.from(v);
    return { optimizer: this.name, size: this.sized ?? null, steps: this.t, buffers };
  }

  setState(state: DualOptimizerState): void {
    this.prepareState(state)();
  }

  /** Validates a state exactly as {@link DualOptimizerBase.setState} does, without applying it. */
  checkState(state: DualOptimizerState): void {
    this.prepareState(state);
  }

  /** Checks everything first (so a rejected state changes nothing), then returns the write. */
  private prepareState(state: DualOptimizerState): () => void {
    if (state === null || typeof state !== 'object' || state.optimizer !== this.name)
      throw new PaperkitInputError(
        'state.optimizer',
        state?.optimizer,
        `"${this.name}" (state saved by this class)`,
      );
    if (state.size !== null && (!Number.isSafeInteger(state.size) || state.size < 1))
      throw new PaperkitInputError('state.size', state.size, 'null or an integer >= 1');
    if (state.size !== null && this.fixedSize !== undefined && state.size !== this.fixedSize)
      throw new PaperkitInputError(
        'state.size',
        state.size,
        `${this.fixedSize} (the per-coordinate gain length)`,
      );
    if (!Number.isSafeInteger(state.steps) || state.steps < 0)
      throw new PaperkitInputError('state.steps', state.steps, 'an integer >= 0');
    const buffers = new Map<string, Float64Array>();
    if (state.size !== null) {
      checkObject('state.buffers', state.buffers, 'a record of buffers');
      for (const b of this.bufferNames()) {
        const saved = state.buffers[b];
        if (!Array.isArray(saved) || saved.length !== state.size)
          throw new PaperkitInputError(`state.buffers.${b}`, saved, `an array of ${state.size} numbers`);
        saved.forEach((x, i) => void checkFinite(`state.buffers.${b}[${i}]`, x));
        buffers.set(b, Float64Array.from(saved));
      }
    }
    return () => {
      this.buffers = buffers;
      this.stamp = undefined;
      this.ready = false;
      this.sized = state.size ?? this.fixedSize;
      this.t = state.steps;
      if (state.size !== null) {
        this.onSized(state.size);
        this.ready = true;
      }
    };
  }

  reset(): void {
    this.buffers = new Map();
    this.stamp = undefined;
    this.ready = false;
    this.sized = this.fixedSize;
    this.t = 0;
  }
}
