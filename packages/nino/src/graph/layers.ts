/**
 * The declarative layer list a neural graph is built from. Layers are read in order; each reads the
 * current neuron set and (for weights) writes a new one. Parameter names tie the graph to the user's
 * parameter map, and `layout` says how each weight tensor is stored.
 */

/**
 * Storage of a dense weight: `in-out` is [in, out] (paperkit, tfjs Layers, GPT-2's `Conv1D`),
 * `out-in` is [out, in] (PyTorch `nn.Linear`).
 */
export type DenseLayout = 'in-out' | 'out-in';

/** Storage of a conv kernel: `hwio` is [kh, kw, in, out] (paperkit, tfjs), `oihw` is [out, in, kh, kw] (PyTorch). */
export type ConvLayout = 'hwio' | 'oihw';

/** A dense layer: an edge from every input neuron to every output neuron (edge type 1). */
export interface LinearLayer {
  readonly kind: 'linear';
  /** Input width (must equal the current neuron count). */
  readonly in: number;
  /** Output width. */
  readonly out: number;
  /** Name of the weight tensor. */
  readonly weight: string;
  /** Name of the bias tensor [out]; no bias when absent or null. */
  readonly bias?: string | null;
  /** Weight storage; default `in-out`. */
  readonly layout?: DenseLayout;
}

/** A 2-D convolution: one edge per (in-channel, out-channel) pair carrying the kh·kw kernel (type 3). */
export interface ConvLayer {
  readonly kind: 'conv';
  /** Input channels (must equal the current neuron count). */
  readonly in: number;
  /** Output channels. */
  readonly out: number;
  /** Kernel height and width. */
  readonly kernel: readonly [number, number];
  /** Name of the kernel tensor. */
  readonly weight: string;
  /** Name of the bias tensor [out]; none when absent or null. */
  readonly bias?: string | null;
  /** Kernel storage; default `hwio`. */
  readonly layout?: ConvLayout;
}

/**
 * A normalisation layer (LayerNorm, BatchNorm, RMSNorm): its gain (type 4) and bias (type 2) each get
 * an auxiliary node with edges to the current neurons; no new neurons.
 */
export interface NormLayer {
  readonly kind: 'norm';
  /** Normalised width (must equal the current neuron count). */
  readonly dim: number;
  /** Name of the gain tensor [dim]. */
  readonly gain: string;
  /** Name of the shift tensor [dim]; none when absent or null (RMSNorm). */
  readonly bias?: string | null;
}

/**
 * Flattening C channel maps of `spatial` positions each before a dense layer (extension: the paper's
 * CNN pools globally instead). The next layer's C·spatial inputs stay on the C channel nodes, so a
 * channel has one edge per position to each output neuron (a multigraph) and channel permutations
 * remain graph automorphisms.
 */
export interface FlattenLayer {
  readonly kind: 'flatten';
  /** Positions per channel (h·w of the feature map). */
  readonly spatial: number;
  /**
   * Order of the flattened features: `spatial-major` (index = position·C + channel, NHWC reshape in
   * tfjs/paperkit) or `channel-major` (channel·spatial + position, PyTorch NCHW). Default `spatial-major`.
   */
  readonly order?: 'spatial-major' | 'channel-major';
}

/**
 * Token (and optional position) embedding of a transformer: V token nodes and P position nodes with
 * edges to a new residual stream of `dim` neurons (types 5 and 6). Must be the first layer.
 */
export interface EmbeddingLayer {
  readonly kind: 'embedding';
  /** Vocabulary size V. */
  readonly vocab: number;
  /** Model width d. */
  readonly dim: number;
  /** Name of the token table [V, d] (row v is token v's embedding). */
  readonly tokens: string;
  /** Position table: rows P and its name [P, d]; none when absent. */
  readonly positions?: { readonly count: number; readonly name: string } | null;
}

/** Parameter names of one pre-LN transformer block (GPT-2 layout with a fused QKV weight). */
export interface TransformerBlockNames {
  readonly ln1Gain: string;
  readonly ln1Bias: string | null;
  /** Fused QKV weight [d, 3d] (in-out, q | k | v column blocks). */
  readonly qkvWeight: string;
  readonly qkvBias: string | null;
  /** Attention output projection [d, d] (in-out). */
  readonly projWeight: string;
  readonly projBias: string | null;
  readonly ln2Gain: string;
  readonly ln2Bias: string | null;
  /** MLP input projection [d, hidden] (in-out). */
  readonly fc1Weight: string;
  readonly fc1Bias: string | null;
  /** MLP output projection [hidden, d] (in-out). */
  readonly fc2Weight: string;
  readonly fc2Bias: string | null;
}

/**
 * One pre-LN transformer block x_mid = x + Attn(LN1(x)), x_out = x_mid + MLP(LN2(x_mid)), as NiNo's
 * graph (Knyazev et al. 2025, Fig. 2c): Q and K share one neuron set (K edges reversed), V its own,
 * H head nodes tie each head's q- and v-dims together, residual edges join the stream copies.
 */
export interface TransformerBlockLayer {
  readonly kind: 'transformer-block';
  /** Model width d (must equal the current stream width). */
  readonly dim: number;
  /** Attention heads H (a divisor of d). */
  readonly heads: number;
  /** MLP hidden width. */
  readonly hidden: number;
  /** Parameter names. */
  readonly names: TransformerBlockNames;
}

/** One entry of a layer list. */
export type Layer =
  | LinearLayer
  | ConvLayer
  | NormLayer
  | FlattenLayer
  | EmbeddingLayer
  | TransformerBlockLayer;

/** Every layer kind, for validation messages. */
export const LAYER_KINDS: readonly Layer['kind'][] = [
  'linear',
  'conv',
  'norm',
  'flatten',
  'embedding',
  'transformer-block',
];

/** Options of {@link mlpLayers}. */
export interface MlpLayersOptions {
  /** Whether layers have biases; default true. */
  readonly bias?: boolean;
  /**
   * Parameter naming and storage: `paperkit` (tensor-core `initMlp`: `${prefix}fc{i}.weight` [in, out])
   * or `torch` (an `nn.Sequential` of Linear and activation modules: `${prefix}{2i}.weight` [out, in]).
   * Default `paperkit`.
   */
  readonly naming?: 'paperkit' | 'torch';
  /** Name prefix; default `''` for paperkit, `'fc.'` for torch (the official code's `Net`). */
  readonly prefix?: string;
}

/** The layer list of an MLP with widths `sizes` (inputs first). */
export function mlpLayers(sizes: readonly number[], options: MlpLayersOptions = {}): Layer[] {
  const torch = (options.naming ?? 'paperkit') === 'torch';
  const prefix = options.prefix ?? (torch ? 'fc.' : '');
  const bias = options.bias ?? true;
  const out: Layer[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const base = torch ? `${prefix}${2 * i}` : `${prefix}fc${i}`;
    out.push({
      kind: 'linear',
      in: sizes[i]!,
      out: sizes[i + 1]!,
      weight: `${base}.weight`,
      bias: bias ? `${base}.bias` : null,
      layout: torch ? 'out-in' : 'in-out',
    });
  }
  return out;
}

/** Configuration of {@link transformerLayers}; the fields of tensor-core's `TransformerConfig` it needs. */
export interface TransformerLayersConfig {
  readonly vocabSize: number;
  readonly contextLength: number;
  readonly dModel: number;
  readonly heads: number;
  readonly layers: number;
  /** MLP width as a multiple of d; default 4. */
  readonly mlpRatio?: number;
  /** Output head tied to the token embedding; default false (a `head.weight` [d, V]). */
  readonly tiedHead?: boolean;
  /** Name prefix; default `''`. */
  readonly prefix?: string;
}

/** The layer list of tensor-core's `initTransformer` model (its parameter names and layouts). */
export function transformerLayers(config: TransformerLayersConfig): Layer[] {
  const p = config.prefix ?? '';
  const d = config.dModel;
  const hidden = (config.mlpRatio ?? 4) * d;
  const out: Layer[] = [
    {
      kind: 'embedding',
      vocab: config.vocabSize,
      dim: d,
      tokens: `${p}tok.embedding`,
      positions: { count: config.contextLength, name: `${p}pos.embedding` },
    },
  ];
  for (let i = 0; i < config.layers; i++) {
    const b = `${p}block${i}`;
    out.push({
      kind: 'transformer-block',
      dim: d,
      heads: config.heads,
      hidden,
      names: {
        ln1Gain: `${b}.ln1.gain`,
        ln1Bias: `${b}.ln1.bias`,
        qkvWeight: `${b}.attn.qkv.weight`,
        qkvBias: `${b}.attn.qkv.bias`,
        projWeight: `${b}.attn.proj.weight`,
        projBias: `${b}.attn.proj.bias`,
        ln2Gain: `${b}.ln2.gain`,
        ln2Bias: `${b}.ln2.bias`,
        fc1Weight: `${b}.mlp.fc1.weight`,
        fc1Bias: `${b}.mlp.fc1.bias`,
        fc2Weight: `${b}.mlp.fc2.weight`,
        fc2Bias: `${b}.mlp.fc2.bias`,
      },
    });
  }
  out.push({ kind: 'norm', dim: d, gain: `${p}lnf.gain`, bias: `${p}lnf.bias` });
  if (!(config.tiedHead ?? false))
    out.push({ kind: 'linear', in: d, out: config.vocabSize, weight: `${p}head.weight`, bias: null });
  return out;
}

/** Configuration of {@link cnnLayers}: the paper's `Net` (convs, global average pool, one linear head). */
export interface CnnLayersConfig {
  /** Input channels. */
  readonly inChannels: number;
  /** Output channels of each conv. */
  readonly channels: readonly number[];
  /** Number of classes. */
  readonly classes: number;
  /** Square kernel size; default 3. */
  readonly kernel?: number;
  /** Parameter naming and storage; default `torch` (the official `Net`: `fc.{2i}` convs, `fc.{2n+2}` head). */
  readonly naming?: 'paperkit' | 'torch';
}

/**
 * The layer list of the paper's small CNN (`utils/vision.py` `Net`: conv → ReLU → … → global
 * average pool → linear), whose channels map one-to-one through activations and pooling. With
 * `naming: 'paperkit'` the names are `conv{i}.weight` [k, k, in, out] and `fc0.weight` [C, classes].
 */
export function cnnLayers(config: CnnLayersConfig): Layer[] {
  const torch = (config.naming ?? 'torch') === 'torch';
  const k = config.kernel ?? 3;
  const out: Layer[] = [];
  let cin = config.inChannels;
  config.channels.forEach((c, i) => {
    const base = torch ? `fc.${2 * i}` : `conv${i}`;
    out.push({
      kind: 'conv',
      in: cin,
      out: c,
      kernel: [k, k],
      weight: `${base}.weight`,
      bias: `${base}.bias`,
      layout: torch ? 'oihw' : 'hwio',
    });
    cin = c;
  });
  // The official Net is Sequential(conv, ReLU, conv, ReLU, conv, ReLU, AdaptiveAvgPool, Flatten, Linear).
  const head = torch ? `fc.${2 * config.channels.length + 2}` : 'fc0';
  out.push({
    kind: 'linear',
    in: cin,
    out: config.classes,
    weight: `${head}.weight`,
    bias: `${head}.bias`,
    layout: torch ? 'out-in' : 'in-out',
  });
  return out;
}
