import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type CheckpointJson,
  EDGE_TYPES,
  loadCheckpoint,
  type NeuralGraph,
  type NinoModel,
  SELF_LOOP_VALUE,
} from '../src/index.js';

/** Reads a JSON file beside the tests (fixtures) or in the package's checkpoints folder. */
export function readJson<T>(relative: string): T {
  return JSON.parse(readFileSync(fileURLToPath(new URL(relative, import.meta.url)), 'utf8')) as T;
}

/** A shipped checkpoint by file stem (`nino_no_posw`, `nino_mlp`, …). */
export function shippedCheckpoint(stem: string): NinoModel {
  const json = readJson<CheckpointJson>(`../checkpoints/${stem}.json`);
  const bin = readFileSync(fileURLToPath(new URL(`../checkpoints/${stem}.bin`, import.meta.url)));
  return loadCheckpoint(json, bin);
}

/** The official-code oracle on a 16-32-32-8 MLP (see the fixture's description). */
export interface MlpOracle {
  readonly architecture: {
    readonly params: readonly { name: string; shape: number[] }[];
    readonly n_params: number;
  };
  readonly ctx: number;
  readonly snapshots_oldest_first: number[][];
  readonly scales: readonly { name: string; mean: number; std: number }[];
  readonly graph: {
    readonly num_nodes: number;
    readonly num_edges: number;
    readonly edge_index: [number[], number[]];
    readonly edge_type: number[];
    readonly param_edge_ranges: Record<string, [number, number]>;
    readonly lpe: number[][];
    readonly k_schedule_period1000_max10000: number[];
  };
  readonly cases: readonly { checkpoint: string; k: number; predicted: number[] }[];
}

export function mlpOracle(): MlpOracle {
  return readJson<MlpOracle>('./fixtures/oracle-mlp.json');
}

/**
 * The neural graph of a model that is one vector parameter `name` of n values (the optimizer
 * conformance suite's toy problems): an auxiliary node with one edge (type bias) to each of n neurons,
 * then a self-loop per node, as the official graph gives a lone 1-D tensor.
 */
export function vectorGraph(name: string, n: number): NeuralGraph {
  const nodes = n + 1;
  const edges = n + nodes;
  const src = new Int32Array(edges);
  const dst = new Int32Array(edges);
  const edgeType = new Int32Array(edges);
  const paramIndex = new Int32Array(edges).fill(-1);
  const featureStride = new Int32Array(edges);
  const featureCount = new Int32Array(edges);
  const constant = new Float32Array(edges);
  for (let i = 0; i < n; i++) {
    dst[i] = i + 1;
    edgeType[i] = EDGE_TYPES.bias;
    paramIndex[i] = i;
    featureStride[i] = 1;
    featureCount[i] = 1;
  }
  for (let v = 0; v < nodes; v++) {
    src[n + v] = v;
    dst[n + v] = v;
    edgeType[n + v] = EDGE_TYPES.selfLoop;
    constant[n + v] = SELF_LOOP_VALUE;
  }
  return {
    numNodes: nodes,
    numEdges: edges,
    src,
    dst,
    edgeType,
    paramIndex,
    featureStride,
    featureCount,
    constant,
    featureSize: 1,
    posW: new Int32Array(nodes),
    params: [
      {
        name,
        shape: [n],
        offset: 0,
        size: n,
        type: EDGE_TYPES.bias,
        edgeStart: 0,
        edgeCount: n,
        kernelSize: 1,
      },
    ],
    paramCount: n,
    groups: [
      { name: `${name}.aux`, kind: 'aux', start: 0, count: 1 },
      { name: `${name}.out`, kind: 'neurons', start: 1, count: n },
    ],
  };
}
