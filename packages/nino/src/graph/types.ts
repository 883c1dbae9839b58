/**
 * The neural graph of a model (Knyazev et al. 2025, Fig. 2; Kofinas et al. 2024): neurons are
 * nodes, every weight is a directed edge from an input neuron to an output neuron, every 1-D
 * parameter tensor (bias, norm gain) gets its own auxiliary node with one edge per neuron it acts on,
 * and every node has a self-loop. Edge features are the parameter values over time.
 */

/**
 * Edge-type ids, the rows of NiNo's edge-type embedding (15 rows; `graph/graph.py` `_param_type`
 * and the transformer graph classes of the official code).
 */
export const EDGE_TYPES = {
  /** Unused row 0. */
  dummy: 0,
  /** Linear / fully connected weight. */
  linear: 1,
  /** Bias and any other 1-D tensor that is not a norm gain. */
  bias: 2,
  /** Convolution weight (the edge carries the kh·kw kernel). */
  conv: 3,
  /** Norm gain (LayerNorm, BatchNorm, RMSNorm weight). */
  norm: 4,
  /** Token embedding. */
  tokenEmbedding: 5,
  /** Position embedding. */
  positionEmbedding: 6,
  /** Attention query weight. */
  query: 7,
  /** Attention key weight (edges reversed, so q and k share one neuron set). */
  key: 8,
  /** Attention value weight. */
  value: 9,
  /** Residual connection (auxiliary, value 1). */
  residual: 10,
  /** Attention-head membership (auxiliary, value 1). */
  head: 11,
  /** Self-loop (value 2). */
  selfLoop: 13,
} as const;

/** Number of edge types NiNo embeds. */
export const NUM_EDGE_TYPES = 15;

/** Value of the auxiliary (residual, head) edges: structural, not parameters. */
export const AUX_EDGE_VALUE = 1;
/** Value of the self-loop edges in feature slot 0 (`graph/graph.py` `to_edges`). */
export const SELF_LOOP_VALUE = 2;

/** One parameter tensor of the graph's model and where its values sit. */
export interface GraphParam {
  /** Parameter name (as in the user's parameter map). */
  readonly name: string;
  /** Tensor shape in the model's own layout. */
  readonly shape: readonly number[];
  /** Offset of the tensor in the flat parameter vector (row-major values). */
  readonly offset: number;
  /** Number of values. */
  readonly size: number;
  /** Edge type of its edges ({@link EDGE_TYPES}). */
  readonly type: number;
  /** First edge of the tensor. */
  readonly edgeStart: number;
  /** Number of edges (for a conv weight: in·out, each carrying kh·kw values). */
  readonly edgeCount: number;
  /** Values per edge: kh·kw for a conv weight, 1 otherwise. */
  readonly kernelSize: number;
}

/** What a range of nodes stands for, for inspection, tests and node-wise permutations. */
export interface NodeGroup {
  /** Descriptive name, e.g. `fc0.out`, `block0.qk`, `block0.heads`, `fc0.bias`. */
  readonly name: string;
  /** Kind of node. */
  readonly kind:
    | 'input'
    | 'neurons'
    | 'aux'
    | 'token'
    | 'position'
    | 'stream'
    | 'qk'
    | 'v'
    | 'head'
    | 'hidden';
  /** First node id. */
  readonly start: number;
  /** Number of nodes. */
  readonly count: number;
}

/**
 * A neural graph with an exact map between the flat parameter vector and the edge features.
 * Feature slot `f` of edge `e` holds `θ[paramIndex[e] + f·featureStride[e]]` for
 * `f < featureCount[e]`; edges without a parameter (`paramIndex[e] = −1`) hold `constant[e]` in slot
 * 0 (1 for residual/head edges, 2 for self-loops); all other slots are 0.
 */
export interface NeuralGraph {
  /** Number of nodes. */
  readonly numNodes: number;
  /** Number of edges (parameter edges, auxiliary edges, then one self-loop per node). */
  readonly numEdges: number;
  /** Source node of each edge. */
  readonly src: Int32Array;
  /** Target node of each edge. */
  readonly dst: Int32Array;
  /** Edge type of each edge ({@link EDGE_TYPES}). */
  readonly edgeType: Int32Array;
  /** Flat parameter index of feature slot 0 of each edge, or −1 for structural edges. */
  readonly paramIndex: Int32Array;
  /** Distance in the flat vector between consecutive feature slots of an edge (kernel elements). */
  readonly featureStride: Int32Array;
  /** Number of parameter values an edge carries (0 for structural edges). */
  readonly featureCount: Int32Array;
  /** Value of structural edges in slot 0 (0 for parameter edges). */
  readonly constant: Float32Array;
  /** Feature slots per edge F_g: the largest kernel size (1 without convolutions). */
  readonly featureSize: number;
  /** Per node: token id + 1 for token-embedding nodes, 0 otherwise (the official `pos_w`). */
  readonly posW: Int32Array;
  /** Parameter tensors in flat-vector order. */
  readonly params: readonly GraphParam[];
  /** Length of the flat parameter vector. */
  readonly paramCount: number;
  /** Node ranges with their meaning. */
  readonly groups: readonly NodeGroup[];
}
