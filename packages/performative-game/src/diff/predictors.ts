import {
  addDense,
  bernoulliMask,
  checkInRange,
  checkInteger,
  checkOneOf,
  initMlp,
  PaperkitInputError,
  ParamMap,
  type Rng,
  randomNormal,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { checkGraph, type Graph } from '../graph/graph.js';
import type { EpisodePredictor } from './episode.js';

/**
 * A cooperation predictor: maps every agent's previous action token (0 defect, 1 cooperate,
 * 2 none yet) to θ ∈ [0, 1]^N, "each logit a separate Bernoulli" (reference `coop_predictor.py`).
 * Rows of a batch are independent rounds, so an episode's rounds can be replayed in one call.
 */
export interface Predictor extends EpisodePredictor {
  /** Architecture label (`mlp`, `gnn`, `gnn+linear`, `gnn+mlp`, `open-loop`). */
  readonly name: string;
  /** Trainable parameters. */
  readonly params: ParamMap;
  /**
   * θ [B, N] from int32 `tokens` [B, N]; row b is round `rounds[b]`. `training` turns dropout on
   * (the reference never calls `eval()`, so its GCN drops units in every episode).
   */
  predict(tokens: tf.Tensor2D, rounds: readonly number[], training: boolean): tf.Tensor2D;
  /** Frees the parameters (and any per-episode state). */
  dispose(): void;
}

/** One-hot [B, N, 3] of the token values (oneHot, then cast: wasm's OneHot writes int32 bits). */
function tokenOneHot(tokens: tf.Tensor2D): tf.Tensor3D {
  return tf.cast(tf.oneHot(tf.cast(tokens, 'int32') as tf.Tensor2D, 3), 'float32') as tf.Tensor3D;
}

function checkTokens(tokens: tf.Tensor2D, rounds: readonly number[], n: number): number {
  if (tokens.rank !== 2 || tokens.shape[1] !== n)
    throw new PaperkitInputError('tokens', tokens, `an int32 tensor [B, ${n}] of tokens in {0, 1, 2}`);
  const b = tokens.shape[0];
  if (!Array.isArray(rounds) || rounds.length !== b)
    throw new PaperkitInputError('rounds', rounds, `an array of ${b} round indices (one per row)`);
  return b;
}

/** x·W (+ b) with the parameters `name.weight` [in, out] and `name.bias` of tensor-core's `addDense` layout. */
function linear(v: Record<string, tf.Tensor>, name: string, x: tf.Tensor2D, bias = true): tf.Tensor2D {
  const w = v[`${name}.weight`] as tf.Tensor2D;
  const y = tf.matMul(x, w);
  const b = bias ? v[`${name}.bias`] : undefined;
  return (b ? tf.add(y, b) : y) as tf.Tensor2D;
}

/** nn.Embedding's N(0, 1) initialisation. */
function addEmbedding(params: ParamMap, rng: Rng, name: string, dim: number): void {
  tf.tidy(() => {
    params.add(name, { value: randomNormal(rng.stream(name), [3, dim]), role: 'embedding' });
  });
}

/** Options of {@link createMlpPredictor}; defaults are the reference `FeedForward`. */
export interface MlpPredictorOptions {
  /** Embedding width per agent; default 128. */
  readonly embeddingDim?: number;
  /** Hidden widths; default [512, 512]. */
  readonly hidden?: readonly number[];
}

/**
 * The reference `mlp` predictor: Embedding(3, 128) per agent → flatten (N·128) → 512 → ReLU → 512 →
 * ReLU → N → sigmoid, with PyTorch's default initialisations.
 */
export function createMlpPredictor(n: number, rng: Rng, options: MlpPredictorOptions = {}): Predictor {
  checkInteger('n', n, 1);
  const emb = checkInteger('embeddingDim', options.embeddingDim ?? 128, 1);
  const hidden = options.hidden ?? [512, 512];
  hidden.forEach((h, i) => {
    checkInteger(`hidden[${i}]`, h, 1);
  });
  const params = new ParamMap();
  addEmbedding(params, rng, 'embedding', emb);
  const config = { sizes: [n * emb, ...hidden, n], activation: 'relu' as const, prefix: 'mlp.' };
  initMlp(rng, config, params);
  const layers = config.sizes.length - 1;
  return {
    name: 'mlp',
    params,
    predict: (tokens, rounds) =>
      tf.tidy(() => {
        const b = checkTokens(tokens, rounds, n);
        const v = params.tensors();
        const x = tf.reshape(
          tf.matMul(tf.reshape(tokenOneHot(tokens), [b * n, 3]), v.embedding as tf.Tensor2D),
          [b, n * emb],
        );
        let h = x as tf.Tensor2D;
        for (let l = 0; l < layers; l++) {
          h = linear(v, `mlp.fc${l}`, h);
          if (l < layers - 1) h = tf.relu(h);
        }
        return tf.sigmoid(h) as tf.Tensor2D;
      }),
    dispose: () => params.dispose(),
  };
}

/** Output heads of the GCN predictor (reference `--architecture`). */
export type GcnHead = 'conv' | 'linear' | 'mlp';

/** Options of {@link createGcnPredictor}; defaults are the reference `GCN`. */
export interface GcnPredictorOptions {
  /** Embedding width; default 512. */
  readonly embeddingDim?: number;
  /** Width of the GCN layers; default 512. */
  readonly hidden?: number;
  /** Number of hidden GCN layers; default 3. */
  readonly layers?: number;
  /**
   * `conv` (reference `gnn`): a last GCNConv to one logit per node; `linear` (`gnn+linear`): flatten
   * N·hidden → Linear(N); `mlp` (`gnn+mlp`): flatten → 512 → ReLU → N. Default `conv`.
   */
  readonly head?: GcnHead;
  /** Dropout after each hidden layer; default 0.5. */
  readonly dropout?: number;
  /** Stream for dropout masks (required when dropout > 0). */
  readonly dropoutRng?: Rng;
}

/** D^{-1/2}(A + I)D^{-1/2}, the propagation matrix of PyG's GCNConv (Kipf & Welling 2017). */
export function normalizedAdjacency(graph: Graph): Float32Array {
  const n = graph.n;
  const a = new Float32Array(n * n);
  const dinv = new Float64Array(n);
  for (let i = 0; i < n; i++) dinv[i] = 1 / Math.sqrt(graph.offsets[i + 1]! - graph.offsets[i]! + 1);
  for (let i = 0; i < n; i++) {
    a[i * n + i] = dinv[i]! * dinv[i]!;
    for (let k = graph.offsets[i]!; k < graph.offsets[i + 1]!; k++) {
      const j = graph.neighbors[k]!;
      a[i * n + j] = dinv[i]! * dinv[j]!;
    }
  }
  return a;
}

/**
 * The reference GCN predictor: Embedding(3, 512) → 3 × [GCNConv(512) → ReLU → dropout 0.5] → head →
 * sigmoid. GCNConv is Â·X·W + b with Glorot-uniform W and zero b (PyG defaults); Linear heads use
 * PyTorch's default init.
 */
export function createGcnPredictor(graph: Graph, rng: Rng, options: GcnPredictorOptions = {}): Predictor {
  checkGraph('graph', graph);
  const n = graph.n;
  const emb = checkInteger('embeddingDim', options.embeddingDim ?? 512, 1);
  const hidden = checkInteger('hidden', options.hidden ?? 512, 1);
  const layers = checkInteger('layers', options.layers ?? 3, 1);
  const head = checkOneOf('head', options.head ?? 'conv', ['conv', 'linear', 'mlp'] as const);
  const dropout = checkInRange('dropout', options.dropout ?? 0.5, 0, 1, '[)');
  const dropRng = options.dropoutRng;
  if (dropout > 0 && dropRng === undefined)
    throw new PaperkitInputError(
      'dropoutRng',
      dropRng,
      'an Rng stream for the dropout masks when dropout > 0',
    );
  const params = new ParamMap();
  addEmbedding(params, rng, 'embedding', emb);
  for (let l = 0; l < layers; l++)
    addDense(params, rng, `conv${l}`, l === 0 ? emb : hidden, hidden, { init: 'xavier' });
  if (head === 'conv') addDense(params, rng, 'head', hidden, 1, { init: 'xavier' });
  else if (head === 'linear') addDense(params, rng, 'head', n * hidden, n);
  else {
    addDense(params, rng, 'head.fc0', n * hidden, 512);
    addDense(params, rng, 'head.fc1', 512, n);
  }
  const adj = tf.keep(tf.tensor2d(normalizedAdjacency(graph), [n, n]));
  let masks: tf.Tensor[] = [];
  const drawMasks = (rows: number): tf.Tensor[] =>
    Array.from({ length: layers }, () =>
      tf.tidy(() => tf.mul(bernoulliMask(dropRng!, [rows, n, hidden], 1 - dropout), 1 / (1 - dropout))),
    );
  // PyG applies the linear map first, then propagates (Â per round), then adds the bias.
  const conv = (v: Record<string, tf.Tensor>, name: string, x: tf.Tensor3D): tf.Tensor3D => {
    const [b, , w] = x.shape;
    const xw = tf.reshape(linear(v, name, tf.reshape(x, [b * n, w]) as tf.Tensor2D, false), [
      b,
      n,
      -1,
    ]) as tf.Tensor3D;
    return tf.add(
      tf.matMul(tf.broadcastTo(adj, [b, n, n]) as tf.Tensor3D, xw),
      v[`${name}.bias`]!,
    ) as tf.Tensor3D;
  };
  return {
    name: head === 'conv' ? 'gnn' : `gnn+${head}`,
    params,
    beginEpisode: (rounds, training) => {
      tf.dispose(masks);
      masks = training && dropout > 0 ? drawMasks(rounds).map((m) => tf.keep(m)) : [];
    },
    predict: (tokens, rounds, training) =>
      tf.tidy(() => {
        const b = checkTokens(tokens, rounds, n);
        const v = params.tensors();
        const useDrop = training && dropout > 0;
        // Masks fixed by beginEpisode make a replayed round see the same units dropped.
        const fixed =
          useDrop &&
          masks.length > 0 &&
          rounds.every((r) => Number.isInteger(r) && r >= 0 && r < masks[0]!.shape[0]!);
        const fresh = useDrop && !fixed ? drawMasks(b) : [];
        const idx = fixed ? tf.tensor1d(Int32Array.from(rounds), 'int32') : null;
        let x = tf.reshape(
          tf.matMul(tf.reshape(tokenOneHot(tokens), [b * n, 3]), v.embedding as tf.Tensor2D),
          [b, n, emb],
        ) as tf.Tensor3D;
        for (let l = 0; l < layers; l++) {
          x = tf.relu(conv(v, `conv${l}`, x));
          if (useDrop) x = tf.mul(x, fixed ? tf.gather(masks[l]!, idx!) : fresh[l]!) as tf.Tensor3D;
        }
        let logits: tf.Tensor;
        if (head === 'conv') logits = tf.reshape(conv(v, 'head', x), [b, n]);
        else if (head === 'linear') logits = linear(v, 'head', tf.reshape(x, [b, n * hidden]) as tf.Tensor2D);
        else
          logits = linear(
            v,
            'head.fc1',
            tf.relu(linear(v, 'head.fc0', tf.reshape(x, [b, n * hidden]) as tf.Tensor2D)),
          );
        return tf.sigmoid(logits) as tf.Tensor2D;
      }),
    dispose: () => {
      params.dispose();
      adj.dispose();
      tf.dispose(masks);
    },
  };
}

/** The predictor architectures of the reference `--architecture` flag. */
export const ARCHITECTURES = ['mlp', 'gnn', 'gnn+linear', 'gnn+mlp'] as const;

/** One of {@link ARCHITECTURES}. */
export type Architecture = (typeof ARCHITECTURES)[number];

/** Options of {@link createPredictor}; an absent field takes the reference value of the architecture. */
export interface PredictorOptions {
  /** Embedding width per agent (reference: mlp 128, gnn 512). */
  readonly embeddingDim?: number;
  /** Width of the MLP's two hidden layers or of the GCN layers (reference: 512). */
  readonly width?: number;
  /** Stream for the GCN's dropout masks (required by the `gnn*` architectures). */
  readonly dropoutRng?: Rng;
}

/**
 * The predictor the reference builds for an `--architecture` name (`Predictor(pop, …)` in
 * `train.py`): `mlp` is {@link createMlpPredictor}; `gnn`, `gnn+linear` and `gnn+mlp` are
 * {@link createGcnPredictor} with the `conv`, `linear` and `mlp` heads.
 */
export function createPredictor(
  architecture: Architecture,
  graph: Graph,
  rng: Rng,
  options: PredictorOptions = {},
): Predictor {
  checkOneOf('architecture', architecture, ARCHITECTURES);
  checkGraph('graph', graph);
  const { embeddingDim, width, dropoutRng } = options;
  if (architecture === 'mlp')
    return createMlpPredictor(graph.n, rng, {
      ...(embeddingDim !== undefined ? { embeddingDim } : {}),
      ...(width !== undefined ? { hidden: [width, width] } : {}),
    });
  const head = architecture === 'gnn' ? 'conv' : architecture === 'gnn+linear' ? 'linear' : 'mlp';
  return createGcnPredictor(graph, rng, {
    head,
    ...(embeddingDim !== undefined ? { embeddingDim } : {}),
    ...(width !== undefined ? { hidden: width } : {}),
    ...(dropoutRng !== undefined ? { dropoutRng } : {}),
  });
}

/**
 * An open-loop predictor θ_t = σ(w_t) with one free logit per agent and round, ignoring the tokens:
 * the designer as a plain sequence of predictions. Logits start at `initialLogits` (row-major
 * [rounds, N]) or at 0.
 */
export function createOpenLoopPredictor(
  n: number,
  totalRounds: number,
  initialLogits?: ArrayLike<number>,
): Predictor {
  checkInteger('n', n, 1);
  checkInteger('totalRounds', totalRounds, 1);
  if (initialLogits !== undefined && initialLogits.length !== n * totalRounds)
    throw new PaperkitInputError(
      'initialLogits',
      initialLogits,
      `an array of rounds·N = ${totalRounds * n} logits`,
    );
  const params = new ParamMap();
  tf.tidy(() => {
    params.add('logits', {
      value: initialLogits
        ? tf.tensor2d(Float32Array.from(initialLogits), [totalRounds, n])
        : tf.zeros([totalRounds, n]),
    });
  });
  return {
    name: 'open-loop',
    params,
    predict: (tokens, rounds) =>
      tf.tidy(() => {
        checkTokens(tokens, rounds, n);
        rounds.forEach((r, i) => {
          if (!Number.isInteger(r) || r < 0 || r >= totalRounds)
            throw new PaperkitInputError(`rounds[${i}]`, r, `an integer in [0, ${totalRounds - 1}]`);
        });
        // Row selection by a one-hot matMul: gather's gradient needs a kernel wasm lacks.
        const pick = tf.cast(
          tf.oneHot(tf.tensor1d(Int32Array.from(rounds), 'int32'), totalRounds),
          'float32',
        ) as tf.Tensor2D;
        return tf.sigmoid(tf.matMul(pick, params.get('logits') as tf.Tensor2D)) as tf.Tensor2D;
      }),
    dispose: () => params.dispose(),
  };
}
