import * as tf from '@tensorflow/tfjs-core';
import { checkObject, PaperkitInputError } from '../validate/errors.js';
import { type ParamLayout, ParamMap, type ParamRole, type VariableEntry } from './param-map.js';

/**
 * The part of a tfjs Layers weight (`LayerVariable`) paperkit reads. Typed structurally so that
 * tensor-core does not depend on `@tensorflow/tfjs-layers`.
 */
export interface LayersWeightLike {
  /** Unique variable name, e.g. `dense_Dense1/kernel`; it keys the gradients tfjs computes. */
  readonly name: string;
  /** Shape of the weight (tfjs types it `Shape`, whose entries may be null for unknown sizes). */
  readonly shape: readonly (number | null)[];
  /** Whether training updates it. */
  readonly trainable: boolean;
  /** The underlying `tf.Variable`. */
  read(): tf.Tensor;
}

/** The part of a tfjs Layers layer paperkit reads (nested models count as layers with `layers`). */
export interface LayerLike {
  /** Layer name, e.g. `dense_Dense1`. */
  readonly name: string;
  /** Class name, e.g. `Dense`, `Conv2D`, `Embedding`, `LayerNormalization`. */
  getClassName(): string;
  /** Its trainable weights. */
  readonly trainableWeights: readonly LayersWeightLike[];
  /** The layers of a nested model, if this layer is one. */
  readonly layers?: readonly LayerLike[];
}

/** A tfjs `LayersModel` (`tf.sequential()`, `tf.model()`), typed structurally. */
export interface LayersModelLike {
  readonly layers: readonly LayerLike[];
}

/** What {@link paramsFromLayersModel} knows about one weight when it infers its metadata. */
export interface LayersWeightInfo {
  /** The parameter name (see {@link layersParamNames}). */
  readonly name: string;
  /** The weight's own name inside its layer, e.g. `kernel`, `bias`, `embeddings`, `gamma`. */
  readonly weight: string;
  /** Name of the layer holding it. */
  readonly layer: string;
  /** Class of that layer. */
  readonly layerClass: string;
  readonly shape: readonly number[];
}

/** Metadata of one parameter: what {@link LayersParamsOptions.describe} may override. */
export interface ParamMeta {
  readonly role?: ParamRole;
  readonly layout?: ParamLayout;
  readonly group?: string;
}

/** Options of {@link paramsFromLayersModel}. */
export interface LayersParamsOptions {
  /**
   * Overrides the inferred metadata of a weight (fields it returns replace the inferred ones;
   * `undefined` keeps them all). The inference: `kernel`-like weights are role `weight` with the
   * `[…, in, out]` layout tfjs uses for Dense and Conv kernels (so fan-in and fan-out scopes work),
   * `embeddings` are role `embedding` (`[vocab, dim]`, a token's vector along the output axis),
   * `gamma` is a `norm` gain, `bias`/`beta` are `bias`; the group is the layer name.
   */
  readonly describe?: (weight: LayersWeightInfo) => ParamMeta | undefined;
}

/** The weight's name within its layer: `dense_Dense1/kernel_2` → `kernel`. */
function localName(variableName: string): string {
  const last = variableName.slice(variableName.lastIndexOf('/') + 1);
  return last.replace(/_\d+$/, '');
}

/** Metadata inferred from a Layers weight's local name and rank. */
export function inferLayersMeta(info: LayersWeightInfo): ParamMeta {
  const rank = info.shape.length;
  const dense: ParamLayout | undefined = rank >= 2 ? { inAxis: rank - 2, outAxis: rank - 1 } : undefined;
  const w = info.weight;
  if (w.endsWith('kernel')) return { role: 'weight', ...(dense ? { layout: dense } : {}), group: info.layer };
  if (w === 'embeddings')
    return { role: 'embedding', ...(dense ? { layout: dense } : {}), group: info.layer };
  if (w === 'gamma') return { role: 'norm', group: info.layer };
  if (w === 'bias' || w === 'beta') return { role: 'bias', group: info.layer };
  return { role: 'other', group: info.layer };
}

/** Whether tfjs named the layer itself (`dense_Dense3`: its class and a process-wide counter). */
function autoNamed(layer: LayerLike): boolean {
  return new RegExp(`^[a-z0-9_]+_${layer.getClassName()}\\d+$`).test(layer.name);
}

interface Found {
  readonly w: LayersWeightLike;
  readonly layer: LayerLike;
  readonly param: string;
}

function collect(layers: readonly LayerLike[], prefix: string, out: Map<string, Found>): void {
  layers.forEach((layer, i) => {
    // tfjs's own layer names carry a counter that differs between two builds of the same model;
    // the position does not, so a state saved from one build loads into another (PyTorch's `0.weight`).
    const path = `${prefix}${autoNamed(layer) ? String(i) : layer.name}`;
    if (Array.isArray(layer.layers) && layer.layers.length > 0) {
      collect(layer.layers, `${path}/`, out);
      return;
    }
    for (const w of layer.trainableWeights ?? [])
      if (w.trainable && !out.has(w.name))
        out.set(w.name, { w, layer, param: `${path}/${localName(w.name)}` });
  });
}

/** The weights of a model keyed by variable name, with their stable parameter names. */
function weightsOf(model: LayersModelLike): Map<string, Found> {
  checkObject('model', model, 'a tfjs LayersModel (tf.sequential() or tf.model())');
  if (!Array.isArray(model.layers))
    throw new PaperkitInputError('model.layers', model.layers, 'the array of layers of a tfjs LayersModel');
  const found = new Map<string, Found>();
  collect(model.layers, '', found);
  const seen = new Map<string, string>();
  for (const [v, f] of found) {
    const other = seen.get(f.param);
    if (other !== undefined)
      throw new PaperkitInputError(
        'model',
        f.param,
        `distinct layer/weight names (${other} and ${v} both map to it)`,
      );
    seen.set(f.param, v);
  }
  return found;
}

/**
 * The parameter name of each trainable weight of a Layers model, keyed by the weight's variable name
 * (what `model.fit` hands the optimizer): `<layer>/<weight>`, the layer being its name when you gave
 * it one and its index otherwise, e.g. `0/kernel`, `hidden/bias`, `2/embeddings`. Stable across
 * builds of the same model, unlike tfjs's variable names (`dense_Dense7/kernel`).
 */
export function layersParamNames(model: LayersModelLike): Map<string, string> {
  return new Map([...weightsOf(model)].map(([v, f]) => [v, f.param]));
}

/**
 * The trainable weights of a tfjs Layers model as a {@link ParamMap} over the model's own variables
 * (nothing is copied, so an optimizer stepping this map trains the model). Parameter names are
 * `<layer>/<weight>` (see {@link layersParamNames}), the names `toTfjsOptimizer(opt, { model })` gives
 * the gradients of `model.fit`, so optimizer state, rotations and layer lists built from this map line
 * up with `model.fit` and load into another build of the same model. Roles, layouts and groups are
 * inferred from the weights (see {@link LayersParamsOptions.describe}) and can be overridden. Use it for
 * your own training loop (`opt.minimize(() => loss(model.apply(x)), params)`) and to build rotations or
 * proximal layer lists for a Layers model.
 */
export function paramsFromLayersModel(model: LayersModelLike, options: LayersParamsOptions = {}): ParamMap {
  const found = weightsOf(model);
  checkObject('options', options, 'an object { describe? }');
  if (options.describe !== undefined && typeof options.describe !== 'function')
    throw new PaperkitInputError('describe', options.describe, 'a function (weight) => metadata');
  if (found.size === 0)
    throw new PaperkitInputError(
      'model',
      'a model without trainable weights',
      'a model with trainable weights (build it first, e.g. by giving the first layer an inputShape)',
    );
  const entries: Record<string, VariableEntry> = {};
  for (const { w, layer, param } of found.values()) {
    const variable = w.read();
    if (!(variable instanceof tf.Variable))
      throw new PaperkitInputError(
        `model weight ${w.name}`,
        variable,
        'a weight whose read() returns its tf.Variable',
      );
    const info: LayersWeightInfo = {
      name: param,
      weight: localName(w.name),
      layer: layer.name,
      layerClass: layer.getClassName(),
      shape: [...variable.shape],
    };
    const inferred = inferLayersMeta(info);
    const override = options.describe?.(info) ?? {};
    entries[param] = { variable, ...inferred, ...override };
  }
  return ParamMap.fromVariables(entries);
}
