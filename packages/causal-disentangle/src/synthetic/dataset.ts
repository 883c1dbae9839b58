import {
  checkInteger,
  checkNonNegative,
  checkOneOf,
  invertibleMlpMixing,
  linearMixing,
  type Mixing,
  mixObservations,
  PaperkitInputError,
  type Rng,
} from '@paperkit/tensor-core';
import { type Graph, type GraphLike, graphsEqual, identityGraph, toGraph } from '../graphs/graph.js';
import { defaultActionGraph, defaultTemporalGraph } from '../graphs/named.js';
import {
  MECHANISM_VARIANTS,
  type MechanismParams,
  type MechanismVariant,
  mechanismMoments,
  TEMPORAL_STEP,
} from './mechanisms.js';

/** Configuration of {@link syntheticDataset}; defaults are the reference's (`train.py`, `data/synthetic.py`). */
export interface SyntheticConfig {
  /** `action`: i.i.d. samples z ~ p(z | a) (T = 1, a as context). `temporal`: pairs (z⁰, z¹). */
  readonly setting: 'action' | 'temporal';
  /** Mechanism variant; default `non_trivial`. */
  readonly variant?: MechanismVariant;
  /** d_z; default 10. */
  readonly latentDim?: number;
  /** d_x; default 2·d_z (the reference's 20 for d_z = 10). Must be ≥ d_z (injective mixing). */
  readonly observedDim?: number;
  /**
   * The ground-truth graph (rows = latents); default the variant's: I for `trivial`, the cyclic
   * bidiagonal action graph or the lower-triangular temporal graph otherwise. A temporal graph must
   * have an all-one diagonal; `trivial` allows only the identity. d_a is the action graph's width.
   */
  readonly graph?: GraphLike;
  /** `nn` (default): the random invertible leaky-ReLU MLP; `linear`: x = z·W + b. */
  readonly mixing?: 'nn' | 'linear';
  /** Observation noise std added after standardisation; default 0.01. */
  readonly noiseStd?: number;
  /** Standardise each x-dimension over its split (mean 0, std 1) before the noise; default true. */
  readonly standardize?: boolean;
  /** Named splits and their sizes, e.g. `{ train: 20000, test: 2000 }` (the reference: 80/10/10 of 1e6). */
  readonly splits: Readonly<Record<string, number>>;
}

/** One split: `count` samples (action setting: T = 1; temporal: T = 2 steps per sample). */
export interface SyntheticSplit {
  readonly count: number;
  /** Observations, [count, T, d_x] row-major (both steps of a pair standardised together). */
  readonly x: Float32Array;
  /** True latents, [count, T, d_z]. */
  readonly z: Float32Array;
  /** Actions a, [count, d_a] (action setting), else null. */
  readonly actions: Float32Array | null;
}

/** A generated dataset: the data-generating process and its splits. */
export interface SyntheticDataset {
  readonly setting: 'action' | 'temporal';
  readonly variant: MechanismVariant;
  readonly latentDim: number;
  readonly observedDim: number;
  /** d_a (0 in the temporal setting). */
  readonly actionDim: number;
  /** Time steps per sample: 1 (action) or 2 (temporal). */
  readonly steps: 1 | 2;
  /** The ground-truth graph (G^a or G^z). */
  readonly graph: Graph;
  /** The same graph keyed by setting, the form the graph functions and metrics take. */
  readonly graphs: { readonly action?: Graph; readonly temporal?: Graph };
  /** The mixing f. */
  readonly mixing: Mixing;
  /** A = N(0,1) ∘ G of `no_suff_var`, else null. */
  readonly linear: Float64Array | null;
  readonly splits: Readonly<Record<string, SyntheticSplit>>;
}

/**
 * The synthetic datasets of the mechanism-sparsity paper. The data-generating process (mixing, and A
 * for `no_suff_var`) comes from `rng.stream('process')`, shared by all splits (the reference's fixed
 * seed 265542); each split draws its contexts, latent noise and observation noise from
 * `rng.stream('split.<name>')` (the reference's per-split seeds). Unlike the reference, each split draws
 * its own actions (there, every split reuses the leading actions of the process RNG).
 *
 * Action setting: a ~ U(−2, 2)^{d_a}, z = f(a) + N(0, v(a)). Temporal: z⁰ ~ N(0, I),
 * z¹ = z⁰ + 0.5·f(z⁰) + N(0, v(z⁰)) (see `mechanismMoments`). Then x = standardise(mix(z)) + N(0, 0.01²).
 */
export function syntheticDataset(rng: Rng, config: SyntheticConfig): SyntheticDataset {
  if (config === null || typeof config !== 'object')
    throw new PaperkitInputError('config', config, 'an object { setting, variant?, latentDim?, …, splits }');
  const setting = checkOneOf('setting', config.setting, ['action', 'temporal'] as const);
  const variant = checkOneOf('variant', config.variant ?? 'non_trivial', MECHANISM_VARIANTS);
  const d = checkInteger('latentDim', config.latentDim ?? 10, 1);
  const dx = checkInteger('observedDim', config.observedDim ?? 2 * d, 1);
  if (d > dx)
    throw new PaperkitInputError(
      'latentDim',
      d,
      `an integer <= observedDim (${dx}): the mixing must be injective`,
    );
  const kind = checkOneOf('mixing', config.mixing ?? 'nn', ['nn', 'linear'] as const);
  const noiseStd = checkNonNegative('noiseStd', config.noiseStd ?? 0.01);
  let graph: Graph;
  if (config.graph === undefined)
    graph =
      variant === 'trivial'
        ? identityGraph(d)
        : setting === 'action'
          ? defaultActionGraph(d)
          : defaultTemporalGraph(d);
  else
    graph = toGraph(
      'graph',
      config.graph,
      setting === 'temporal' ? { rows: d, square: true, diagonal: true } : { rows: d },
    );
  if (variant === 'trivial' && !graphsEqual(graph, identityGraph(d)))
    throw new PaperkitInputError(
      'graph',
      'a non-identity graph',
      'the identity (or absent) for the trivial variant',
    );
  const k = graph.cols;
  if (config.splits === null || typeof config.splits !== 'object' || Object.keys(config.splits).length === 0)
    throw new PaperkitInputError(
      'splits',
      config.splits,
      'an object of named split sizes, e.g. { train: 20000, test: 2000 }',
    );
  for (const [name, n] of Object.entries(config.splits)) checkInteger(`splits.${name}`, n, 1);

  const process = rng.stream('process');
  const mixing =
    kind === 'nn'
      ? invertibleMlpMixing(process.stream('mixing'), { inputDim: d, outputDim: dx })
      : linearMixing(process.stream('mixing'), { inputDim: d, outputDim: dx });
  let linear: Float64Array | null = null;
  if (variant === 'no_suff_var') {
    const mr = process.stream('mechanism');
    linear = new Float64Array(d * k);
    // Every entry is drawn (as the reference's normal(size)·G), then the non-edges are zeroed.
    for (let q = 0; q < linear.length; q++) {
      const v = mr.normal();
      linear[q] = graph.data[q] === 1 ? v : 0;
    }
  }
  const params: MechanismParams = { variant, graph, linear };
  const steps = setting === 'action' ? 1 : 2;
  const splits: Record<string, SyntheticSplit> = {};
  for (const [name, n] of Object.entries(config.splits)) {
    const sr = rng.stream(`split.${name}`);
    const context = sr.stream('context');
    const latent = sr.stream('latent');
    let z: Float64Array;
    let actions: Float32Array | null = null;
    if (setting === 'action') {
      const a = context.fillUniform(new Float64Array(n * k), -2, 2);
      const { mean, variance } = mechanismMoments(params, a, n);
      z = new Float64Array(n * d);
      for (let q = 0; q < z.length; q++) z[q] = mean[q]! + Math.sqrt(variance[q]!) * latent.normal();
      actions = Float32Array.from(a);
    } else {
      const z0 = context.fillNormal(new Float64Array(n * d));
      const { mean, variance } = mechanismMoments(params, z0, n);
      z = new Float64Array(n * 2 * d);
      for (let r = 0; r < n; r++)
        for (let i = 0; i < d; i++) {
          const q = r * d + i;
          z[r * 2 * d + i] = z0[q]!;
          z[r * 2 * d + d + i] =
            z0[q]! + TEMPORAL_STEP * mean[q]! + Math.sqrt(variance[q]!) * latent.normal();
        }
    }
    // Rows of z are (sample, step) pairs in order, so both steps are mixed and standardised together.
    const { x } = mixObservations(mixing, z, sr.stream('observation'), {
      noiseStd,
      standardize: config.standardize ?? true,
    });
    splits[name] = { count: n, x: Float32Array.from(x), z: Float32Array.from(z), actions };
  }
  return {
    setting,
    variant,
    latentDim: d,
    observedDim: dx,
    actionDim: setting === 'action' ? k : 0,
    steps,
    graph,
    graphs: setting === 'action' ? { action: graph } : { temporal: graph },
    mixing,
    linear,
    splits,
  };
}
