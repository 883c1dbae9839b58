import {
  checkFinite,
  checkInRange,
  checkInteger,
  checkNonNegative,
  PaperkitInputError,
} from '@paperkit/tensor-core';

/** Parameters of a Collective Risk Dilemma; every field optional, defaults from the reference code. */
export interface CrdParams {
  /** Endowment e (b in the CRD literature), > 0; default 1. */
  readonly e?: number;
  /** Risk r ∈ [0, 1]: probability that a failed group loses everything (expected loss r·e); default 0.4. */
  readonly r?: number;
  /** Cost of cooperating c ≥ 0 (a cooperator pays c·e); default 0.2. */
  readonly c?: number;
  /** Threshold fraction T ∈ (0, 1]: a group of size M needs ⌈T·M⌉ cooperators; default 0.5. */
  readonly threshold?: number;
}

const CRD_KEYS: readonly string[] = ['e', 'r', 'c', 'threshold'];

/**
 * The Collective Risk Dilemma of the paper (reference `game.py`). A group of size M succeeds when at
 * least K = ⌈T·M⌉ members cooperate. Expected payoffs over the risk lottery: a defector gets e on
 * success and e(1 − r) on failure; a cooperator gets that minus c·e.
 */
export class CRD {
  /** Endowment e. */
  readonly e: number;
  /** Risk r. */
  readonly r: number;
  /** Cooperation cost c. */
  readonly c: number;
  /** Threshold fraction T. */
  readonly t: number;

  constructor(params: CrdParams = {}) {
    if (params === null || typeof params !== 'object')
      throw new PaperkitInputError('params', params, 'an object');
    // An unknown key (e.g. `risk` for `r`) would silently run the default game.
    for (const key of Object.keys(params))
      if (!CRD_KEYS.includes(key))
        throw new PaperkitInputError(
          `params.${key}`,
          (params as Record<string, unknown>)[key],
          `absent: the options are ${CRD_KEYS.join(', ')}`,
        );
    this.e = checkFinite('e', params.e ?? 1);
    if (this.e <= 0) throw new PaperkitInputError('e', this.e, 'a finite number > 0');
    this.r = checkInRange('r', params.r ?? 0.4, 0, 1);
    this.c = checkNonNegative('c', params.c ?? 0.2);
    // T = 0 would make K = 0 and the pivot index K − 1 = −1 (Python silently reads pmf[−1]).
    this.t = checkInRange('threshold', params.threshold ?? 0.5, 0, 1, '(]');
  }

  /**
   * Cooperators a group of `groupSize` needs: ⌈T·M⌉ as the double expression `ceil(T*M)` of the
   * reference (JS and Python doubles agree).
   */
  required(groupSize: number): number {
    checkInteger('groupSize', groupSize, 1);
    return Math.ceil(this.t * groupSize);
  }

  /** Whether a group of `groupSize` with `cooperators` cooperators reaches the threshold. */
  succeeds(cooperators: number, groupSize: number): boolean {
    this.checkCount(cooperators, groupSize);
    return cooperators >= this.required(groupSize);
  }

  /** Expected payoff of a defector in a group with `cooperators` cooperators. */
  defectorPayoff(cooperators: number, groupSize: number): number {
    return this.succeeds(cooperators, groupSize) ? this.e : this.e * (1 - this.r);
  }

  /** Expected payoff of a cooperator; `cooperators` counts the cooperator itself. */
  cooperatorPayoff(cooperators: number, groupSize: number): number {
    if (cooperators < 1)
      throw new PaperkitInputError('cooperators', cooperators, 'at least 1 (the cooperator itself)');
    return this.defectorPayoff(cooperators, groupSize) - this.c * this.e;
  }

  private checkCount(cooperators: number, groupSize: number): void {
    checkInteger('groupSize', groupSize, 1);
    checkInteger('cooperators', cooperators, 0);
    if (cooperators > groupSize)
      throw new PaperkitInputError(
        'cooperators',
        cooperators,
        `an integer in [0, groupSize] = [0, ${groupSize}]`,
      );
  }
}

/** Throws unless `crd` is a {@link CRD} (build one with `new CRD({ r, c, threshold })`). */
export function checkCrd(parameter: string, crd: unknown): CRD {
  if (!(crd instanceof CRD))
    throw new PaperkitInputError(parameter, crd, 'a CRD (new CRD({ e, r, c, threshold }))');
  return crd;
}
