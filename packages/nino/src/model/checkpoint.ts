import { PaperkitInputError, ParamMap } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { type NinoConfig, ninoTensorSpecs, resolveNinoConfig } from './config.js';
import { NinoModel, storedShape } from './model.js';

/** One tensor entry of a checkpoint's JSON. */
export interface CheckpointTensor {
  readonly name: string;
  /** PyTorch layout ([out, in] for linear weights). */
  readonly shape: readonly number[];
  readonly dtype: 'float32';
  /** Byte offset in the binary. */
  readonly offset: number;
  readonly nbytes: number;
}

/**
 * The JSON half of a checkpoint: the format of the converted public checkpoints (float32 tensors,
 * little-endian, concatenated in the listed order; `config` with the official `NiNoModel` keys).
 */
export interface CheckpointJson {
  readonly name: string;
  readonly source?: string;
  readonly format?: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly n_params: number;
  readonly total_bytes: number;
  readonly tensors: readonly CheckpointTensor[];
  /** How the weights were made (our own checkpoints: command, configuration, seed, backend). */
  readonly provenance?: unknown;
  readonly [key: string]: unknown;
}

/**
 * Settings of the official model configuration that this port implements; a checkpoint with any other
 * value is rejected rather than silently run as something else.
 */
const SUPPORTED: Readonly<Record<string, readonly unknown[]>> = {
  dms: [true],
  residual: [true],
  wte_pos_enc: [false, null, undefined],
  scale_method: ['std', undefined],
  act: ['silu', undefined],
  input_layer: ['linear', undefined],
  final_edge_update: [false, undefined],
  improved_graph: [true, undefined],
  gnn_aggregator: ['mean', undefined],
  gnn_scaler: ['identity', undefined],
  modulate_edges: [true, undefined],
  towers: [1, undefined],
};

/** The official configuration keys of a {@link NinoConfig}. */
export function toOfficialConfig(c: NinoConfig): Record<string, unknown> {
  const gnn = c.kind === 'nino';
  return {
    ctx: c.context,
    hid: c.hidden,
    layers: gnn ? c.layers : null,
    gnn,
    dms: true,
    max_feat_size: c.maxFeatureSize,
    seq_len: c.horizons,
    residual: true,
    wte_pos_enc: gnn ? false : null,
    edge_types: c.edgeTypes,
    lpe: gnn ? c.lpeDim : null,
    scale_method: 'std',
    upd_scale: c.updateScale,
    act: 'silu',
    input_layer: 'linear',
    final_edge_update: false,
    improved_graph: true,
    gnn_aggregator: 'mean',
    gnn_scaler: 'identity',
    modulate_edges: true,
    towers: 1,
  };
}

/** Reads the architecture from a checkpoint's official `config`, rejecting unsupported settings. */
export function fromOfficialConfig(config: Readonly<Record<string, unknown>>): NinoConfig {
  if (config === null || typeof config !== 'object')
    throw new PaperkitInputError('checkpoint.config', config, 'an object with the official NiNoModel keys');
  for (const [key, allowed] of Object.entries(SUPPORTED))
    if (!allowed.includes(config[key]))
      throw new PaperkitInputError(
        `checkpoint.config.${key}`,
        config[key],
        `${allowed
          .filter((a) => a !== undefined)
          .map((a) => JSON.stringify(a))
          .join(' or ')} (the settings this port implements)`,
      );
  const num = (key: string, fallback?: number): number => {
    const v = config[key];
    if (v === null || v === undefined) {
      if (fallback !== undefined) return fallback;
      throw new PaperkitInputError(`checkpoint.config.${key}`, v, 'a number');
    }
    if (typeof v !== 'number') throw new PaperkitInputError(`checkpoint.config.${key}`, v, 'a number');
    return v;
  };
  const gnn = config.gnn;
  if (gnn !== true && gnn !== false)
    throw new PaperkitInputError('checkpoint.config.gnn', gnn, 'true or false');
  return resolveNinoConfig({
    kind: gnn ? 'nino' : 'wnn+',
    context: num('ctx'),
    hidden: num('hid'),
    layers: gnn ? num('layers') : 3,
    maxFeatureSize: num('max_feat_size'),
    horizons: num('seq_len'),
    edgeTypes: num('edge_types'),
    lpeDim: gnn ? num('lpe') : 8,
    updateScale: num('upd_scale', 1),
  });
}

/** Options of {@link loadCheckpoint}. */
export interface LoadCheckpointOptions {
  /** Settings the caller requires (e.g. `{ kind: 'nino', context: 5 }`); a mismatch is an error. */
  readonly expect?: Partial<NinoConfig>;
}

function bytesOf(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new PaperkitInputError('data', data, 'an ArrayBuffer or a typed array of the checkpoint binary');
}

/**
 * Builds a nowcasting network from a checkpoint: its JSON (object or text) and its binary (an
 * ArrayBuffer or a Uint8Array, e.g. from `fetch(...).arrayBuffer()` or a bundler's asset import).
 * Browser-safe; no download. Every tensor of the configuration must be present with its exact shape,
 * and no other; errors name the tensor or the config key that disagrees.
 */
export function loadCheckpoint(
  json: CheckpointJson | string,
  data: ArrayBuffer | ArrayBufferView,
  options: LoadCheckpointOptions = {},
): NinoModel {
  const meta = (typeof json === 'string' ? JSON.parse(json) : json) as CheckpointJson;
  if (meta === null || typeof meta !== 'object' || !Array.isArray(meta.tensors))
    throw new PaperkitInputError('checkpoint', meta, 'checkpoint JSON with "config" and "tensors"');
  const config = fromOfficialConfig(meta.config);
  for (const [key, want] of Object.entries(options.expect ?? {}))
    if ((config as unknown as Record<string, unknown>)[key] !== want)
      throw new PaperkitInputError(
        `checkpoint.config (${key})`,
        (config as unknown as Record<string, unknown>)[key],
        `${JSON.stringify(want)} as the caller expects`,
      );
  const bytes = bytesOf(data);
  if (typeof meta.total_bytes === 'number' && bytes.byteLength !== meta.total_bytes)
    throw new PaperkitInputError(
      'data',
      bytes.byteLength,
      `${meta.total_bytes} bytes (checkpoint.total_bytes)`,
    );
  const specs = ninoTensorSpecs(config);
  const byName = new Map(meta.tensors.map((t) => [t.name, t]));
  for (const t of meta.tensors)
    if (!specs.some((s) => s.name === t.name))
      throw new PaperkitInputError(
        `checkpoint.tensors`,
        t.name,
        `only tensors of a ${config.kind} with hid ${config.hidden}`,
      );
  const params = new ParamMap();
  try {
    for (const s of specs) {
      const t = byName.get(s.name);
      if (!t)
        throw new PaperkitInputError(
          'checkpoint.tensors',
          s.name,
          `an entry for every tensor (missing ${s.name})`,
        );
      if (t.shape.length !== s.shape.length || t.shape.some((d: number, i: number) => d !== s.shape[i]))
        throw new PaperkitInputError(
          `checkpoint.tensors.${s.name}.shape`,
          [...t.shape],
          `[${s.shape}] for the checkpoint's config`,
        );
      const n = s.shape.reduce((a, b) => a * b, 1);
      if (
        t.dtype !== 'float32' ||
        t.nbytes !== 4 * n ||
        t.offset < 0 ||
        t.offset + t.nbytes > bytes.byteLength
      )
        throw new PaperkitInputError(
          `checkpoint.tensors.${s.name}`,
          t.offset,
          `${4 * n} float32 bytes inside the binary`,
        );
      // Copy through a DataView: little-endian regardless of the host, and no alignment requirement.
      const view = new DataView(bytes.buffer, bytes.byteOffset + t.offset, t.nbytes);
      const values = new Float32Array(n);
      for (let i = 0; i < n; i++) values[i] = view.getFloat32(4 * i, true);
      tf.tidy(() => {
        let value: tf.Tensor = tf.tensor(values, [...s.shape], 'float32');
        if (storedShape(s).length === 2 && s.name !== 'layer_embed.weight') value = tf.transpose(value);
        params.add(s.name, {
          value,
          role: s.name.endsWith('.bias') ? 'bias' : s.name === 'layer_embed.weight' ? 'embedding' : 'weight',
          ...(s.name.endsWith('.bias') ? {} : { layout: { outAxis: 1, inAxis: 0 } }),
        });
      });
    }
  } catch (err) {
    params.dispose();
    throw err;
  }
  const total = specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
  if (typeof meta.n_params === 'number' && meta.n_params !== total) {
    params.dispose();
    throw new PaperkitInputError(
      'checkpoint.n_params',
      meta.n_params,
      `${total} for the checkpoint's config`,
    );
  }
  return new NinoModel(config, params);
}

/** Options of {@link saveCheckpoint}. */
export interface SaveCheckpointOptions {
  /** Checkpoint name. */
  readonly name: string;
  /** Where the weights come from. */
  readonly source?: string;
  /** How they were made (command, configuration, seed, backend); stored verbatim. */
  readonly provenance?: unknown;
}

/**
 * Serialises a network in the format of the converted public checkpoints (PyTorch layouts), so
 * {@link loadCheckpoint} reads it back bit for bit. Returns the JSON object and the binary.
 */
export async function saveCheckpoint(
  model: NinoModel,
  options: SaveCheckpointOptions,
): Promise<{ json: CheckpointJson; data: Uint8Array }> {
  if (!(model instanceof NinoModel)) throw new PaperkitInputError('model', model, 'a NinoModel');
  if (typeof options?.name !== 'string' || options.name.length === 0)
    throw new PaperkitInputError('options.name', options?.name, 'a non-empty checkpoint name');
  const specs = ninoTensorSpecs(model.config);
  const total = specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
  const data = new Uint8Array(4 * total);
  const view = new DataView(data.buffer);
  const tensors: CheckpointTensor[] = [];
  let offset = 0;
  for (const s of specs) {
    const v = model.params.get(s.name);
    const t = storedShape(s).length === 2 && s.name !== 'layer_embed.weight' ? tf.transpose(v) : v;
    const values = (await t.data()) as Float32Array;
    if (t !== v) t.dispose();
    for (let i = 0; i < values.length; i++) view.setFloat32(offset + 4 * i, values[i]!, true);
    tensors.push({ name: s.name, shape: [...s.shape], dtype: 'float32', offset, nbytes: 4 * values.length });
    offset += 4 * values.length;
  }
  const json: CheckpointJson = {
    name: options.name,
    ...(options.source !== undefined ? { source: options.source } : {}),
    format:
      'little-endian float32 tensors concatenated in the order listed; offset/nbytes in bytes; PyTorch layout (nn.Linear weight is [out_features, in_features], y = x W^T + b)',
    config: toOfficialConfig(model.config),
    n_params: total,
    total_bytes: data.byteLength,
    tensors,
    ...(options.provenance !== undefined ? { provenance: options.provenance } : {}),
  };
  return { json, data };
}
