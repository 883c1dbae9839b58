import { checkInteger, PaperkitInputError } from '@paperkit/tensor-core';
import type { Population } from '../agents/population.js';
import { checkPredictions, countSuccessesUnchecked } from '../game/outcomes.js';

/** What a designer sees before choosing θ for a round. It knows the agent model, so it sees the trust. */
export interface DesignerView {
  /** 0-based round index. */
  readonly round: number;
  /** The population (graph, game, α, current trust τ and log-likelihoods); read it, do not mutate it. */
  readonly population: Population;
  /** Actions of the previous round, or null before the first. */
  readonly previousActions: Uint8Array | null;
}

/**
 * A mechanism designer: publishes the prediction θ ∈ [0, 1]^N each round. Knowing the agents'
 * Bayesian model, it can trade accuracy (and so future trust) for welfare now (§II.6).
 */
export interface Designer {
  /** Short name for traces and plots. */
  readonly name: string;
  /** Called before the first round of {@link runMechanism}. */
  reset?(): void;
  /** θ for this round (length N, entries in [0, 1]). */
  predict(view: DesignerView): ArrayLike<number>;
}

/** Per-round record of a mechanism run. */
export interface MechanismTrace {
  /** Designer name. */
  readonly designer: string;
  /** Published predictions per round. */
  readonly theta: readonly Float64Array[];
  /** Actions per round. */
  readonly actions: readonly Uint8Array[];
  /** Trust before round 0 and after every round (length rounds + 1). */
  readonly trust: readonly Float64Array[];
  /** Fraction of successful groups per round. */
  readonly welfare: readonly number[];
  /** Expected 0/1 accuracy of θ per round. */
  readonly accuracy: readonly number[];
  /** Fraction of cooperators per round. */
  readonly cooperation: readonly number[];
}

/**
 * Plays `rounds` rounds of the population against a designer, from the prior trust: each round the
 * designer publishes θ, all agents best-respond, then (if the population updates trust) all update.
 */
export function runMechanism(pop: Population, designer: Designer, rounds: number): MechanismTrace {
  checkInteger('rounds', rounds, 1);
  if (designer === null || typeof designer !== 'object' || typeof designer.predict !== 'function')
    throw new PaperkitInputError('designer', designer, 'an object with predict(view)');
  pop.reset();
  designer.reset?.();
  const n = pop.n;
  const theta: Float64Array[] = [];
  const actions: Uint8Array[] = [];
  const trust: Float64Array[] = [Float64Array.from(pop.trust)];
  const welfare: number[] = [];
  const acc: number[] = [];
  const coop: number[] = [];
  let previous: Uint8Array | null = null;
  for (let t = 0; t < rounds; t++) {
    const th = Float64Array.from(designer.predict({ round: t, population: pop, previousActions: previous }));
    checkPredictions(`${designer.name}.predict(round ${t})`, th, n);
    const { actions: y } = pop.step(th);
    theta.push(th);
    actions.push(y);
    trust.push(Float64Array.from(pop.trust));
    welfare.push(countSuccessesUnchecked(pop.graph, pop.required, y) / n);
    let a = 0;
    let c = 0;
    for (let i = 0; i < n; i++) {
      a += y[i] ? th[i]! : 1 - th[i]!;
      c += y[i]!;
    }
    acc.push(a / n);
    coop.push(c / n);
    previous = y;
  }
  return { designer: designer.name, theta, actions, trust, welfare, accuracy: acc, cooperation: coop };
}

/** A designer that publishes the same θ every round. */
export function constantDesigner(theta: ArrayLike<number>, name = 'constant'): Designer {
  const fixed = Float64Array.from(theta);
  return { name, predict: () => fixed };
}

/**
 * The honest, accuracy-seeking designer: each round it publishes a self-fulfilling binary prediction
 * under the current trust, found by best-response iteration (RRM inside the round) from the
 * all-defect prediction. When that iteration cycles it publishes the last iterate.
 */
export function honestDesigner(maxIterations = 1000): Designer {
  checkInteger('maxIterations', maxIterations, 1);
  return {
    name: 'honest',
    predict: ({ population }) => {
      const n = population.n;
      let theta = new Uint8Array(n);
      const y = new Uint8Array(n);
      const gains = new Float64Array(n);
      for (let it = 0; it < maxIterations; it++) {
        population.respondUnchecked(theta, y, gains);
        let same = true;
        for (let i = 0; i < n; i++) if (y[i] !== theta[i]) same = false;
        if (same) break;
        theta = Uint8Array.from(y);
      }
      return Float64Array.from(theta);
    },
  };
}
