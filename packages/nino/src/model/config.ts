import { checkFinite, checkInteger, PaperkitInputError } from '@paperkit/tensor-core';
import { NUM_EDGE_TYPES } from '../graph/types.js';

/**
 * Architecture of a nowcasting network (defaults: `optim/model.py` of the official code and the
 * public `nino_no_posw.pt`). `nino` is the graph network; `wnn+` is the authors' strengthened WNN
 * baseline, the same pipeline with every parameter processed independently by an MLP.
 */
export interface NinoConfig {
  /** `nino` (GNN on the neural graph) or `wnn+` (per-parameter MLP). */
  readonly kind: 'nino' | 'wnn+';
  /** Snapshots in the history c (`ctx`); default 5. */
  readonly context: number;
  /** Hidden width (`hid`); default 128. */
  readonly hidden: number;
  /** Message-passing layers (`layers`, GNN only); default 3. The last layer's node output is unused. */
  readonly layers: number;
  /** Largest feature slots per edge (`max_feat_size`): 9 for 3×3 convs, 1 for dense-only models. Default 9. */
  readonly maxFeatureSize: number;
  /** Horizons predicted at once by the direct multi-step head (`seq_len`) K; default 40. */
  readonly horizons: number;
  /** Rows of the edge-type embedding; default 15. */
  readonly edgeTypes: number;
  /** Laplacian eigenvectors per node (`lpe`, GNN only); default 8. */
  readonly lpeDim: number;
  /** Multiplier of the predicted change (`upd_scale`); default 1. */
  readonly updateScale: number;
}

/** The defaults of the official `NiNoModel` (the public `nino_no_posw.pt`). */
export const NINO_DEFAULTS: NinoConfig = {
  kind: 'nino',
  context: 5,
  hidden: 128,
  layers: 3,
  maxFeatureSize: 9,
  horizons: 40,
  edgeTypes: NUM_EDGE_TYPES,
  lpeDim: 8,
  updateScale: 1,
};

/** Fills defaults and validates a partial configuration. */
export function resolveNinoConfig(config: Partial<NinoConfig> = {}): NinoConfig {
  if (config === null || typeof config !== 'object')
    throw new PaperkitInputError('config', config, 'an object of NiNo settings');
  const c = { ...NINO_DEFAULTS, ...config };
  if (c.kind !== 'nino' && c.kind !== 'wnn+')
    throw new PaperkitInputError('config.kind', c.kind, '"nino" or "wnn+"');
  checkInteger('config.context', c.context, 2);
  checkInteger('config.hidden', c.hidden, 1);
  checkInteger('config.layers', c.layers, 1);
  checkInteger('config.maxFeatureSize', c.maxFeatureSize, 1);
  checkInteger('config.horizons', c.horizons, 1);
  checkInteger('config.edgeTypes', c.edgeTypes, NUM_EDGE_TYPES);
  checkInteger('config.lpeDim', c.lpeDim, 1);
  checkFinite('config.updateScale', c.updateScale);
  return c;
}

/** One parameter tensor of a nowcasting network, in PyTorch layout ([out, in] for linear weights). */
export interface NinoTensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

/**
 * The parameter tensors of a configuration, named and shaped as in the official checkpoints (linear
 * weights [out, in]). The GNN keeps the parameters of its last message-passing layer although their
 * output is never used (`final_edge_update=False`), so checkpoints load and counts match the paper.
 */
export function ninoTensorSpecs(config: NinoConfig): NinoTensorSpec[] {
  const h = config.hidden;
  const lin = (name: string, nin: number, nout: number): NinoTensorSpec[] => [
    { name: `${name}.weight`, shape: [nout, nin] },
    { name: `${name}.bias`, shape: [nout] },
  ];
  const specs: NinoTensorSpec[] = [{ name: 'layer_embed.weight', shape: [config.edgeTypes, h] }];
  if (config.kind === 'wnn+') {
    specs.push(...lin('edge_proj.fc.0', config.context, h));
    for (const i of [0, 2, 4]) specs.push(...lin(`edge_mlp.fc.${i}`, h, h));
    specs.push(...lin('edge_mlp.fc.6', h, config.horizons));
    return specs;
  }
  specs.push(...lin('node_proj.fc.0', config.lpeDim, h));
  specs.push(...lin('edge_proj.fc.0', config.maxFeatureSize * config.context, h));
  specs.push(...lin('edge_out.fc.0', h, h));
  specs.push(...lin('edge_out.fc.2', h, config.maxFeatureSize * config.horizons));
  for (let l = 0; l < config.layers; l++) {
    specs.push(...lin(`gnn.convs.${l}.edge_encoder`, h, 2 * h));
    specs.push(...lin(`gnn.convs.${l}.pre_nns.0.0`, 2 * h, h));
    specs.push(...lin(`gnn.convs.${l}.post_nns.0.0`, 2 * h, h));
    specs.push(...lin(`gnn.convs.${l}.lin`, h, h));
  }
  for (let l = 0; l + 1 < config.layers; l++)
    for (const part of ['lin_e', 'lin_s', 'lin_t', 'lin1'])
      specs.push(...lin(`gnn.edge_update.${l}.${part}`, h, h));
  return specs;
}

/** Number of parameters of a configuration (e.g. 549,992 for the defaults, 57,384 for WNN+ at hid 128). */
export function ninoParamCount(config: Partial<NinoConfig> = {}): number {
  return ninoTensorSpecs(resolveNinoConfig(config)).reduce(
    (n, s) => n + s.shape.reduce((a, b) => a * b, 1),
    0,
  );
}
