import { checkObject, PaperkitInputError } from '@paperkit/tensor-core';
import {
  type ConstraintKind,
  DenseMultiplier,
  type ExplicitMultiplierType,
  ImplicitMultiplier,
  IndexedMultiplier,
} from './multipliers.js';
import { PenaltyCoefficient } from './penalty.js';

/** How a constraint enters the Lagrangian (Cooper's formulations). */
export type Formulation = 'lagrangian' | 'augmentedLagrangian' | 'quadraticPenalty';

/**
 * A constraint solved through its Lagrangian: primal term λ̄ᵀg̃(x), dual term λᵀḡ (bar = stop-gradient).
 * Takes an explicit (dense/indexed) multiplier or an implicit one of the same kind.
 */
export interface LagrangianConstraintConfig<K extends ConstraintKind> {
  readonly kind: K;
  readonly formulation: 'lagrangian';
  readonly multiplier: ExplicitMultiplierType | ImplicitMultiplier<K>;
  readonly penalty?: never;
}

/**
 * Augmented Lagrangian: primal term (1/2c)[relu(λ̄ + c·g̃)² − λ̄²] for inequalities (finite as c → 0⁺,
 * where it tends to λ̄g̃: Cooper issue #106 produced NaN at c = 0) and λ̄h̃ + (c/2)h̃² for equalities.
 */
export interface AugmentedLagrangianConstraintConfig<K extends ConstraintKind> {
  readonly kind: K;
  readonly formulation: 'augmentedLagrangian';
  readonly multiplier: ExplicitMultiplierType;
  readonly penalty: PenaltyCoefficient;
  /**
   * What the dual optimizer receives as its error. `violation` (default) is Cooper v1.0's code: the
   * plain strict violation ḡ, whatever c is. `penaltyScaled` feeds c⊙ḡ, which with gradient ascent of
   * step 1 and the `primalDual` order is the textbook method of multipliers λ ← [λ + c·g(x_{t+1})]₊
   * (Cooper's docs describe this scaling but its code does not apply it).
   */
  readonly dualError?: 'violation' | 'penaltyScaled';
}

/** Quadratic penalty ½c·relu(g̃)² (inequality) or ½c·h̃² (equality); no multiplier, no dual step. */
export interface QuadraticPenaltyConstraintConfig<K extends ConstraintKind> {
  readonly kind: K;
  readonly formulation: 'quadraticPenalty';
  readonly penalty: PenaltyCoefficient;
  readonly multiplier?: never;
}

/**
 * Every valid constraint configuration: a discriminated union on `kind` × `formulation`, so giving a
 * quadratic-penalty constraint a multiplier, a Lagrangian constraint a penalty, an augmented Lagrangian
 * an implicit multiplier, or an equality constraint an inequality (projected) implicit multiplier is a
 * compile-time error (Cooper raises these at run time).
 */
export type ConstraintConfig = {
  [K in ConstraintKind]:
    | LagrangianConstraintConfig<K>
    | AugmentedLagrangianConstraintConfig<K>
    | QuadraticPenaltyConstraintConfig<K>;
}[ConstraintKind];

declare const validated: unique symbol;

/** A validated constraint: its configuration, frozen, with a brand that only {@link defineConstraint} sets. */
export type Constraint<C extends ConstraintConfig = ConstraintConfig> = Readonly<C> & {
  readonly [validated]: true;
};

const registry = new WeakSet<object>();
const owners = new WeakMap<object, object>();

/** Whether `c` came from {@link defineConstraint}. */
export function isConstraint(c: unknown): c is Constraint {
  return typeof c === 'object' && c !== null && registry.has(c);
}

/**
 * Declares one constraint family g(x) ≤ 0 (`inequality`) or h(x) = 0 (`equality`), Cooper's
 * "less-or-equal zero" convention: pass c(x) ≥ ε as g = ε − c(x). Checks at run time what the types
 * check at compile time, plus value rules: inequality multipliers start ≥ 0, indexed penalties match
 * their multiplier's size, and each multiplier belongs to one constraint only.
 */
export function defineConstraint<const C extends ConstraintConfig>(config: C): Constraint<C> {
  checkObject('config', config, 'an object { kind, formulation, multiplier?, penalty? }');
  const { kind, formulation } = config;
  if (kind !== 'inequality' && kind !== 'equality')
    throw new PaperkitInputError('kind', kind, '"inequality" or "equality"');
  const m = (config as { multiplier?: unknown }).multiplier;
  const p = (config as { penalty?: unknown }).penalty;
  const explicit = m instanceof DenseMultiplier || m instanceof IndexedMultiplier;
  if (formulation === 'lagrangian') {
    if (!explicit && !(m instanceof ImplicitMultiplier))
      throw new PaperkitInputError(
        'multiplier',
        m,
        'a dense, indexed or implicit multiplier (Lagrangian formulation)',
      );
    if (p !== undefined) throw new PaperkitInputError('penalty', p, 'absent for the Lagrangian formulation');
  } else if (formulation === 'augmentedLagrangian') {
    if (!explicit)
      throw new PaperkitInputError('multiplier', m, 'a dense or indexed multiplier (augmented Lagrangian)');
    if (!(p instanceof PenaltyCoefficient))
      throw new PaperkitInputError('penalty', p, 'a penalty coefficient (augmented Lagrangian)');
    const dualError = (config as { dualError?: unknown }).dualError ?? 'violation';
    if (dualError !== 'violation' && dualError !== 'penaltyScaled')
      throw new PaperkitInputError('dualError', dualError, '"violation" or "penaltyScaled"');
  } else if (formulation === 'quadraticPenalty') {
    if (m !== undefined)
      throw new PaperkitInputError(
        'multiplier',
        m,
        'absent: the quadratic penalty has no multiplier (no dual step)',
      );
    if (!(p instanceof PenaltyCoefficient))
      throw new PaperkitInputError('penalty', p, 'a penalty coefficient (quadratic penalty)');
  } else {
    throw new PaperkitInputError(
      'formulation',
      formulation,
      '"lagrangian", "augmentedLagrangian" or "quadraticPenalty"',
    );
  }
  if (m instanceof ImplicitMultiplier && m.kind !== kind)
    throw new PaperkitInputError('multiplier.kind', m.kind, `"${kind}" (the constraint's kind)`);
  if (explicit && kind === 'inequality') {
    const v = (m as ExplicitMultiplierType).value;
    for (let i = 0; i < v.length; i++)
      if (v[i]! < 0)
        throw new PaperkitInputError(`multiplier.init[${i}]`, v[i], 'a number >= 0 (inequality multiplier)');
  }
  if (
    p instanceof PenaltyCoefficient &&
    p.type === 'indexed' &&
    explicit &&
    p.size !== (m as ExplicitMultiplierType).size
  )
    throw new PaperkitInputError(
      'penalty',
      `${p.size} coefficients`,
      `${(m as ExplicitMultiplierType).size} (one per multiplier)`,
    );
  if (
    p instanceof PenaltyCoefficient &&
    p.type === 'indexed' &&
    explicit &&
    !(m instanceof IndexedMultiplier)
  )
    throw new PaperkitInputError('penalty', 'an indexed penalty', 'a dense penalty for a dense multiplier');
  const out = Object.freeze({ ...config }) as Constraint<C>;
  for (const owned of [m, p]) {
    if (owned === undefined) continue;
    if (owners.has(owned as object))
      throw new PaperkitInputError(
        owned === m ? 'multiplier' : 'penalty',
        'an object already used by another constraint',
        'a fresh object per constraint (state is per constraint)',
      );
  }
  for (const owned of [m, p]) if (owned !== undefined) owners.set(owned as object, out);
  registry.add(out);
  return out;
}
