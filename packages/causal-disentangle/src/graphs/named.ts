import { checkInteger, PaperkitInputError } from '@paperkit/tensor-core';
import { type Graph, identityGraph } from './graph.js';

/**
 * The named graphs of the reference repository (`data/synthetic.py`, `get_ToyManifoldDatasets` and the
 * dataset classes), in the package's orientation (rows = children). Graphs named after a dataset
 * variant work for any d_z (even d_z for the block graphs); the `graph_*` ones are the repo's fixed
 * d_z = 10 designs (the `graph_action_3*` ones have d_a = 5).
 */

/** Named action graphs (d_z×d_a). */
export type ActionGraphName =
  | 'action_trivial'
  | 'action_non_trivial'
  | 'action_no_graph_crit'
  | 'graph_action_1'
  | 'graph_action_1.1'
  | 'graph_action_2'
  | 'graph_action_3_easy'
  | 'graph_action_3_hard'
  | 'graph_action_3.1_hard'
  | 'graph_action_3.2_hard';

/** Named temporal graphs (d_z×d_z). */
export type TemporalGraphName =
  | 'temporal_trivial'
  | 'temporal_non_trivial'
  | 'temporal_no_graph_crit'
  | 'graph_temporal_1'
  | 'graph_temporal_2'
  | 'graph_temporal_3_easy'
  | 'graph_temporal_3_hard'
  | 'graph_temporal_3.1_hard';

/** Any named graph. */
export type GraphName = ActionGraphName | TemporalGraphName;

/** Whether a named graph is an action or a temporal graph, and which d_z it needs. */
export interface NamedGraphInfo {
  readonly name: GraphName;
  readonly kind: 'action' | 'temporal';
  /** `any`, `even` (block graphs), or the one d_z the fixed design has. */
  readonly latentDim: 'any' | 'even' | 10;
}

/** Every named graph, in the order above. */
export const NAMED_GRAPHS: readonly NamedGraphInfo[] = [
  { name: 'action_trivial', kind: 'action', latentDim: 'any' },
  { name: 'action_non_trivial', kind: 'action', latentDim: 'any' },
  { name: 'action_no_graph_crit', kind: 'action', latentDim: 'even' },
  { name: 'graph_action_1', kind: 'action', latentDim: 10 },
  { name: 'graph_action_1.1', kind: 'action', latentDim: 10 },
  { name: 'graph_action_2', kind: 'action', latentDim: 'even' },
  { name: 'graph_action_3_easy', kind: 'action', latentDim: 10 },
  { name: 'graph_action_3_hard', kind: 'action', latentDim: 10 },
  { name: 'graph_action_3.1_hard', kind: 'action', latentDim: 10 },
  { name: 'graph_action_3.2_hard', kind: 'action', latentDim: 10 },
  { name: 'temporal_trivial', kind: 'temporal', latentDim: 'any' },
  { name: 'temporal_non_trivial', kind: 'temporal', latentDim: 'any' },
  { name: 'temporal_no_graph_crit', kind: 'temporal', latentDim: 'even' },
  { name: 'graph_temporal_1', kind: 'temporal', latentDim: 10 },
  { name: 'graph_temporal_2', kind: 'temporal', latentDim: 'even' },
  { name: 'graph_temporal_3_easy', kind: 'temporal', latentDim: 10 },
  { name: 'graph_temporal_3_hard', kind: 'temporal', latentDim: 10 },
  { name: 'graph_temporal_3.1_hard', kind: 'temporal', latentDim: 10 },
];

function fromBits(rows: readonly string[]): Graph {
  const cols = rows[0]!.length;
  const data = new Float64Array(rows.length * cols);
  rows.forEach((r, i) => {
    for (let j = 0; j < cols; j++) data[i * cols + j] = r[j] === '1' ? 1 : 0;
  });
  return { rows: rows.length, cols, data };
}

/** d/b diagonal all-ones blocks of size b. */
function blocks(d: number, b: number): Graph {
  const data = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) if (Math.floor(i / b) === Math.floor(j / b)) data[i * d + j] = 1;
  return { rows: d, cols: d, data };
}

/** The default action graph: G[i][i] = G[i][(i−1) mod d] = 1 (cyclic bidiagonal, 2 parents per row for d ≥ 2). */
export function defaultActionGraph(d: number): Graph {
  checkInteger('latentDim', d, 1);
  const g = identityGraph(d);
  for (let i = 0; i < d; i++) g.data[i * d + ((i - 1 + d) % d)] = 1;
  return g;
}

/** The default temporal graph: lower-triangular ones (z_j^{t−1} → z_i^t for j ≤ i). */
export function defaultTemporalGraph(d: number): Graph {
  checkInteger('latentDim', d, 1);
  const data = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) data[i * d + j] = 1;
  return { rows: d, cols: d, data };
}

const ACTION_1 = [
  '0101101001',
  '0000000010',
  '0001000110',
  '0000000100',
  '0101100000',
  '0101100001',
  '0010100000',
  '1001011001',
  '0000000000',
  '0000000100',
];

const ACTION_3_EASY = [
  '10000',
  '10000',
  '01000',
  '01000',
  '00100',
  '00100',
  '00010',
  '00010',
  '00001',
  '00001',
];

const TEMPORAL_1 = [
  '1111111101',
  '1111101110',
  '1111111111',
  '1111111111',
  '1011111111',
  '1011110011',
  '1111111111',
  '1111111110',
  '1111111111',
  '1111111111',
];

const TEMPORAL_3_HARD = [
  '1100000011',
  '1100000011',
  '0011000000',
  '0011000000',
  '0000110000',
  '0000110000',
  '0000001100',
  '0000001100',
  '1100110011',
  '1100110011',
];

const TEMPORAL_31_HARD = [
  '1100000000',
  '1100000000',
  '0011111100',
  '0011111100',
  '0000110000',
  '0000110000',
  '0011001100',
  '0011001100',
  '0000000011',
  '0000000011',
];

/**
 * A named graph of the reference repository for `latentDim` latents (default 10). Fixed designs
 * (`graph_*_1`, `graph_*_3*`) exist only for d_z = 10; block graphs need an even d_z.
 */
export function namedGraph(name: GraphName, latentDim = 10): Graph {
  const info = NAMED_GRAPHS.find((g) => g.name === name);
  if (!info)
    throw new PaperkitInputError(
      'name',
      name,
      `one of ${NAMED_GRAPHS.map((g) => JSON.stringify(g.name)).join(', ')}`,
    );
  const d = checkInteger('latentDim', latentDim, 1);
  if (info.latentDim === 10 && d !== 10)
    throw new PaperkitInputError('latentDim', d, `10 (the fixed design ${name} has d_z = 10)`);
  if (info.latentDim === 'even' && d % 2 !== 0)
    throw new PaperkitInputError('latentDim', d, `an even number (${name} is made of blocks)`);
  switch (name) {
    case 'action_trivial':
    case 'temporal_trivial':
      return identityGraph(d);
    case 'action_non_trivial':
      return defaultActionGraph(d);
    case 'temporal_non_trivial':
      return defaultTemporalGraph(d);
    case 'action_no_graph_crit':
    case 'graph_action_2':
      return blocks(d, 2);
    case 'temporal_no_graph_crit':
    case 'graph_temporal_2':
      return blocks(d, d / 2);
    case 'graph_action_1':
      return fromBits(ACTION_1);
    case 'graph_action_1.1': {
      // graph_action_1 with row 8 given one parent (a_1), so every latent has a parent.
      const g = fromBits(ACTION_1);
      g.data[8 * 10 + 1] = 1;
      return g;
    }
    case 'graph_action_3_easy':
      return fromBits(ACTION_3_EASY);
    case 'graph_action_3_hard': {
      const g = fromBits(ACTION_3_EASY);
      g.data[8 * 5] = 1;
      g.data[9 * 5] = 1;
      return g;
    }
    case 'graph_action_3.1_hard': {
      const g = fromBits(ACTION_3_EASY);
      g.data[2 * 5 + 3] = 1;
      g.data[3 * 5 + 3] = 1;
      return g;
    }
    case 'graph_action_3.2_hard': {
      const g = fromBits(ACTION_3_EASY);
      g.data[2 * 5 + 2] = 1;
      g.data[3 * 5 + 2] = 1;
      g.data[8 * 5] = 1;
      g.data[9 * 5] = 1;
      return g;
    }
    case 'graph_temporal_1':
      return fromBits(TEMPORAL_1);
    case 'graph_temporal_3_easy':
      return blocks(10, 2);
    case 'graph_temporal_3_hard':
      return fromBits(TEMPORAL_3_HARD);
    case 'graph_temporal_3.1_hard':
      return fromBits(TEMPORAL_31_HARD);
  }
}
