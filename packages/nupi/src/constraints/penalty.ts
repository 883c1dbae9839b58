import {
  checkAllFinite,
  checkNonNegative,
  checkObject,
  checkPositive,
  PaperkitInputError,
} from '@paperkit/tensor-core';
import type { ConstraintKind } from './multipliers.js';

/** Options of {@link penaltyCoefficient}. */
export interface PenaltyCoefficientOptions {
  /**
   * Look the coefficient up by the constraint state's indices (one coefficient per constraint of an
   * indexed family; Cooper's `IndexedPenaltyCoefficient`). Default false.
   */
  readonly indexed?: boolean;
}

/**
 * Penalty coefficients c ≥ 0 of the augmented-Lagrangian and quadratic-penalty formulations. A single
 * value is shared by every constraint of its family (and its updater then looks at the norm of the
 * violation vector, as Cooper does); a vector has one value per constraint.
 */
export class PenaltyCoefficient {
  /** `dense` (all constraints observed together) or `indexed`. */
  readonly type: 'dense' | 'indexed';
  /** Current values, updated in place by penalty updaters. */
  readonly value: Float64Array;
  /** Initial values (restarts return here). */
  readonly init: Float64Array;

  constructor(init: number | ArrayLike<number>, options: PenaltyCoefficientOptions = {}) {
    checkObject('options', options, 'an object { indexed? }');
    let v: Float64Array;
    if (typeof init === 'number') v = Float64Array.of(init);
    else if (init !== null && typeof init === 'object' && typeof init.length === 'number' && init.length > 0)
      v = Float64Array.from(init);
    else throw new PaperkitInputError('init', init, 'a number >= 0 or a non-empty array of numbers >= 0');
    checkAllFinite('init', v);
    for (let i = 0; i < v.length; i++)
      if (v[i]! < 0) throw new PaperkitInputError(`init[${i}]`, v[i], 'a finite number >= 0');
    this.type = options.indexed ? 'indexed' : 'dense';
    if (this.type === 'indexed' && v.length === 1 && typeof init === 'number')
      throw new PaperkitInputError('init', init, 'an array with one coefficient per constraint (indexed)');
    this.value = v;
    this.init = Float64Array.from(v);
  }

  /** Number of stored coefficients (1 when shared). */
  get size(): number {
    return this.value.length;
  }

  /** Resets to the initial values. */
  reset(): void {
    this.value.set(this.init);
  }
}

/** A penalty coefficient (shared scalar, per-constraint vector, or indexed vector). */
export function penaltyCoefficient(
  init: number | ArrayLike<number>,
  options?: PenaltyCoefficientOptions,
): PenaltyCoefficient {
  return new PenaltyCoefficient(init, options);
}

/**
 * Grows penalty coefficients where the strict violation exceeds a tolerance (Nocedal & Wright
 * Alg. 17.4; Cooper's feasibility-driven updaters). Inequality violations are relu'd first; with
 * `hasRestart`, a coefficient whose inequality is satisfied returns to its initial value.
 */
export abstract class PenaltyUpdater {
  /** Violations at or below this (absolute, or norm for a shared coefficient) do not grow c. */
  readonly violationTolerance: number;
  /** Reset to init on feasible inequalities. */
  readonly hasRestart: boolean;

  protected constructor(violationTolerance: number, hasRestart: boolean) {
    this.violationTolerance = checkNonNegative('violationTolerance', violationTolerance);
    if (typeof hasRestart !== 'boolean') throw new PaperkitInputError('hasRestart', hasRestart, 'a boolean');
    this.hasRestart = hasRestart;
  }

  /** The grown value of one coefficient. */
  protected abstract grow(c: number): number;

  /**
   * Updates `penalty` from the strict violations of one constraint family. `indices` locate the
   * entries of an indexed coefficient (unique; required for indexed coefficients).
   */
  update(
    penalty: PenaltyCoefficient,
    kind: ConstraintKind,
    strict: ArrayLike<number>,
    indices?: Int32Array,
  ): void {
    const measure = (v: number) => (kind === 'inequality' ? Math.max(0, v) : Math.abs(v));
    if (penalty.size === 1 && penalty.type === 'dense') {
      // A shared coefficient reacts to the norm of the whole (relu'd) violation vector, as in Cooper.
      let s = 0;
      for (let k = 0; k < strict.length; k++) s += measure(strict[k]!) ** 2;
      penalty.value[0] = this.next(penalty, 0, Math.sqrt(s), kind);
      return;
    }
    if (penalty.type === 'indexed') {
      if (!indices || indices.length !== strict.length)
        throw new PaperkitInputError(
          'indices',
          indices,
          `one index per violation (${strict.length}) for an indexed penalty`,
        );
      // New values are computed from the old ones before writing, so a repeated index is updated
      // once (the last write wins, like Cooper's indexed assignment).
      const next = Array.from(strict, (v, k) => this.next(penalty, indices[k]!, measure(v), kind));
      for (let k = 0; k < strict.length; k++) penalty.value[indices[k]!] = next[k]!;
      return;
    }
    if (strict.length !== penalty.size)
      throw new PaperkitInputError('strict', strict, `${penalty.size} violations (one per coefficient)`);
    for (let k = 0; k < strict.length; k++)
      penalty.value[k] = this.next(penalty, k, measure(strict[k]!), kind);
  }

  private next(penalty: PenaltyCoefficient, i: number, m: number, kind: ConstraintKind): number {
    if (this.hasRestart && kind === 'inequality' && m === 0) return penalty.init[i]!;
    return m > this.violationTolerance ? this.grow(penalty.value[i]!) : penalty.value[i]!;
  }
}

/** Options of {@link MultiplicativePenaltyUpdater}. */
export interface MultiplicativePenaltyUpdaterOptions {
  /** c ← c·growthFactor when violated beyond the tolerance; > 0, default 1.01. */
  readonly growthFactor?: number;
  /** Default 1e-4. */
  readonly violationTolerance?: number;
  /** Default true. */
  readonly hasRestart?: boolean;
}

/** c ← c·growthFactor where violated (Cooper's `MultiplicativePenaltyCoefficientUpdater`). */
export class MultiplicativePenaltyUpdater extends PenaltyUpdater {
  /** Growth factor. */
  readonly growthFactor: number;
  constructor(options: MultiplicativePenaltyUpdaterOptions = {}) {
    super(options.violationTolerance ?? 1e-4, options.hasRestart ?? true);
    this.growthFactor = checkPositive('growthFactor', options.growthFactor ?? 1.01);
  }
  protected grow(c: number): number {
    return c * this.growthFactor;
  }
}

/** Options of {@link AdditivePenaltyUpdater}. */
export interface AdditivePenaltyUpdaterOptions {
  /** c ← c + increment where violated; ≥ 0, default 1. */
  readonly increment?: number;
  /** Default 1e-4. */
  readonly violationTolerance?: number;
  /** Default true. */
  readonly hasRestart?: boolean;
}

/** c ← c + increment where violated (Cooper's `AdditivePenaltyCoefficientUpdater`). */
export class AdditivePenaltyUpdater extends PenaltyUpdater {
  /** Increment. */
  readonly increment: number;
  constructor(options: AdditivePenaltyUpdaterOptions = {}) {
    super(options.violationTolerance ?? 1e-4, options.hasRestart ?? true);
    this.increment = checkNonNegative('increment', options.increment ?? 1);
  }
  protected grow(c: number): number {
    return c + this.increment;
  }
}
