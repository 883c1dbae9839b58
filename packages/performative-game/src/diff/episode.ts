import {
  ConstantMatrix,
  checkInRange,
  checkInteger,
  checkOneOf,
  checkPositive,
  PaperkitInputError,
  stopGradient,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { Population } from '../agents/population.js';
import { type CRD, checkCrd } from '../game/crd.js';
import { checkPredictions, countSuccessesUnchecked } from '../game/outcomes.js';
import { checkGraph, type Graph, maxDegree } from '../graph/graph.js';
import { flatActions, hostTerms, trustEstimateTerms } from './host-terms.js';
import { accuracyLoss, performativeAccuracyLoss } from './losses.js';
import { nextPow2, PoissonBinomialTree } from './pb-tree.js';

/** Training losses of the reference `train.py --loss`. */
export type EpisodeLoss = 'group' | 'individual' | 'accuracy' | 'accuracy_perf';

/** Every {@link EpisodeLoss}. */
export const EPISODE_LOSSES: readonly EpisodeLoss[] = ['group', 'individual', 'accuracy', 'accuracy_perf'];

/** Token of an agent that has not acted yet (round 0); 0 = defected, 1 = cooperated. */
export const NO_ACTION_TOKEN = 2;

/**
 * What the game needs from a predictor: θ [B, N] for rows of int32 tokens [B, N] (row b is round
 * `rounds[b]`), and optionally a hook that fixes per-episode randomness (dropout masks) so a round
 * replayed in the batched differentiable pass gives the same θ as when it was played.
 */
export interface EpisodePredictor {
  /** θ [B, N] ∈ [0, 1] for token rows [B, N]. */
  predict(tokens: tf.Tensor2D, rounds: readonly number[], training: boolean): tf.Tensor2D;
  /** Called before each episode. */
  beginEpisode?(rounds: number, training: boolean): void;
}

/** Options of {@link DifferentiableGame}. */
export interface DifferentiableGameOptions {
  /** Interaction graph. */
  readonly graph: Graph;
  /** The game. */
  readonly crd: CRD;
  /** Innate belief α ∈ (0, 1); default 0.8. */
  readonly alpha?: number;
  /** Prior trust τ₀ ∈ [0, 1]; default 0.5. */
  readonly priorTrust?: number;
  /** Rounds per episode; default 20. */
  readonly rounds?: number;
  /** ε inside the trust posterior's log-sum-exp; default none. */
  readonly epsilon?: number;
  /** No gradient through τ at all (reference `--block_trust_grad`); default false. */
  readonly blockTrustGrad?: boolean;
  /** No gradient through τ_{t−1} inside the update (reference `--block_prev_trust`); default false. */
  readonly blockPrevTrust?: boolean;
  /**
   * Backpropagate with the predictor's running estimate of each agent's trust instead of the hidden
   * τ (reference `use_trust_estimate`): an exponential moving average, with weight `smoothing`
   * (reference 0.6) from `initial` (reference 0.7), of whether the agent acted as full trust would
   * dictate. The episode and the loss values are unchanged; only ∂gain/∂g_pred (r·e·τ̂ instead of
   * r·e·τ) and the sensitivity of τ to the likelihoods use the estimate. Default: the true τ.
   */
  readonly trustEstimate?: { readonly smoothing?: number; readonly initial?: number };
  /**
   * Probabilities are floored at this value before logs in the differentiable pass (trust
   * likelihoods and BCE), so a saturated sigmoid (θ ∈ {0, 1} in float32) gives a finite log and no
   * NaN gradient; default 1e−30 (log ≈ −69; PyTorch's BCE clamps at −100).
   */
  readonly probabilityFloor?: number;
}

/** The hard trajectory of one episode, simulated exactly in Float64. */
export interface Trajectory {
  /** Published θ per round (the predictor's float32 outputs). */
  readonly theta: readonly Float64Array[];
  /** Actions per round. */
  readonly actions: readonly Uint8Array[];
  /** Expected gains per round. */
  readonly gains: readonly Float64Array[];
  /** Trust used in each round. */
  readonly trust: readonly Float64Array[];
  /** Successful groups per round (integers). */
  readonly successes: readonly number[];
  /** Fraction of successful groups per round. */
  readonly welfare: readonly number[];
  /** Expected 0/1 accuracy per round. */
  readonly accuracy: readonly number[];
  /** Fraction of cooperators per round. */
  readonly cooperation: readonly number[];
}

/** Loss values and gradients of one episode. */
export interface EpisodeGradients {
  /** The hard trajectory the losses were differentiated along. */
  readonly trajectory: Trajectory;
  /** One scalar per requested loss (caller disposes). */
  readonly values: readonly tf.Scalar[];
  /** One gradient map per requested loss, keyed by variable name (caller disposes). */
  readonly grads: readonly tf.NamedTensorMap[];
}

/**
 * The paper's game as a differentiable tfjs computation (§II.8). An episode runs in two passes.
 * (1) The hard trajectory: each round the predictor publishes θ_t (one N-float read to the host) and
 * the Float64 {@link Population} plays it exactly (best responses, Bayes trust update). Actions are
 * hard and carry no gradient, so this pass needs no tape. (2) The differentiable surrogate, with the
 * actions fixed, vectorised over all rounds at once: θ for every round in one batched predictor call,
 * padded neighbour tensors [T·N, P], the pivot probability g_pred by a vectorised Poisson-binomial
 * product tree, the log-domain trust τ_t = σ(log P_t − log I_t) with log P_t = log τ₀ + Σ_{s<t} ℓ_s(θ_s)
 * (a cumulative sum: backpropagation through all rounds of trust), the gain, then the loss. This
 * gives the same gradients as differentiating the round-by-round loop (as the reference does) with
 * ~T× fewer tfjs ops, which matters because per-op overhead dominates these tiny tensors. Neighbour
 * gathers are matMuls with constant 0/1 selectors (tfjs's gather gradient needs UnsortedSegmentSum,
 * which wasm lacks); padding selects nothing, i.e. p = 0.
 */
export class DifferentiableGame {
  /** Number of agents. */
  readonly n: number;
  /** Rounds per episode. */
  readonly rounds: number;
  /** The graph. */
  readonly graph: Graph;
  /** The game. */
  readonly crd: CRD;
  /** α. */
  readonly alpha: number;
  /** τ₀. */
  readonly priorTrust: number;
  /** Whether τ carries no gradient. */
  readonly blockTrustGrad: boolean;
  /** Whether τ_{t−1} carries no gradient inside the update. */
  readonly blockPrevTrust: boolean;
  /** ε of the posterior, or undefined. */
  readonly epsilon: number | undefined;
  /** The trust-estimate backward's EMA weight and start, or undefined (true τ). */
  readonly trustEstimate: { readonly smoothing: number; readonly initial: number } | undefined;
  /** Floor of probabilities before logs. */
  readonly probabilityFloor: number;
  /** The exact population that plays the hard trajectory. */
  readonly population: Population;
  private readonly width: number;
  private readonly groupWidth: number;
  private readonly nbrTree: PoissonBinomialTree;
  private readonly groupTree: PoissonBinomialTree;
  private readonly k: Record<string, tf.Tensor> = {};
  private readonly selNbr: ConstantMatrix;
  private readonly selGrp: ConstantMatrix;
  /** Row of ones: column sums of [P + 1, ·] as an untransposed product (sums along axis 0 transpose). */
  private readonly colSum: ConstantMatrix;
  /** Row of ones summing the P neighbour slots. */
  private readonly slotSum: ConstantMatrix;
  private readonly roundIndex: readonly number[];

  constructor(options: DifferentiableGameOptions) {
    if (options === null || typeof options !== 'object')
      throw new PaperkitInputError('options', options, 'an object');
    const g = checkGraph('graph', options.graph);
    this.graph = g;
    this.crd = checkCrd('crd', options.crd);
    this.n = g.n;
    this.alpha = checkInRange('alpha', options.alpha ?? 0.8, 0, 1, '()');
    this.priorTrust = checkInRange('priorTrust', options.priorTrust ?? 0.5, 0, 1);
    this.rounds = checkInteger('rounds', options.rounds ?? 20, 1);
    this.epsilon = options.epsilon === undefined ? undefined : checkPositive('epsilon', options.epsilon);
    this.blockTrustGrad = options.blockTrustGrad ?? false;
    this.blockPrevTrust = options.blockPrevTrust ?? false;
    const est = options.trustEstimate;
    if (est !== undefined && (est === null || typeof est !== 'object'))
      throw new PaperkitInputError('trustEstimate', est, 'an object { smoothing?, initial? }');
    this.trustEstimate = est && {
      smoothing: checkInRange('trustEstimate.smoothing', est.smoothing ?? 0.6, 0, 1, '(]'),
      initial: checkInRange('trustEstimate.initial', est.initial ?? 0.7, 0, 1),
    };
    this.probabilityFloor = checkInRange('probabilityFloor', options.probabilityFloor ?? 1e-30, 1e-37, 1e-3);
    this.population = new Population(g, this.crd, {
      alpha: this.alpha,
      priorTrust: this.priorTrust,
      ...(this.epsilon !== undefined ? { epsilon: this.epsilon } : {}),
    });
    this.roundIndex = Array.from({ length: this.rounds }, (_, t) => t);
    const n = this.n;
    const T = this.rounds;
    const d = maxDegree(g);
    const P = nextPow2(d);
    const Pg = nextPow2(d + 1);
    this.width = P;
    this.groupWidth = Pg;
    this.nbrTree = new PoissonBinomialTree(P);
    this.groupTree = new PoissonBinomialTree(Pg);
    // Selectors map θ [T, N] to neighbour slots [P·N, T] (row s·N + i = slot s of agent i), so the
    // reshape to [P, N·T] is slot-major with column i·T + t, the layout the product tree wants.
    const selNbr = new Float32Array(P * n * n);
    const selGrp = new Float32Array(Pg * n * n);
    const pivot = new Float32Array((P + 1) * n * T);
    const tail = new Float32Array((Pg + 1) * n * T);
    const gAlpha = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const lo = g.offsets[i]!;
      const deg = g.offsets[i + 1]! - lo;
      const k = this.population.required[i]!;
      selGrp[i * n + i] = 1;
      for (let s = 0; s < deg; s++) {
        const j = g.neighbors[lo + s]!;
        selNbr[(s * n + i) * n + j] = 1;
        selGrp[((s + 1) * n + i) * n + j] = 1;
      }
      for (let t = 0; t < T; t++) {
        pivot[(k - 1) * n * T + i * T + t] = 1;
        for (let c = k; c <= Pg; c++) tail[c * n * T + i * T + t] = 1;
      }
      gAlpha[i] = this.population.innatePivot[i]!;
    }
    this.selNbr = new ConstantMatrix(selNbr, P * n, n);
    this.selGrp = new ConstantMatrix(selGrp, Pg * n, n);
    this.colSum = new ConstantMatrix(new Float32Array(P + 1).fill(1), 1, P + 1);
    this.slotSum = new ConstantMatrix(new Float32Array(P).fill(1), 1, P);
    this.k.pivot = tf.keep(tf.tensor2d(pivot, [P + 1, n * T]));
    this.k.tail = tf.keep(tf.tensor2d(tail, [Pg + 1, n * T]));
    this.k.gAlpha = tf.keep(tf.tensor2d(gAlpha, [n, 1]));
  }

  /**
   * Pass 1: plays an episode from the prior trust. Each round the predictor sees every agent's
   * previous action (token 2 before the first round) and publishes θ_t; the exact population
   * best-responds and updates its trust.
   */
  async play(predictor: EpisodePredictor, training = false): Promise<Trajectory> {
    if (predictor === null || typeof predictor?.predict !== 'function')
      throw new PaperkitInputError(
        'predictor',
        predictor,
        'an object with predict(tokens, rounds, training)',
      );
    predictor.beginEpisode?.(this.rounds, training);
    const n = this.n;
    const pop = this.population;
    pop.reset();
    const out = {
      theta: [] as Float64Array[],
      actions: [] as Uint8Array[],
      gains: [] as Float64Array[],
      trust: [] as Float64Array[],
      successes: [] as number[],
      welfare: [] as number[],
      accuracy: [] as number[],
      cooperation: [] as number[],
    };
    let tokens = new Int32Array(n).fill(NO_ACTION_TOKEN);
    for (let t = 0; t < this.rounds; t++) {
      const th = tf.tidy(() => predictor.predict(tf.tensor2d(tokens, [1, n], 'int32'), [t], training));
      let theta: Float64Array;
      try {
        if (th.rank !== 2 || th.shape[0] !== 1 || th.shape[1] !== n)
          throw new PaperkitInputError('predictor.predict(...)', th, `a tensor [1, ${n}] of probabilities`);
        theta = Float64Array.from((await th.data()) as Float32Array);
      } finally {
        th.dispose();
      }
      checkPredictions(`θ of round ${t}`, theta, n);
      out.trust.push(Float64Array.from(pop.trust));
      const { actions, gains } = pop.step(theta);
      const wins = countSuccessesUnchecked(this.graph, pop.required, actions);
      let acc = 0;
      let coop = 0;
      for (let i = 0; i < n; i++) {
        acc += actions[i] ? theta[i]! : 1 - theta[i]!;
        coop += actions[i]!;
      }
      out.theta.push(theta);
      out.actions.push(actions);
      out.gains.push(gains);
      out.successes.push(wins);
      out.welfare.push(wins / n);
      out.accuracy.push(acc / n);
      out.cooperation.push(coop / n);
      tokens = Int32Array.from(actions);
    }
    return out;
  }

  /** Token rows [T, N] the predictor saw in `trajectory` (round 0: all {@link NO_ACTION_TOKEN}). */
  tokens(trajectory: Trajectory): tf.Tensor2D {
    const n = this.n;
    const a = new Int32Array(this.rounds * n).fill(NO_ACTION_TOKEN, 0, n);
    for (let t = 1; t < this.rounds; t++) a.set(trajectory.actions[t - 1]!, t * n);
    return tf.tensor2d(a, [this.rounds, n], 'int32');
  }

  /**
   * Pass 2, differentiable in θ: the expected gains [T, N] along `trajectory`'s actions, for
   * predictions `theta` [T, N]. τ_t = σ(log P_t − log I_t) (or exp(log P − logsumexp(log P, log I,
   * log ε))) with log P_t = log τ₀ + Σ_{s<t} Σ_{j∈N(i)} log P(y_sj | θ_sj).
   */
  gains(theta: tf.Tensor2D, trajectory: Trajectory): tf.Tensor2D {
    return tf.tidy(() => tf.transpose(this.agentMajorGains(theta, trajectory)) as tf.Tensor2D);
  }

  /** {@link DifferentiableGame.gains} in the agent-major layout [N, T] used internally. */
  private agentMajorGains(theta: tf.Tensor2D, trajectory: Trajectory): tf.Tensor2D {
    const n = this.n;
    const T = this.rounds;
    if (theta.rank !== 2 || theta.shape[0] !== T || theta.shape[1] !== n)
      throw new PaperkitInputError('theta', theta, `a tensor [${T}, ${n}]`);
    const P = this.width;
    const { r, e, c } = this.crd;
    const host = hostTerms(trajectory, this.graph, this.alpha, this.priorTrust, T, P);
    return tf.tidy(() => {
      const thetaNb = tf.reshape(this.selNbr.apply(tf.transpose(theta)), [P, n * T]) as tf.Tensor2D;
      const pivot = tf.mul(this.nbrTree.pmf(thetaNb), this.k.pivot!) as tf.Tensor2D;
      const gPred = tf.reshape(this.colSum.apply(pivot), [n, T]);
      // P(observed action of neighbour j | θ) = |(1 − y_j) − θ_j|; padded slots give |1 − 0| = 1.
      const defectNb = tf.tensor2d(host.defectNb, [P, n * T]);
      const lik = tf.maximum(tf.abs(tf.sub(defectNb, thetaNb)), this.probabilityFloor);
      const llP = tf.reshape(this.slotSum.apply(tf.log(lik) as tf.Tensor2D), [n, T]);
      // Column t of the exclusive cumulative sum is Σ_{s<t}: backpropagation through all rounds of trust.
      const cumP = tf.cumsum(llP, 1, true);
      let logP: tf.Tensor = tf.add(cumP, Math.log(this.priorTrust));
      if (this.blockPrevTrust && T > 1) {
        // Only ℓ_{t−1} (the update that produced τ_t) keeps its gradient; older terms are detached.
        const last = tf.concat([tf.zeros([n, 1]), tf.slice(llP, [0, 0], [n, T - 1])], 1);
        logP = tf.add(tf.add(stopGradient(tf.sub(cumP, last)), last), Math.log(this.priorTrust));
      }
      const logI = tf.tensor2d(host.logInnate, [n, T]);
      let tau: tf.Tensor =
        this.epsilon === undefined
          ? tf.sigmoid(tf.sub(logP, logI))
          : tf.exp(
              tf.sub(logP, tf.logSumExp(tf.stack([logP, logI, tf.fill([n, T], Math.log(this.epsilon))]), 0)),
            );
      if (this.blockTrustGrad) tau = stopGradient(tau);
      const gA = this.k.gAlpha!;
      let term: tf.Tensor = tf.mul(tau, tf.sub(gPred, gA));
      const est = this.trustEstimate;
      if (est !== undefined) {
        // Same value; the backward takes ∂/∂g_pred = τ̂ and ∂τ/∂ℓ = u(1 − u) from the estimate, and
        // keeps ∂/∂τ = g_pred − g_α, as the reference's `GetExpectedGain`/`GetUpdatedTrust` do.
        const h = trustEstimateTerms(trajectory, this.population, T, est.smoothing, est.initial);
        const z = tf.sub(logP, logI);
        const dTau = this.blockTrustGrad
          ? tf.zeros([n, T])
          : tf.mul(tf.tensor2d(h.sens, [n, T]), tf.sub(z, stopGradient(z)));
        const gP0 = stopGradient(gPred);
        term = tf.add(
          stopGradient(term),
          tf.add(tf.mul(tf.tensor2d(h.tauHat, [n, T]), tf.sub(gPred, gP0)), tf.mul(tf.sub(gP0, gA), dTau)),
        );
      }
      return tf.sub(tf.mul(tf.add(gA, term), r * e), c) as tf.Tensor2D;
    });
  }

  /** The differentiable loss of one kind from predictions `theta` [T, N] along `trajectory`. */
  loss(theta: tf.Tensor2D, trajectory: Trajectory, loss: EpisodeLoss): tf.Scalar {
    checkOneOf('loss', loss, EPISODE_LOSSES);
    return tf.tidy(() => {
      const floor = this.probabilityFloor;
      if (loss === 'accuracy') {
        const y = tf.tensor2d(flatActions(trajectory, this.rounds, this.n), [this.rounds, this.n]);
        return accuracyLoss(theta, y, floor);
      }
      const gain = this.agentMajorGains(theta, trajectory);
      if (loss === 'individual') return tf.neg(tf.sum(tf.sigmoid(gain))) as tf.Scalar;
      if (loss === 'accuracy_perf')
        return performativeAccuracyLoss(theta, tf.transpose(gain) as tf.Tensor2D, floor);
      return this.groupLoss(gain);
    });
  }

  /**
   * The "group" proxy welfare loss, −Σ_t Σ_i [P(S_i ≥ K_i) − c·p_i] with p = σ(gain) and
   * S_i ~ PoissonBinomial({p_j}_{j∈g_i}) (reference `ProxyGroupLoss`), all rounds at once.
   * @param gain agent-major gains [N, T]
   */
  private groupLoss(gain: tf.Tensor2D): tf.Scalar {
    const [n, T] = gain.shape;
    const p = tf.sigmoid(gain);
    const members = tf.reshape(this.selGrp.apply(p), [this.groupWidth, n * T]) as tf.Tensor2D;
    const success = tf.sum(tf.mul(this.groupTree.pmf(members), this.k.tail!));
    return tf.neg(tf.sub(success, tf.mul(tf.sum(p), this.crd.c))) as tf.Scalar;
  }

  /**
   * Plays an episode (pass 1), then differentiates each requested loss along it (pass 2) with
   * respect to `variables`. Several losses share one trajectory (MGDA needs two).
   */
  async gradients(
    predictor: EpisodePredictor,
    losses: readonly EpisodeLoss[],
    variables: readonly tf.Variable[],
    training = true,
  ): Promise<EpisodeGradients> {
    losses.forEach((l, i) => {
      checkOneOf(`losses[${i}]`, l, EPISODE_LOSSES);
    });
    const trajectory = await this.play(predictor, training);
    const tokens = this.tokens(trajectory);
    const values: tf.Scalar[] = [];
    const grads: tf.NamedTensorMap[] = [];
    try {
      for (const l of losses) {
        const { value, grads: g } = tf.variableGrads(
          () => this.loss(predictor.predict(tokens, this.roundIndex, training), trajectory, l),
          variables as tf.Variable[],
        );
        values.push(value);
        grads.push(g);
      }
    } finally {
      tokens.dispose();
    }
    return { trajectory, values, grads };
  }

  /** Frees the constant tensors. */
  dispose(): void {
    tf.dispose(Object.values(this.k));
    this.selNbr.dispose();
    this.selGrp.dispose();
    this.colSum.dispose();
    this.slotSum.dispose();
    this.nbrTree.dispose();
    this.groupTree.dispose();
  }
}
