import { checkInRange, checkPositive, PaperkitInputError } from '@paperkit/tensor-core';
import { type CRD, checkCrd } from '../game/crd.js';
import { checkActions, checkPredictions } from '../game/outcomes.js';
import { binomialPmf, pbInto } from '../game/poisson-binomial.js';
import { checkGraph, type Graph, maxDegree } from '../graph/graph.js';

/** The Bayesian agent model of §II.3; every field optional. */
export interface AgentModel {
  /** Innate belief α ∈ [0, 1] that a neighbour cooperates; default 0.8. */
  readonly alpha?: number;
  /**
   * Prior trust τ₀ ∈ [0, 1] in the predictor; default 0.5 (training). τ₀ = 0 is the anarchic
   * population (predictions ignored), τ₀ = 1 with `updateTrust: false` is full trust (RRM).
   */
  readonly priorTrust?: number;
  /** Whether agents update τ by Bayes' rule after each round; default true. */
  readonly updateTrust?: boolean;
  /**
   * Optional ε > 0 added inside the posterior's log-sum-exp (reference `--epsilon`), so a prediction
   * that gave probability 0 to what happened cannot produce NaN when τ₀ = 1. Default: none.
   */
  readonly epsilon?: number;
}

/** What one simultaneous round produced. */
export interface RoundOutcome {
  /** 1 = cooperate, 0 = defect. */
  readonly actions: Uint8Array;
  /** Expected gain of cooperating, r·e·(τ g_pred + (1 − τ) g_α) − c, per agent. */
  readonly gains: Float64Array;
}

/**
 * A population of Bayesian agents on a graph playing the CRD in their own groups (reference
 * `Agent` + `Population`), on Float64Array. Agent i believes each neighbour cooperates either with
 * its innate probability α or with the published prediction θ_j, holds trust τ_i = P(predictor model
 * | history) as cumulative log-likelihoods log P and log I, and best-responds deterministically:
 * cooperate iff r·e·(τ_i g_pred,i + (1 − τ_i) g_α,i) − c > 0, where g is the probability of being
 * pivotal (exactly K_i − 1 of its M_i − 1 neighbours cooperate). All agents act on the trust of
 * earlier rounds, then all update.
 */
export class Population {
  /** The interaction graph. */
  readonly graph: Graph;
  /** The game. */
  readonly crd: CRD;
  /** Innate cooperation belief α. */
  readonly alpha: number;
  /** Prior trust τ₀. */
  readonly priorTrust: number;
  /** Whether {@link Population.step} updates trust. */
  readonly updatesTrust: boolean;
  /** ε of the posterior, or undefined. */
  readonly epsilon: number | undefined;
  /** Group size M_i = deg(i) + 1. */
  readonly groupSize: Int32Array;
  /** Cooperators needed in group i, K_i = ⌈T·M_i⌉. */
  readonly required: Int32Array;
  /** Innate pivot probability g_α,i = Binomial(M_i − 1, α).pmf(K_i − 1). */
  readonly innatePivot: Float64Array;
  /** Current trust τ_i. */
  readonly trust: Float64Array;
  /** Cumulative log-likelihood of the predictor model, log P (starts at log τ₀). */
  readonly logPredicted: Float64Array;
  /** Cumulative log-likelihood of the innate model, log I (starts at log(1 − τ₀)). */
  readonly logInnate: Float64Array;
  private readonly nbrTheta: Float64Array;
  private readonly pmf: Float64Array;
  private readonly logEps: number;

  constructor(graph: Graph, crd: CRD, model: AgentModel = {}) {
    checkGraph('graph', graph);
    if (model === null || typeof model !== 'object')
      throw new PaperkitInputError('model', model, 'an object');
    this.graph = graph;
    this.crd = checkCrd('crd', crd);
    this.alpha = checkInRange('alpha', model.alpha ?? 0.8, 0, 1);
    this.priorTrust = checkInRange('priorTrust', model.priorTrust ?? 0.5, 0, 1);
    this.updatesTrust = model.updateTrust ?? true;
    this.epsilon = model.epsilon === undefined ? undefined : checkPositive('epsilon', model.epsilon);
    this.logEps = this.epsilon === undefined ? Number.NEGATIVE_INFINITY : Math.log(this.epsilon);
    const n = graph.n;
    this.groupSize = new Int32Array(n);
    this.required = new Int32Array(n);
    this.innatePivot = new Float64Array(n);
    const cache = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const m = graph.offsets[i + 1]! - graph.offsets[i]! + 1;
      this.groupSize[i] = m;
      this.required[i] = crd.required(m);
      let g = cache.get(m);
      if (g === undefined) {
        g = binomialPmf(m - 1, this.alpha)[this.required[i]! - 1]!;
        cache.set(m, g);
      }
      this.innatePivot[i] = g;
    }
    this.trust = new Float64Array(n);
    this.logPredicted = new Float64Array(n);
    this.logInnate = new Float64Array(n);
    const d = maxDegree(graph);
    this.nbrTheta = new Float64Array(Math.max(d, 1));
    this.pmf = new Float64Array(d + 1);
    this.reset();
  }

  /** Number of agents. */
  get n(): number {
    return this.graph.n;
  }

  /** Restores every agent's trust to the prior (reference `reset_population`). */
  reset(): void {
    this.trust.fill(this.priorTrust);
    this.logPredicted.fill(Math.log(this.priorTrust));
    this.logInnate.fill(Math.log(1 - this.priorTrust));
  }

  /** Overwrites the trust state (e.g. to replay a saved state); log-likelihoods restart from it. */
  setTrust(trust: ArrayLike<number>): void {
    checkPredictions('trust', trust, this.n);
    for (let i = 0; i < this.n; i++) {
      this.trust[i] = trust[i]!;
      this.logPredicted[i] = Math.log(trust[i]!);
      this.logInnate[i] = Math.log(1 - trust[i]!);
    }
  }

  /** g_pred,i = PoissonBinomial({θ_j}_{j∈N(i)}).pmf[K_i − 1] for every agent. */
  predictedPivot(theta: ArrayLike<number>, out = new Float64Array(this.n)): Float64Array {
    checkPredictions('theta', theta, this.n);
    this.pivotUnchecked(theta, out);
    return out;
  }

  /** Expected gain of cooperating for every agent, given predictions θ and the current trust. */
  expectedGains(theta: ArrayLike<number>, out = new Float64Array(this.n)): Float64Array {
    checkPredictions('theta', theta, this.n);
    this.gainsUnchecked(theta, out);
    return out;
  }

  /**
   * Best responses to θ under the current trust (does not change any state):
   * cooperate iff the expected gain is > 0 (a NaN gain defects, as `nan > 0` is false in Python).
   */
  bestResponse(
    theta: ArrayLike<number>,
    out = new Uint8Array(this.n),
    gains = new Float64Array(this.n),
  ): Uint8Array {
    checkPredictions('theta', theta, this.n);
    this.respondUnchecked(theta, out, gains);
    return out;
  }

  /**
   * Bayes update after a round: τ_i ← τ_i L_P / (τ_i L_P + (1 − τ_i) L_I) with L_P the likelihood of
   * the neighbours' actions under θ and L_I under α, kept in the log domain as the reference does:
   * τ = exp(log P − logsumexp(log P, log I[, log ε])).
   */
  updateTrust(theta: ArrayLike<number>, actions: ArrayLike<number>): void {
    checkPredictions('theta', theta, this.n);
    checkActions('actions', actions, this.n);
    this.updateUnchecked(theta, actions);
  }

  /** One round: best responses to θ, then (if enabled) the trust update. */
  step(theta: ArrayLike<number>): RoundOutcome {
    checkPredictions('theta', theta, this.n);
    const actions = new Uint8Array(this.n);
    const gains = new Float64Array(this.n);
    this.respondUnchecked(theta, actions, gains);
    if (this.updatesTrust) this.updateUnchecked(theta, actions);
    return { actions, gains };
  }

  /** @internal Unchecked pivot probabilities for hot loops with validated θ. */
  pivotUnchecked(theta: ArrayLike<number>, out: Float64Array): void {
    const { offsets, neighbors } = this.graph;
    const buf = this.nbrTheta;
    const pmf = this.pmf;
    for (let i = 0; i < this.n; i++) {
      const lo = offsets[i]!;
      const d = offsets[i + 1]! - lo;
      for (let k = 0; k < d; k++) buf[k] = theta[neighbors[lo + k]!]!;
      pbInto(buf, 0, d, pmf);
      out[i] = pmf[this.required[i]! - 1]!;
    }
  }

  /** @internal Unchecked expected gains. */
  gainsUnchecked(theta: ArrayLike<number>, out: Float64Array): void {
    this.pivotUnchecked(theta, out);
    const { r, e, c } = this.crd;
    for (let i = 0; i < this.n; i++) {
      const tau = this.trust[i]!;
      // The reference subtracts c, not c·e; identical for e = 1, which every experiment uses.
      out[i] = r * e * (tau * out[i]! + (1 - tau) * this.innatePivot[i]!) - c;
    }
  }

  /** @internal Unchecked best response. */
  respondUnchecked(theta: ArrayLike<number>, out: Uint8Array, gains: Float64Array): void {
    this.gainsUnchecked(theta, gains);
    for (let i = 0; i < this.n; i++) out[i] = gains[i]! > 0 ? 1 : 0;
  }

  /** @internal Unchecked trust update. */
  updateUnchecked(theta: ArrayLike<number>, actions: ArrayLike<number>): void {
    const { offsets, neighbors } = this.graph;
    const la = Math.log(this.alpha);
    const l1a = Math.log(1 - this.alpha);
    for (let i = 0; i < this.n; i++) {
      let lp = this.logPredicted[i]!;
      let li = this.logInnate[i]!;
      for (let k = offsets[i]!; k < offsets[i + 1]!; k++) {
        const j = neighbors[k]!;
        const coop = actions[j] === 1;
        lp += Math.log(coop ? theta[j]! : 1 - theta[j]!);
        li += coop ? la : l1a;
      }
      this.logPredicted[i] = lp;
      this.logInnate[i] = li;
      this.trust[i] = Math.exp(lp - logSumExp3(lp, li, this.logEps));
    }
  }
}

/** log(e^a + e^b + e^c) with −∞ entries allowed; all −∞ gives −∞ (so τ becomes NaN, as in the reference). */
function logSumExp3(a: number, b: number, c: number): number {
  const m = Math.max(a, b, c);
  if (m === Number.NEGATIVE_INFINITY || Number.isNaN(m)) return m;
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m) + Math.exp(c - m));
}
