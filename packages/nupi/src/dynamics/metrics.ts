import { checkNonNegative, PaperkitInputError } from '@paperkit/tensor-core';

/**
 * An array of numbers without NaN (a NaN has no sign and no order, so every count or maximum over it
 * would be silently wrong); ±Infinity is allowed (a diverged trajectory still has signs and a maximum).
 */
function checkArray(parameter: string, values: unknown, minLength = 0): ArrayLike<number> {
  if (
    values === null ||
    typeof values !== 'object' ||
    typeof (values as ArrayLike<number>).length !== 'number'
  )
    throw new PaperkitInputError(parameter, values, 'an array of numbers');
  const v = values as ArrayLike<number>;
  if (v.length < minLength)
    throw new PaperkitInputError(parameter, v, `an array of at least ${minLength} number(s)`);
  for (let i = 0; i < v.length; i++)
    if (typeof v[i] !== 'number' || Number.isNaN(v[i]))
      throw new PaperkitInputError(`${parameter}[${i}]`, v[i], 'a number (not NaN)');
  return v;
}

/**
 * Number of sign changes along a trajectory of violations.
 * - `deadband = 0` (default): numpy's `count_nonzero(diff(sign(v)))`, where 0 is a sign of its own;
 *   this is the convention of our numpy prototype's numbers, so a trajectory that lands exactly
 *   on 0 counts one change.
 * - `deadband = δ > 0`: counts crossings from above +δ to below −δ and back (hysteresis), ignoring the
 *   float noise around 0 after convergence. Use it for float32 tensor runs.
 */
export function signChanges(values: ArrayLike<number>, deadband = 0): number {
  checkArray('values', values);
  checkNonNegative('deadband', deadband);
  let count = 0;
  if (deadband === 0) {
    for (let t = 1; t < values.length; t++) if (Math.sign(values[t]!) !== Math.sign(values[t - 1]!)) count++;
    return count;
  }
  let side = 0;
  for (let t = 0; t < values.length; t++) {
    const v = values[t]!;
    const s = v > deadband ? 1 : v < -deadband ? -1 : 0;
    if (s !== 0) {
      if (side !== 0 && s !== side) count++;
      side = s;
    }
  }
  return count;
}

/**
 * The 0-based index t of the first update after which `distances[t] < tol` (distances measured after
 * update t), or null when it never happens. This is the "iterations until" of our prototype's tables: a
 * value of 241 means the tolerance first holds after 242 updates.
 */
export function iterationsToTolerance(distances: ArrayLike<number>, tol: number): number | null {
  checkArray('distances', distances);
  checkNonNegative('tol', tol);
  for (let t = 0; t < distances.length; t++) if (distances[t]! < tol) return t;
  return null;
}

/** max over a non-empty trajectory. */
export function maxValue(values: ArrayLike<number>): number {
  checkArray('values', values, 1);
  let m = Number.NEGATIVE_INFINITY;
  for (let t = 0; t < values.length; t++) if (values[t]! > m) m = values[t]!;
  return m;
}

/** Relative overshoot max(values)/target − 1 (≤ 0 when the trajectory never exceeds the target). */
export function relativeOvershoot(values: ArrayLike<number>, target: number): number {
  if (!(Number.isFinite(target) && target !== 0))
    throw new PaperkitInputError('target', target, 'a finite non-zero number');
  return maxValue(values) / target - 1;
}
