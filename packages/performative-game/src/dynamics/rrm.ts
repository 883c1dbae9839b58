import { checkInteger, PaperkitInputError, type Rng } from '@paperkit/tensor-core';
import { Population } from '../agents/population.js';
import type { CRD } from '../game/crd.js';
import { checkActions, countSuccessesUnchecked, groupFractions } from '../game/outcomes.js';
import { completeGraph, type Graph } from '../graph/graph.js';

/** How an RRM trial ended. */
export type RrmOutcome = 'fixed-point' | 'cycle';

/** Result of one repeated-risk-minimisation trial. */
export interface RrmTrial {
  /** `fixed-point`: y_t = y_{t−1} (performatively stable, accuracy 1); `cycle`: an earlier state repeated. */
  readonly outcome: RrmOutcome;
  /** Best-response rounds played until the stop was detected. */
  readonly iterations: number;
  /** 1 for a fixed point, else the number of distinct states in the cycle (≥ 2). */
  readonly cycleLength: number;
  /** The binary prediction the trial started from. */
  readonly initial: Uint8Array;
  /** The end states: the fixed point, or the cycle's states in order. */
  readonly endStates: readonly Uint8Array[];
  /** Fraction of groups below threshold, averaged over the end states (the Fig. 4 blue curve). */
  readonly failedFraction: number;
  /**
   * Expected 0/1 accuracy at the end, averaged over the end states: each state is predicted by the
   * one before it (1 at a fixed point, which is why RRM is "performatively stable").
   */
  readonly accuracy: number;
}

/** Options of {@link rrmTrial}. */
export interface RrmOptions {
  /** Start from this binary prediction instead of the random initialisation. */
  readonly initial?: ArrayLike<number>;
  /** Safety cap on rounds; default 100 000 (the state space is finite, so a stop always comes). */
  readonly maxIterations?: number;
}

/**
 * A population with full, fixed trust (τ = 1, no updates): the setting in which accuracy-seeking
 * retraining is studied (reference `plot_rrm_scalefree.py`).
 */
export function rrmPopulation(graph: Graph, crd: CRD, alpha = 0.8): Population {
  return new Population(graph, crd, { alpha, priorTrust: 1, updateTrust: false });
}

/**
 * The reference's random start: p ~ U(0, 1), k ~ Binomial(N, p), then k agents chosen uniformly are
 * predicted to cooperate (so k is uniform on {0..N}).
 */
export function rrmInitialPrediction(n: number, rng: Rng): Uint8Array {
  checkInteger('n', n, 1);
  const p = rng.next();
  let k = 0;
  for (let i = 0; i < n; i++) if (rng.next() < p) k++;
  const out = new Uint8Array(n);
  const perm = rng.permutation(n);
  for (let i = 0; i < k; i++) out[perm[i]!] = 1;
  return out;
}

function stateKey(y: Uint8Array): number | string {
  if (y.length <= 52) {
    let key = 0;
    for (let i = y.length - 1; i >= 0; i--) key = key * 2 + y[i]!;
    return key;
  }
  let s = '';
  for (let i = 0; i < y.length; i++) s += y[i] ? '1' : '0';
  return s;
}

/**
 * Repeated risk minimisation: outcomes are deterministic given θ, so the accuracy-optimal retrained
 * prediction is θ_{t+1} = y(θ_t). Iterates best responses from a binary start until y_t = y_{t−1}
 * (a fixed point) or a state seen before returns (a cycle), exactly as `rrm_single_trial`.
 * The population's trust is used as is and never updated (build it with {@link rrmPopulation}).
 */
export function rrmTrial(pop: Population, rng: Rng | null, options: RrmOptions = {}): RrmTrial {
  const n = pop.n;
  const maxIterations = checkInteger('maxIterations', options.maxIterations ?? 100_000, 1);
  let initial: Uint8Array;
  if (options.initial !== undefined) {
    checkActions('initial', options.initial, n);
    initial = Uint8Array.from(options.initial);
  } else {
    if (rng === null)
      throw new PaperkitInputError('rng', rng, 'an Rng stream when no initial prediction is given');
    initial = rrmInitialPrediction(n, rng);
  }
  const gains = new Float64Array(n);
  const history: Uint8Array[] = [];
  const seen = new Map<number | string, number>();
  let theta: Uint8Array = initial;
  let prev: Uint8Array | null = null;
  for (let it = 1; it <= maxIterations; it++) {
    const y = new Uint8Array(n);
    pop.respondUnchecked(theta, y, gains);
    if (prev !== null && equal(prev, y)) return finish(pop, 'fixed-point', it, initial, [y]);
    const key = stateKey(y);
    const first = seen.get(key);
    if (first !== undefined) return finish(pop, 'cycle', it, initial, history.slice(first));
    seen.set(key, history.length);
    history.push(y);
    prev = y;
    theta = y;
  }
  throw new Error(`RRM did not stop within maxIterations = ${maxIterations} rounds`);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function finish(
  pop: Population,
  outcome: RrmOutcome,
  iterations: number,
  initial: Uint8Array,
  states: Uint8Array[],
): RrmTrial {
  let failed = 0;
  let hits = 0;
  states.forEach((s, k) => {
    failed += pop.n - countSuccessesUnchecked(pop.graph, pop.required, s);
    const predictedBy = states[(k + states.length - 1) % states.length]!;
    for (let i = 0; i < pop.n; i++) if (predictedBy[i] === s[i]) hits++;
  });
  return {
    accuracy: hits / (states.length * pop.n),
    outcome,
    iterations,
    cycleLength: outcome === 'fixed-point' ? 1 : states.length,
    initial,
    endStates: states,
    failedFraction: failed / (states.length * pop.n),
  };
}

/** Aggregate of many RRM trials on one population. */
export interface RrmSummary {
  /** Trials run. */
  readonly trials: number;
  /** Fraction of trials that ended in a cycle. */
  readonly cycledFraction: number;
  /** Mean over trials of the (cycle-averaged) fraction of groups below threshold. */
  readonly failedFraction: number;
  /** Mean over trials of the (cycle-averaged) accuracy at the end. */
  readonly accuracy: number;
  /** Mean over trials of the (cycle-averaged) fraction of cooperators at the end. */
  readonly cooperation: number;
  /** Standard deviation over trials of that fraction (for standard errors). */
  readonly failedFractionStd: number;
  /** Fraction of trials whose every end state has zero welfare (all groups fail). */
  readonly zeroWelfareFraction: number;
  /** Fraction of trials ending at a fixed point where every group succeeds. */
  readonly fullWelfareFraction: number;
  /** Mean cycle length over cycling trials (0 when none cycled). */
  readonly meanCycleLength: number;
  /** Mean number of rounds per trial. */
  readonly meanIterations: number;
}

/** Runs `trials` RRM trials from independent random starts drawn from `rng`. */
export function rrmSummary(pop: Population, rng: Rng, trials: number): RrmSummary {
  checkInteger('trials', trials, 1);
  let cycled = 0;
  let failed = 0;
  let failedSq = 0;
  let acc = 0;
  let coop = 0;
  let zero = 0;
  let full = 0;
  let cycleLen = 0;
  let iters = 0;
  for (let t = 0; t < trials; t++) {
    const r = rrmTrial(pop, rng);
    iters += r.iterations;
    failed += r.failedFraction;
    failedSq += r.failedFraction * r.failedFraction;
    acc += r.accuracy;
    for (const y of r.endStates) coop += y.reduce((a, b) => a + b, 0) / (pop.n * r.endStates.length);
    if (r.outcome === 'cycle') {
      cycled++;
      cycleLen += r.cycleLength;
    }
    if (r.failedFraction === 1) zero++;
    if (r.outcome === 'fixed-point' && r.failedFraction === 0) full++;
  }
  return {
    trials,
    cycledFraction: cycled / trials,
    failedFraction: failed / trials,
    accuracy: acc / trials,
    cooperation: coop / trials,
    failedFractionStd: Math.sqrt(Math.max(0, failedSq / trials - (failed / trials) ** 2)),
    zeroWelfareFraction: zero / trials,
    fullWelfareFraction: full / trials,
    meanCycleLength: cycled > 0 ? cycleLen / cycled : 0,
    meanIterations: iters / trials,
  };
}

/**
 * Fig. 12: the share (%) of groups by their fraction of cooperators at the end of RRM, in tenths
 * (bin k holds fractions in [k/10, (k+1)/10), the last bin includes 1), over `trials` random starts;
 * the states of a trial's final cycle are weighted equally. The ten shares sum to 100.
 */
export function rrmCooperationHistogram(pop: Population, rng: Rng, trials: number): number[] {
  checkInteger('trials', trials, 1);
  const bins = new Array<number>(10).fill(0);
  for (let i = 0; i < trials; i++) {
    const { endStates } = rrmTrial(pop, rng);
    for (const s of endStates)
      for (const f of groupFractions(pop.graph, s))
        bins[Math.min(9, Math.floor(f * 10 + 1e-12))]! += 100 / (endStates.length * pop.n * trials);
  }
  return bins;
}

/** End-state law of RRM on the complete graph, by exact enumeration of the start size. */
export interface CompleteGraphRrmLaw {
  /** P(RRM ends at a fixed point where every group succeeds). */
  readonly success: number;
  /** P(every end state has zero welfare). */
  readonly zeroWelfare: number;
  /** P(the trial cycles). */
  readonly cycle: number;
  /** The closed form of §II.4 for K ≥ 2: (1 + [N − K + 1 = K]) / (N + 1); null when K < 2. */
  readonly closedFormSuccess: number | null;
}

/**
 * Exact RRM end-state probabilities on the complete graph K_N with full trust. All agents are
 * exchangeable, so a start depends only on its size |S|, which is uniform on {0..N}: one
 * deterministic trial per size gives the law. For K ≥ 2 it reproduces the closed form of §II.4
 * (|S| = K is a successful fixed point, |S| = K − 1 flips to the complement, anything else
 * collapses to all-defect): P(success) = (1 + [N − K + 1 = K]) / (N + 1).
 */
export function completeGraphRrmLaw(n: number, crd: CRD, alpha = 0.8): CompleteGraphRrmLaw {
  checkInteger('n', n, 2);
  const pop = rrmPopulation(completeGraph(n), crd, alpha);
  let success = 0;
  let zero = 0;
  let cycle = 0;
  for (let s = 0; s <= n; s++) {
    const initial = new Uint8Array(n);
    initial.fill(1, 0, s);
    const r = rrmTrial(pop, null, { initial });
    if (r.outcome === 'fixed-point' && r.failedFraction === 0) success++;
    if (r.failedFraction === 1) zero++;
    if (r.outcome === 'cycle') cycle++;
  }
  const k = crd.required(n);
  return {
    success: success / (n + 1),
    zeroWelfare: zero / (n + 1),
    cycle: cycle / (n + 1),
    closedFormSuccess: k >= 2 ? (1 + (n - k + 1 === k ? 1 : 0)) / (n + 1) : null,
  };
}
