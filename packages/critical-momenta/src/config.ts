import {
  checkFinite,
  checkInRange,
  checkInteger,
  checkNonNegative,
  checkObject,
  checkOneOf,
  checkPositive,
  PaperkitInputError,
} from '@paperkit/tensor-core';

/**
 * `reference` reproduces the official `chandar-lab/CMOptimizer` code, quirks included (README
 * Fidelity, Q1–Q9); `clean` is the algorithm as the paper's equations read it.
 */
export type Compat = 'reference' | 'clean';

/**
 * The scalar π_t that ranks a step's momentum (or gradient) for the buffer.
 * - `sumOfTensorNorms`: Σ_ℓ ‖g^{(ℓ)}‖₂, the reference's `synced=True` default (Q5), shared by every tensor.
 * - `globalNorm`: ‖g‖₂ over all tensors together, also shared.
 * - `perTensor`: ‖g^{(ℓ)}‖₂ per tensor, the reference's `synced=False`.
 */
export type Priority = 'sumOfTensorNorms' | 'globalNorm' | 'perTensor';

/**
 * How the buffer's sum S is kept: `running` updates it on each insertion (S ← S − b_j + m, the
 * reference, which accumulates float rounding: Q7); `recompute` sums the stored values every step.
 */
export type BufferSum = 'running' | 'recompute';

/** Settings shared by {@link AdamCM} and {@link AdamCG} (and their Float64 twins). */
export interface CriticalBufferConfig {
  /** `reference` (default) or `clean`; see {@link Compat}. */
  readonly compat?: Compat;
  /** β₁ in [0, 1); default 0.9. */
  readonly beta1?: number;
  /** β₂ in [0, 1); default 0.999. */
  readonly beta2?: number;
  /** ε outside the square root; default 1e-8. */
  readonly eps?: number;
  /** Buffer capacity C (integer ≥ 0; ≥ 1 in reference mode). */
  readonly topC?: number;
  /** Priority decay λ in (0, 1), applied to every key after each step; default 0.7. */
  readonly decay?: number;
  /**
   * Weight of the buffer mean in the aggregate. The reference only tests `kappa > 0` (its value is
   * otherwise ignored) and crashes at 0 (Q2), so reference mode requires kappa > 0; in clean mode it
   * multiplies the buffer term and 0 disables the buffer.
   */
  readonly kappa?: number;
  /** Weight decay coefficient (decoupled for AdamCM, coupled L2 for AdamCG, as in the reference: Q9). */
  readonly weightDecay?: number;
  /** AMSGrad: running maximum of v (PyTorch order). */
  readonly amsgrad?: boolean;
  /**
   * Probability in [0, 1] that a full buffer takes an unconditional FIFO-style insertion instead of the
   * priority test (reference `critical_test`, default 0). Draws come from a seeded stream.
   */
  readonly criticalTest?: number;
  /** Seed of the `criticalTest` stream (safe integer); default 0. */
  readonly seed?: number;
  /** Priority scalar; default `sumOfTensorNorms`. */
  readonly priority?: Priority;
  /** How S is maintained; default `running` in reference mode and `recompute` in clean mode. */
  readonly bufferSum?: BufferSum;
}

/** The validated, defaulted form of {@link CriticalBufferConfig}. */
export interface ResolvedBufferConfig {
  readonly compat: Compat;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly topC: number;
  readonly decay: number;
  readonly kappa: number;
  readonly weightDecay: number;
  readonly amsgrad: boolean;
  readonly criticalTest: number;
  readonly seed: number;
  readonly priority: Priority;
  readonly bufferSum: BufferSum;
}

/** Largest buffer capacity C accepted: every slot is a copy of the parameters. */
export const MAX_TOP_C = 1000;

/** Allowed values of {@link Compat}. */
export const COMPAT_MODES: readonly Compat[] = ['reference', 'clean'];
/** Allowed values of {@link Priority}. */
export const PRIORITY_MODES: readonly Priority[] = ['sumOfTensorNorms', 'globalNorm', 'perTensor'];
/** Allowed values of {@link BufferSum}. */
export const BUFFER_SUM_MODES: readonly BufferSum[] = ['running', 'recompute'];

/**
 * Validates and defaults the buffer settings. `defaultTopC` differs between the methods (5 for
 * `Adam_CM`, 10 for `Adam_C`). Reference mode rejects the settings on which the official code crashes
 * (Q2, Q3) with an error that points to clean mode.
 */
export function resolveBufferConfig(
  config: CriticalBufferConfig,
  defaultTopC: number,
  who: string,
): ResolvedBufferConfig {
  checkObject('config', config, 'an object');
  const compat = checkOneOf('compat', config.compat ?? 'reference', COMPAT_MODES);
  const topC = checkInteger('topC', config.topC ?? defaultTopC, 0);
  if (topC > MAX_TOP_C)
    throw new PaperkitInputError(
      'topC',
      topC,
      `an integer <= ${MAX_TOP_C} (each slot holds a copy of the parameters: the state is (C + 3)·d floats; the reference's grid is 5–20)`,
    );
  const decay = checkInRange('decay', config.decay ?? 0.7, 0, 1, '()');
  const kappa = checkNonNegative('kappa', checkFinite('kappa', config.kappa ?? 1));
  if (compat === 'reference' && topC === 0)
    throw new PaperkitInputError(
      'topC',
      0,
      `an integer >= 1 in compat 'reference' (the official ${who} re-initialises its state on every call and then ` +
        "crashes when decaying the missing buffer, quirk Q3); use compat: 'clean' for a buffer-free run",
    );
  if (compat === 'reference' && kappa === 0)
    throw new PaperkitInputError(
      'kappa',
      0,
      `a number > 0 in compat 'reference' (the official ${who} never creates the buffer with kappa = 0 and ` +
        "crashes on its first step, quirk Q2); use compat: 'clean', where kappa = 0 disables the buffer",
    );
  const seed = config.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new PaperkitInputError('seed', seed, 'a safe integer');
  const bufferSum = checkOneOf(
    'bufferSum',
    config.bufferSum ?? (compat === 'reference' ? 'running' : 'recompute'),
    BUFFER_SUM_MODES,
  );
  const amsgrad = config.amsgrad ?? false;
  if (typeof amsgrad !== 'boolean') throw new PaperkitInputError('amsgrad', amsgrad, 'true or false');
  return {
    compat,
    beta1: checkInRange('beta1', config.beta1 ?? 0.9, 0, 1, '[)'),
    beta2: checkInRange('beta2', config.beta2 ?? 0.999, 0, 1, '[)'),
    eps: checkPositive('eps', config.eps ?? 1e-8),
    topC,
    decay,
    kappa,
    weightDecay: checkNonNegative('weightDecay', config.weightDecay ?? 0),
    amsgrad,
    criticalTest: checkInRange('criticalTest', config.criticalTest ?? 0, 0, 1, '[]'),
    seed,
    priority: checkOneOf('priority', config.priority ?? 'sumOfTensorNorms', PRIORITY_MODES),
    bufferSum,
  };
}

/** Whether the buffer takes part at all (clean mode with C = 0 or κ = 0 is buffer-free). */
export function bufferActive(c: ResolvedBufferConfig): boolean {
  return c.topC > 0 && c.kappa > 0;
}
