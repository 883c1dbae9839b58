import type { Rng } from '../random/rng.js';
import { checkInteger, checkNonNegative, checkPositive, PaperkitInputError } from '../validate/errors.js';

/** Normalised Zipf weights p_i ∝ (i + 1)^(−s) for ranks i = 0..n−1. */
export function zipfWeights(n: number, exponent: number): Float64Array {
  checkInteger('n', n, 1);
  checkNonNegative('exponent', exponent);
  const p = Float64Array.from({ length: n }, (_, i) => (i + 1) ** -exponent);
  const z = p.reduce((a, b) => a + b, 0);
  return p.map((x) => x / z);
}

/**
 * A sparse first-order Markov chain over tokens 0..V−1: row i moves to `successors[i·m + j]` with
 * probability `probs[i·m + j]`; `initial` is the distribution of the first token.
 */
export interface MarkovChain {
  /** Vocabulary size V. */
  readonly vocabSize: number;
  /** Successors per row m. */
  readonly branching: number;
  /** First-token distribution [V] (the Zipf unigram). */
  readonly initial: Float64Array;
  /** Successor token ids, row-major [V, m]; distinct within a row. */
  readonly successors: Int32Array;
  /** Transition probabilities aligned with `successors`, [V, m]; each row sums to 1. */
  readonly probs: Float64Array;
}

/** Configuration of {@link zipfMarkovChain}. */
export interface ZipfMarkovConfig {
  /** Vocabulary size V ≥ 2. */
  readonly vocabSize: number;
  /** Zipf exponent s of the unigram and of each row; default 1. */
  readonly exponent?: number;
  /** Non-zero successors per token m (1..V); default min(V, 8). */
  readonly branching?: number;
}

/**
 * A random sparse Markov chain with Zipfian statistics. The unigram is Zipf(s) over token ids (token 0
 * most frequent). Each row draws its m successors without replacement with probability ∝ the
 * unigram, so frequent tokens are frequent successors, and gives the j-th drawn successor weight
 * ∝ (j + 1)^(−s): every row is itself Zipfian. Drawn from `rng.stream('chain')`.
 */
export function zipfMarkovChain(rng: Rng, config: ZipfMarkovConfig): MarkovChain {
  const v = checkInteger('vocabSize', config.vocabSize, 2);
  const s = checkNonNegative('exponent', config.exponent ?? 1);
  const m = checkInteger('branching', config.branching ?? Math.min(v, 8), 1);
  if (m > v) throw new PaperkitInputError('branching', m, `an integer <= vocabSize (${v})`);
  const initial = zipfWeights(v, s);
  const rowWeights = zipfWeights(m, s);
  const successors = new Int32Array(v * m);
  const probs = new Float64Array(v * m);
  const r = rng.stream('chain');
  const w = new Float64Array(v);
  for (let i = 0; i < v; i++) {
    w.set(initial);
    for (let j = 0; j < m; j++) {
      const k = r.categorical(w);
      w[k] = 0;
      successors[i * m + j] = k;
      probs[i * m + j] = rowWeights[j]!;
    }
  }
  return { vocabSize: v, branching: m, initial, successors, probs };
}

function inverseCdf(probs: Float64Array, offset: number, n: number, u: number): number {
  for (let j = 0; j < n; j++) {
    u -= probs[offset + j]!;
    if (u < 0) return j;
  }
  return n - 1;
}

/**
 * Samples `count` sequences of `length` tokens, row-major Int32Array [count, length]: the first token
 * from `chain.initial`, then one transition per step, one uniform draw from `rng` per token.
 */
export function sampleMarkovSequences(chain: MarkovChain, rng: Rng, count: number, length: number): Int32Array {
  checkInteger('count', count, 0);
  checkInteger('length', length, 1);
  const m = chain.branching;
  const out = new Int32Array(count * length);
  for (let n = 0; n < count; n++) {
    let tok = inverseCdf(chain.initial, 0, chain.vocabSize, rng.next());
    out[n * length] = tok;
    for (let t = 1; t < length; t++) {
      tok = chain.successors[tok * m + inverseCdf(chain.probs, tok * m, m, rng.next())]!;
      out[n * length + t] = tok;
    }
  }
  return out;
}

/** The dense transition matrix P [V, V] (row-major, P[i, j] = Pr(next = j | current = i)). */
export function markovTransitionMatrix(chain: MarkovChain): Float64Array {
  const { vocabSize: v, branching: m } = chain;
  const p = new Float64Array(v * v);
  for (let i = 0; i < v; i++) for (let j = 0; j < m; j++) p[i * v + chain.successors[i * m + j]!]! += chain.probs[i * m + j]!;
  return p;
}

/** Entropy (nats) of each row's next-token distribution [V]. */
export function markovRowEntropies(chain: MarkovChain): Float64Array {
  const { vocabSize: v, branching: m } = chain;
  const h = new Float64Array(v);
  for (let i = 0; i < v; i++)
    for (let j = 0; j < m; j++) {
      const p = chain.probs[i * m + j]!;
      if (p > 0) h[i]! -= p * Math.log(p);
    }
  return h;
}

function step(chain: MarkovChain, dist: Float64Array): Float64Array {
  const { vocabSize: v, branching: m } = chain;
  const next = new Float64Array(v);
  for (let i = 0; i < v; i++) {
    const pi = dist[i]!;
    if (pi === 0) continue;
    for (let j = 0; j < m; j++) next[chain.successors[i * m + j]!]! += pi * chain.probs[i * m + j]!;
  }
  return next;
}

/** Options of {@link markovEntropyRate}. */
export interface EntropyRateOptions {
  /** Stop when the L1 change of the distribution falls below this; default 1e-12. */
  readonly tolerance?: number;
  /** Iteration cap; default 100 000. */
  readonly maxIterations?: number;
}

/**
 * Entropy rate H = Σ_i π_i·H(P_i·) in nats: the lowest average next-token cross-entropy any model
 * can reach on long sequences from this chain. π is the long-run token distribution started from
 * `chain.initial`, found by power iteration on the lazy chain ½(I + P), which has the same
 * stationary distributions and converges even when P is periodic.
 */
export function markovEntropyRate(chain: MarkovChain, options: EntropyRateOptions = {}): number {
  const tol = checkPositive('tolerance', options.tolerance ?? 1e-12);
  const maxIt = checkInteger('maxIterations', options.maxIterations ?? 100_000, 1);
  let pi: Float64Array = Float64Array.from(chain.initial);
  for (let it = 0; it < maxIt; it++) {
    const p = step(chain, pi);
    let change = 0;
    for (let i = 0; i < pi.length; i++) {
      const lazy = 0.5 * (pi[i]! + p[i]!);
      change += Math.abs(lazy - pi[i]!);
      p[i] = lazy;
    }
    pi = p;
    if (change < tol) break;
  }
  const h = markovRowEntropies(chain);
  let rate = 0;
  for (let i = 0; i < h.length; i++) rate += pi[i]! * h[i]!;
  return rate;
}

/**
 * The exact lower bound (nats) of the mean next-token loss on sequences of `length` tokens sampled by
 * {@link sampleMarkovSequences}, when every position t = 0..length−2 predicts token t+1:
 * (1/(length−1))·Σ_t Σ_i Pr(x_t = i)·H(P_i·). It tends to {@link markovEntropyRate} as length grows.
 */
export function markovSequenceEntropy(chain: MarkovChain, length: number): number {
  checkInteger('length', length, 2);
  const h = markovRowEntropies(chain);
  let dist: Float64Array = Float64Array.from(chain.initial);
  let total = 0;
  for (let t = 0; t + 1 < length; t++) {
    for (let i = 0; i < h.length; i++) total += dist[i]! * h[i]!;
    dist = step(chain, dist);
  }
  return total / (length - 1);
}

/** Configuration of {@link zipfMarkovText}. */
export interface ZipfMarkovTextConfig extends ZipfMarkovConfig {
  /** Number of sequences. */
  readonly count: number;
  /** Tokens per sequence T. */
  readonly length: number;
}

/** Output of {@link zipfMarkovText}. */
export interface MarkovText {
  /** Token ids, row-major [count, length]. */
  readonly tokens: Int32Array;
  /** Number of sequences. */
  readonly count: number;
  /** Tokens per sequence. */
  readonly length: number;
  /** The chain that generated them (for {@link markovEntropyRate} and {@link markovSequenceEntropy}). */
  readonly chain: MarkovChain;
}

/**
 * Zipfian Markov text: a chain from {@link zipfMarkovChain} (`rng.stream('chain')`) and `count`
 * sequences of `length` tokens sampled from it (`rng.stream('text')`).
 */
export function zipfMarkovText(rng: Rng, config: ZipfMarkovTextConfig): MarkovText {
  const chain = zipfMarkovChain(rng, config);
  const tokens = sampleMarkovSequences(chain, rng.stream('text'), config.count, config.length);
  return { tokens, count: config.count, length: config.length, chain };
}
