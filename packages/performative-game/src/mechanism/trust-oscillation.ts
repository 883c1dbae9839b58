import { checkInRange, checkOneOf, PaperkitInputError } from '@paperkit/tensor-core';
import { Population } from '../agents/population.js';
import { CRD } from '../game/crd.js';
import { chainGraph } from '../graph/graph.js';
import { type Designer, honestDesigner } from './designer.js';

/** Settings of the 3-node chain study (Fig. 6); defaults from `plot_trust_oscillation.py`. */
export interface ChainStudyOptions {
  /** Innate belief α; default 0.8. */
  readonly alpha?: number;
  /** Cost-to-risk ratio c/r ∈ (0, 1); default 0.6 (r = 0.5, c = 0.3). */
  readonly costRiskRatio?: number;
  /** Prior trust τ₀; default 0.5. */
  readonly priorTrust?: number;
}

/**
 * The 3-node chain 0–1–2 with T = 2/3: the end groups need both of their members, the centre group
 * 2 of 3. The ends cooperate iff τθ₁ + (1 − τ)α > c/r; the centre iff
 * τ[θ₀(1 − θ₂) + θ₂(1 − θ₀)] + (1 − τ)·2α(1 − α) > c/r, so with α = 0.8 and c/r = 0.6 it defects when
 * left alone (2α(1 − α) = 0.32).
 */
export function chainStudyPopulation(options: ChainStudyOptions = {}): Population {
  const alpha = checkInRange('alpha', options.alpha ?? 0.8, 0, 1);
  const cr = checkInRange('costRiskRatio', options.costRiskRatio ?? 0.6, 0, 1, '()');
  const r = 0.5;
  return new Population(chainGraph(3), new CRD({ e: 1, r, c: cr * r, threshold: 2 / 3 }), {
    alpha,
    priorTrust: options.priorTrust ?? 0.5,
  });
}

/** The policies of Fig. 6. */
export type OscillationPolicy = 'med' | 'low' | 'honest';

/** Every {@link OscillationPolicy}. */
export const OSCILLATION_POLICIES: readonly OscillationPolicy[] = ['med', 'low', 'honest'];

/** Margin the reference subtracts/adds so the targeted agent strictly prefers cooperating. */
const MARGIN = 0.01;

/**
 * Largest θ₂ that still makes the centre cooperate when θ₀ = 1: spends as little of the centre's
 * trust as possible on the lie (reference `get_optimal_theta2`).
 */
export function centreLieTheta(trustCentre: number, costRiskRatio: number, alpha: number): number {
  return 1 - (costRiskRatio - (1 - trustCentre) * (2 * alpha * (1 - alpha))) / trustCentre - MARGIN;
}

/** Smallest θ₁ that still makes both ends cooperate (reference `get_optimal_theta1`). */
export function endsBoostTheta(trustEnds: number, costRiskRatio: number, alpha: number): number {
  return MARGIN + (costRiskRatio - (1 - trustEnds) * alpha) / trustEnds;
}

/**
 * A designer for the 3-node chain that knows the agent model (reference `plot_trust_oscillation.py`):
 * - `med`: lie to the centre with θ = (1, 1, θ₂*), θ₂* from {@link centreLieTheta}, so all three
 *   cooperate and every group succeeds; when θ₂* ≤ 0 (trust spent) play one honest round θ = (0, 0, 0),
 *   in which everyone defects as predicted and the centre's trust recovers.
 * - `low`: the same lie, but the recovery round keeps the ends cooperating with the smallest θ₁
 *   ({@link endsBoostTheta}), θ = (1, θ₁, 1).
 * - `honest`: the accuracy-seeking designer ({@link honestDesigner}); here it publishes θ ≡ 0.
 */
export function oscillationDesigner(policy: OscillationPolicy, options: ChainStudyOptions = {}): Designer {
  checkOneOf('policy', policy, OSCILLATION_POLICIES);
  if (policy === 'honest') return honestDesigner();
  const alpha = checkInRange('alpha', options.alpha ?? 0.8, 0, 1);
  const cr = checkInRange('costRiskRatio', options.costRiskRatio ?? 0.6, 0, 1, '()');
  return {
    name: policy,
    predict: ({ population }) => {
      if (population.n !== 3)
        throw new PaperkitInputError('population.n', population.n, '3 (the chain 0–1–2)');
      const tau = population.trust;
      const theta2 = centreLieTheta(tau[1]!, cr, alpha);
      if (theta2 > 0) return [1, 1, theta2];
      if (policy === 'med') return [0, 0, 0];
      const theta1 = endsBoostTheta(tau[0]!, cr, alpha);
      if (!(theta1 > 0 && theta1 <= 1))
        throw new PaperkitInputError(
          'endsBoostTheta',
          theta1,
          'a value in (0, 1] (the ends cannot be made to cooperate)',
        );
      return [1, theta1, 1];
    },
  };
}
