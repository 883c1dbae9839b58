import { checkObject, PaperkitInputError } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { Constraint } from '../constraints/constraint.js';
import { ImplicitMultiplier, IndexedMultiplier } from '../constraints/multipliers.js';
import type { ConstraintState, LinearViolation, ProblemState } from '../constraints/problem.js';
import { checkLinear, checkPerExampleValues, linearViolation } from './per-example.js';

/** One observed constraint family, validated against its constraint. */
export interface Observation {
  readonly name: string;
  readonly constraint: Constraint;
  readonly state: ConstraintState;
  /** g̃: `state.violation`, or its `linear` form as a tensor (built on first use, once). */
  readonly violation: () => tf.Tensor;
  /** The family's linear form over the state's per-example values, else null. */
  readonly linear: LinearViolation | null;
  /** Entries of `violation`. */
  readonly count: number;
  /** Enters the primal Lagrangian. */
  readonly primal: boolean;
  /** Drives the dual step (only formulations with a multiplier). */
  readonly dual: boolean;
  /** Indices of the strict violation (indexed families), else null. */
  readonly strictIndices: Int32Array | null;
  /** Entries of the strict violation. */
  readonly strictCount: number;
}

function checkIndices(parameter: string, idx: unknown, size: number, length: number): Int32Array {
  if (!(idx instanceof Int32Array))
    throw new PaperkitInputError(parameter, idx, 'an Int32Array of constraint indices');
  if (idx.length !== length)
    throw new PaperkitInputError(parameter, idx, `${length} indices (one per violation entry)`);
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k]!;
    if (i < 0 || i >= size) throw new PaperkitInputError(`${parameter}[${k}]`, i, `an index in [0, ${size})`);
  }
  return idx;
}

function strictLength(parameter: string, s: ConstraintState['strictViolation']): number {
  if (typeof s === 'number') {
    if (!Number.isFinite(s)) throw new PaperkitInputError(parameter, s, 'a finite number');
    return 1;
  }
  if (s instanceof tf.Tensor) {
    if (s.rank > 1) throw new PaperkitInputError(parameter, s, 'a scalar or vector tensor');
    return s.size;
  }
  if (s !== null && typeof s === 'object' && typeof (s as ArrayLike<number>).length === 'number')
    return (s as ArrayLike<number>).length;
  throw new PaperkitInputError(parameter, s, 'a tensor, a number or an array of numbers');
}

/**
 * Validates a problem state against the problem's constraints and returns the observed families in
 * the problem's constraint order. Every rule names the field it checks (Cooper issue #70: strict
 * indices without a strict violation used to fail deep inside the dual step).
 */
export function observe(
  constraints: Readonly<Record<string, Constraint>>,
  state: ProblemState,
  where: string,
): Observation[] {
  if (
    state === null ||
    typeof state !== 'object' ||
    state.constraints === null ||
    typeof state.constraints !== 'object'
  )
    throw new PaperkitInputError(where, state, 'a ProblemState { loss?, constraints, misc? }');
  if (state.loss !== undefined && (!(state.loss instanceof tf.Tensor) || state.loss.size !== 1))
    throw new PaperkitInputError(`${where}.loss`, state.loss, 'a scalar tensor or absent');
  const per = state.perExample;
  let n = 0;
  if (per !== undefined) {
    checkObject(`${where}.perExample`, per, 'a PerExampleState { values, objective? }');
    n = checkPerExampleValues(`${where}.perExample.values`, per.values);
    const a = per.objective;
    if (a !== undefined && a !== 'mean' && !(a instanceof Float32Array && a.length === n))
      throw new PaperkitInputError(
        `${where}.perExample.objective`,
        a,
        `'mean', a Float32Array of ${n} weights, or absent`,
      );
    if (a !== undefined && state.loss !== undefined)
      throw new PaperkitInputError(
        `${where}.loss`,
        state.loss,
        'absent when perExample.objective gives the objective',
      );
  }
  for (const name of Object.keys(state.constraints))
    if (!(name in constraints))
      throw new PaperkitInputError(
        `${where}.constraints`,
        name,
        `a declared constraint (${Object.keys(constraints).join(', ')})`,
      );
  const out: Observation[] = [];
  for (const [name, constraint] of Object.entries(constraints)) {
    const s = (state.constraints as Record<string, ConstraintState | undefined>)[name];
    if (s === undefined) continue;
    const at = `${where}.constraints.${name}`;
    checkObject(at, s, 'a ConstraintState');
    let count: number;
    let violation: () => tf.Tensor;
    const linear = s.linear;
    if (linear !== undefined) {
      if (s.violation !== undefined)
        throw new PaperkitInputError(`${at}.violation`, s.violation, 'absent when linear is given');
      if (per === undefined)
        throw new PaperkitInputError(
          `${where}.perExample`,
          per,
          `the per-example values that ${at}.linear maps (given whenever a family is linear)`,
        );
      count = checkLinear(`${at}.linear`, linear, n);
      let built: tf.Tensor | null = null;
      violation = () => {
        built ??= linearViolation(per.values, linear.matrix, linear.offsets);
        return built;
      };
    } else {
      const v = s.violation;
      if (!(v instanceof tf.Tensor) || v.rank > 1 || v.dtype !== 'float32')
        throw new PaperkitInputError(
          `${at}.violation`,
          v,
          'a float32 scalar or vector tensor (or give linear with perExample)',
        );
      count = v.size;
      violation = () => v;
    }
    for (const flag of ['contributesToPrimal', 'contributesToDual'] as const)
      if (s[flag] !== undefined && typeof s[flag] !== 'boolean')
        throw new PaperkitInputError(`${at}.${flag}`, s[flag], 'a boolean');
    if (s.strictIndices !== undefined && s.strictViolation === undefined)
      throw new PaperkitInputError(
        `${at}.strictViolation`,
        undefined,
        'given whenever strictIndices are given',
      );
    if (s.strictFeatures !== undefined && s.strictViolation === undefined)
      throw new PaperkitInputError(
        `${at}.strictViolation`,
        undefined,
        'given whenever strictFeatures are given',
      );
    const m = constraint.multiplier;
    const pen = constraint.penalty;
    const indexed = m instanceof IndexedMultiplier || (!m && pen?.type === 'indexed');
    const implicit = m instanceof ImplicitMultiplier;
    let strictIndices: Int32Array | null = null;
    let strictCount =
      s.strictViolation === undefined ? count : strictLength(`${at}.strictViolation`, s.strictViolation);
    if (indexed) {
      const size = m ? m.size : pen!.size;
      if (s.indices === undefined)
        throw new PaperkitInputError(
          `${at}.indices`,
          undefined,
          'an Int32Array (indexed multiplier or penalty)',
        );
      checkIndices(`${at}.indices`, s.indices, size, count);
      strictIndices =
        s.strictIndices !== undefined
          ? checkIndices(`${at}.strictIndices`, s.strictIndices, size, strictCount)
          : s.strictViolation !== undefined
            ? checkIndices(`${at}.indices`, s.indices, size, strictCount)
            : s.indices;
    } else {
      if (s.indices !== undefined || s.strictIndices !== undefined)
        throw new PaperkitInputError(
          `${at}.indices`,
          s.indices ?? s.strictIndices,
          'absent (only indexed multipliers and penalties take indices)',
        );
      if (implicit) {
        if (!(s.features instanceof tf.Tensor) || s.features.rank < 1 || s.features.shape[0] !== count)
          throw new PaperkitInputError(
            `${at}.features`,
            s.features,
            `a tensor with ${count} rows (implicit multiplier)`,
          );
        const sf = s.strictFeatures ?? s.features;
        if (!(sf instanceof tf.Tensor) || sf.rank < 1 || sf.shape[0] !== strictCount)
          throw new PaperkitInputError(
            `${at}.strictFeatures`,
            sf,
            `a tensor with ${strictCount} rows (one per strict violation)`,
          );
      } else {
        if (s.features !== undefined || s.strictFeatures !== undefined)
          throw new PaperkitInputError(
            `${at}.features`,
            s.features,
            'absent (only implicit multipliers take features)',
          );
        const size = m ? m.size : pen!.size;
        // A dense family is measured whole; a shared scalar penalty accepts any length.
        if (m || size > 1) {
          if (count !== size)
            throw new PaperkitInputError(
              linear ? `${at}.linear.matrix` : `${at}.violation`,
              linear ? linear.matrix : s.violation,
              `${size} entries (one per constraint)`,
            );
          if (strictCount !== size)
            throw new PaperkitInputError(
              `${at}.strictViolation`,
              s.strictViolation,
              `${size} entries (one per constraint)`,
            );
        } else if (strictCount !== count)
          throw new PaperkitInputError(
            `${at}.strictViolation`,
            s.strictViolation,
            `${count} entries (as many as violation)`,
          );
        strictCount = m ? m.size : strictCount;
      }
    }
    const hasMultiplier = m !== undefined;
    out.push({
      name,
      constraint,
      state: s,
      violation,
      linear: linear ?? null,
      count,
      primal: s.contributesToPrimal ?? true,
      dual: hasMultiplier && (s.contributesToDual ?? true),
      strictIndices,
      strictCount,
    });
  }
  return out;
}

/** Sums the errors of repeated indices (the dual gradient of a multiplier observed twice), keeping first-seen order. */
export function coalesce(
  indices: Int32Array,
  values: Float64Array,
  scratch: Int32Array,
): { indices: Int32Array; values: Float64Array } {
  let unique = 0;
  const outIdx = new Int32Array(indices.length);
  const outVal = new Float64Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    const slot = scratch[i]!;
    if (slot === 0) {
      scratch[i] = unique + 1;
      outIdx[unique] = i;
      outVal[unique] = values[k]!;
      unique++;
    } else outVal[slot - 1]! += values[k]!;
  }
  for (let k = 0; k < unique; k++) scratch[outIdx[k]!] = 0;
  return unique === indices.length
    ? { indices: outIdx, values: outVal }
    : { indices: outIdx.slice(0, unique), values: outVal.slice(0, unique) };
}
