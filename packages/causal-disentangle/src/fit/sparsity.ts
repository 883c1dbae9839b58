import { type DualOptimizer, GradientAscent, NuPI, UPDATE_ORDERS, type UpdateOrder } from '@paperkit/nupi';
import {
  checkInteger,
  checkNonNegative,
  checkOneOf,
  checkPositive,
  PaperkitInputError,
} from '@paperkit/tensor-core';

/**
 * How sparsity is imposed on the learned masks (the reference's `optimization.py`):
 * - `none`: no regulariser (with learned masks this is not the paper's baseline; the "unregularised"
 *   baseline freezes the masks at all-ones, `masks: { action: 'ones' }`);
 * - `penalty`: add c·R/d_x to the loss per graph, R = Σ σ(log α) (`--gc_reg_coeff`, `--g_reg_coeff`);
 * - `constraint`: min ℓ s.t. R ≤ b_t per graph, solved as the Lagrangian game min_θ max_{λ≥0}
 *   ℓ + λ(R − b_t) on nupi (`--gc_constraint`, `--g_constraint`), with b_t annealed linearly from
 *   the number of possible edges down to b.
 */
export type SparsityOptions = NoSparsity | PenaltyOptions | ConstraintOptions;

/** No sparsity term. */
export interface NoSparsity {
  readonly kind: 'none';
}

/** Penalty coefficients c ≥ 0 per graph (the loss gains c·R/d_x). */
export interface PenaltyOptions {
  readonly kind: 'penalty';
  readonly action?: number;
  readonly temporal?: number;
}

/** The dual update of the constraint. */
export interface DualOptions {
  /**
   * `gradientAscent` (default, the reference's dual SGD): λ ← [λ + η_d(R − b_t)]₊. `nupi`: the νPI
   * controller of Sohrabi et al. (2024) with κ_i = η_d, κ_p = `kp` and EMA `nu`, which damps the
   * oscillation of λ around the bound.
   */
  readonly method?: 'gradientAscent' | 'nupi';
  /** η_d; default the primal learning rate (the reference: `lr_dual = lr`). */
  readonly lr?: number;
  /** νPI proportional gain κ_p (`nupi` only); default 0. */
  readonly kp?: number;
  /** νPI EMA coefficient ν ∈ (−1, 1) (`nupi` only); default 0. */
  readonly nu?: number;
}

/** The sparsity constraint ‖Ĝ‖₀ ≤ b (in expectation: R = Σ σ(log α) ≤ b_t). */
export interface ConstraintOptions {
  readonly kind: 'constraint';
  /** Bound b ≥ 0 on the action graph's expected edges (the reference's `--gc_constraint`). */
  readonly action?: number;
  /** Bound b ≥ 0 on the temporal graph's expected edges (`--g_constraint`). */
  readonly temporal?: number;
  /**
   * Steps over which b_t decreases linearly from max_edges (d_z·d_a or d_z²) to b; 0 for a fixed
   * bound. Default 150 000 (the reference's `--constraint_schedule`), capped at the number of steps.
   */
  readonly annealSteps?: number;
  /**
   * Steps during which the bound stays at max_edges before the annealing starts (the reference's
   * `no_update_period`, tied there to `--frozen_masks_period`); default 0.
   */
  readonly holdSteps?: number;
  /**
   * Keep the mask logits frozen (and λ at 0) during the `holdSteps`, as the reference's
   * `--frozen_masks_period` does over its `no_update_period`; default false (the masks learn from the
   * first step while the bound is slack).
   */
  readonly freezeMasksDuringHold?: boolean;
  /** The dual update; default gradient ascent at the primal learning rate. */
  readonly dual?: DualOptions;
  /**
   * Dual restarts (Cooper's `dual_restarts`, on in the reference's runs): whenever R ≤ b_t, set λ = 0
   * and reset the dual optimizer's state. Default true.
   */
  readonly restarts?: boolean;
  /** Order of primal and dual updates; default `simultaneous` (the reference's Cooper version). */
  readonly order?: UpdateOrder;
}

/** The annealing length of the reference's constrained runs. */
export const REFERENCE_ANNEAL_STEPS = 150_000;

/**
 * The annealed bound (the reference's `CustomCMP.update_constraint`): max_edges for the first H
 * `holdSteps`, then b_t = max_edges − (max_edges − b)·(t − H)/T over T `annealSteps`, then b; T = 0
 * gives b right after the hold. (The reference computes the ramp from t/T rather than (t − H)/T, so
 * with a hold its ramp starts part-way down; it only uses a hold together with frozen masks.)
 */
export function annealedBound(
  step: number,
  maxEdges: number,
  bound: number,
  annealSteps: number,
  holdSteps = 0,
): number {
  checkInteger('step', step, 0);
  checkNonNegative('maxEdges', maxEdges);
  checkNonNegative('bound', bound);
  checkInteger('annealSteps', annealSteps, 0);
  checkInteger('holdSteps', holdSteps, 0);
  if (step < holdSteps) return Math.max(maxEdges, bound);
  const t = step - holdSteps;
  if (annealSteps === 0 || t >= annealSteps) return bound;
  return maxEdges - ((maxEdges - bound) * t) / annealSteps;
}

/** Validated sparsity settings. */
export interface ResolvedSparsity {
  readonly kind: 'none' | 'penalty' | 'constraint';
  /** Penalty coefficients or bounds per graph (absent graphs are unconstrained/unpenalised). */
  readonly action: number | null;
  readonly temporal: number | null;
  readonly annealSteps: number;
  readonly holdSteps: number;
  readonly freezeMasksDuringHold: boolean;
  readonly restarts: boolean;
  readonly order: UpdateOrder;
  readonly dual: {
    readonly method: 'gradientAscent' | 'nupi';
    readonly lr: number;
    readonly kp: number;
    readonly nu: number;
  };
}

/** Validates sparsity options against the graphs whose masks are learned. */
export function resolveSparsity(
  options: SparsityOptions,
  learned: { action: boolean; temporal: boolean },
  lr: number,
  steps: number,
): ResolvedSparsity {
  if (options === null || typeof options !== 'object')
    throw new PaperkitInputError(
      'sparsity',
      options,
      'an object { kind: "none" | "penalty" | "constraint", … }',
    );
  const kind = checkOneOf('sparsity.kind', options.kind, ['none', 'penalty', 'constraint'] as const);
  const value = (g: 'action' | 'temporal'): number | null => {
    if (kind === 'none') return null;
    const v = (options as PenaltyOptions | ConstraintOptions)[g];
    if (v === undefined) return null;
    const name = kind === 'penalty' ? 'coefficient' : 'bound';
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new PaperkitInputError(`sparsity.${g}`, v, `a ${name} >= 0 (a finite number)`);
    if (!learned[g])
      throw new PaperkitInputError(
        `sparsity.${g}`,
        v,
        `absent: the ${g} mask is not learned (frozen or fixed)`,
      );
    return v;
  };
  const action = value('action');
  const temporal = value('temporal');
  if (kind !== 'none' && action === null && temporal === null)
    throw new PaperkitInputError(
      'sparsity',
      options,
      `a ${kind} on the action graph, the temporal graph or both`,
    );
  const c = options as ConstraintOptions;
  const dual = c.dual ?? {};
  if (kind === 'constraint' && (dual === null || typeof dual !== 'object'))
    throw new PaperkitInputError('sparsity.dual', dual, 'an object { method?, lr?, kp?, nu? }');
  const method = checkOneOf('sparsity.dual.method', dual.method ?? 'gradientAscent', [
    'gradientAscent',
    'nupi',
  ] as const);
  if (method === 'gradientAscent' && (dual.kp !== undefined || dual.nu !== undefined))
    throw new PaperkitInputError('sparsity.dual.method', method, '"nupi" when kp or nu is given');
  const restarts = c.restarts ?? true;
  if (typeof restarts !== 'boolean') throw new PaperkitInputError('sparsity.restarts', restarts, 'a boolean');
  const freezeMasksDuringHold = c.freezeMasksDuringHold ?? false;
  if (typeof freezeMasksDuringHold !== 'boolean')
    throw new PaperkitInputError('sparsity.freezeMasksDuringHold', freezeMasksDuringHold, 'a boolean');
  return {
    kind,
    action,
    temporal,
    annealSteps: Math.min(
      checkInteger('sparsity.annealSteps', c.annealSteps ?? REFERENCE_ANNEAL_STEPS, 0),
      steps,
    ),
    holdSteps: checkInteger('sparsity.holdSteps', c.holdSteps ?? 0, 0),
    freezeMasksDuringHold: kind === 'constraint' && freezeMasksDuringHold,
    restarts,
    order: checkOneOf('sparsity.order', c.order ?? 'simultaneous', UPDATE_ORDERS),
    dual: {
      method,
      lr: checkPositive('sparsity.dual.lr', dual.lr ?? lr),
      kp: checkNonNegative('sparsity.dual.kp', dual.kp ?? 0),
      nu: dual.nu ?? 0,
    },
  };
}

/** A fresh dual optimizer for one constraint. */
export function makeDual(s: ResolvedSparsity): DualOptimizer {
  return s.dual.method === 'nupi'
    ? new NuPI({ lr: 1, ki: s.dual.lr, kp: s.dual.kp, nu: s.dual.nu })
    : new GradientAscent({ lr: s.dual.lr });
}
