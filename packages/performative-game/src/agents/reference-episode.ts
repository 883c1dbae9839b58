import { checkInteger, PaperkitInputError } from '@paperkit/tensor-core';
import { checkPredictions, countSuccessesUnchecked } from '../game/outcomes.js';
import { pbInto } from '../game/poisson-binomial.js';
import type { Population } from './population.js';

/** Float64 trajectory and loss values of one episode. */
export interface ReferenceEpisode {
  /** θ per round. */
  readonly theta: readonly Float64Array[];
  /** Actions per round. */
  readonly actions: readonly Uint8Array[];
  /** Expected gains per round. */
  readonly gains: readonly Float64Array[];
  /** Trust used in each round. */
  readonly trust: readonly Float64Array[];
  /** Fraction of successful groups per round. */
  readonly welfare: readonly number[];
  /** Expected 0/1 accuracy per round. */
  readonly accuracy: readonly number[];
  /** Loss values summed over rounds, as the differentiable episode defines them. */
  readonly losses: {
    /** −Σ_t Σ_i [P(S_i ≥ K_i) − c·σ(gain_i)] with S_i ~ PB({σ(gain_j)}_{j∈g_i}). */
    readonly group: number;
    /** −Σ_t Σ_i σ(gain_i). */
    readonly individual: number;
    /** Σ_t mean_i BCE(θ_i, y_i) (exact logs, no clamp). */
    readonly accuracy: number;
  };
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * The exact (Float64) forward pass of an episode: `predict` gets each agent's previous action as a
 * token (2 before the first round) and the round, and returns θ. The population is reset first and
 * updates its trust after every round. This is the oracle the tfjs episode is checked against.
 */
export function referenceEpisode(
  pop: Population,
  predict: (tokens: Int32Array, round: number) => ArrayLike<number>,
  rounds: number,
): ReferenceEpisode {
  checkInteger('rounds', rounds, 1);
  if (typeof predict !== 'function')
    throw new PaperkitInputError('predict', predict, 'a function (tokens, round) => θ');
  pop.reset();
  const n = pop.n;
  const { offsets, neighbors } = pop.graph;
  const out = {
    theta: [] as Float64Array[],
    actions: [] as Uint8Array[],
    gains: [] as Float64Array[],
    trust: [] as Float64Array[],
    welfare: [] as number[],
    accuracy: [] as number[],
  };
  let group = 0;
  let individual = 0;
  let bce = 0;
  const tokens = new Int32Array(n).fill(2);
  const members = new Float64Array(n);
  const pmf = new Float64Array(n + 1);
  for (let t = 0; t < rounds; t++) {
    const theta = Float64Array.from(predict(tokens, t));
    checkPredictions(`predict(round ${t})`, theta, n);
    out.trust.push(Float64Array.from(pop.trust));
    const { actions, gains } = pop.step(theta);
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const lik = actions[i] ? theta[i]! : 1 - theta[i]!;
      acc += lik;
      bce -= Math.log(lik) / n;
      const p = sigmoid(gains[i]!);
      individual -= p;
      group += pop.crd.c * p;
      const lo = offsets[i]!;
      const d = offsets[i + 1]! - lo;
      members[0] = p;
      for (let s = 0; s < d; s++) members[s + 1] = sigmoid(gains[neighbors[lo + s]!]!);
      pbInto(members, 0, d + 1, pmf);
      let tail = 0;
      for (let k = pop.required[i]!; k <= d + 1; k++) tail += pmf[k]!;
      group -= tail;
    }
    out.theta.push(theta);
    out.actions.push(actions);
    out.gains.push(gains);
    out.welfare.push(countSuccessesUnchecked(pop.graph, pop.required, actions) / n);
    out.accuracy.push(acc / n);
    for (let i = 0; i < n; i++) tokens[i] = actions[i]!;
  }
  return { ...out, losses: { group, individual, accuracy: bce } };
}
