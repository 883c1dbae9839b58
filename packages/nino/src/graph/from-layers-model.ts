import { PaperkitInputError } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { buildNeuralGraph } from './build.js';
import type { Layer } from './layers.js';
import type { NeuralGraph } from './types.js';

/** The part of a tfjs-layers `LayerVariable` this module reads. */
export interface LayerVariableLike {
  readonly name: string;
  readonly shape: readonly (number | null)[];
  read(): tf.Tensor;
  write(value: tf.Tensor): unknown;
}

/** The part of a tfjs-layers `Layer` this module reads (typed structurally: no tfjs-layers dependency). */
export interface LayerLike {
  readonly name: string;
  getClassName(): string;
  readonly trainableWeights: readonly LayerVariableLike[];
}

/** The part of a tfjs-layers `LayersModel` (e.g. `tf.sequential`) this module reads. */
export interface LayersModelLike {
  readonly layers: readonly LayerLike[];
}

/** Layer classes without trainable weights that map neurons (channels) one to one. */
const PASS_THROUGH = new Set([
  'InputLayer',
  'Activation',
  'ReLU',
  'LeakyReLU',
  'ELU',
  'Softmax',
  'Dropout',
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
]);

/** The neural graph of a tfjs Layers model and its trainable variables in flat-vector order. */
export interface LayersModelGraph {
  readonly graph: NeuralGraph;
  /** Trainable variables in the graph's flat-vector order (its `params[i]` is `variables[i]`). */
  readonly variables: readonly LayerVariableLike[];
}

/**
 * The neural graph of a sequential tfjs Layers model: `Dense` (kernel [in, out]), `Conv2D` (kernel
 * [kh, kw, in, out]), `BatchNormalization`/`LayerNormalization` (gamma, beta), `Flatten` after convs
 * (NHWC, spatial-major), and weightless layers that keep neurons one to one (activations, dropout,
 * pooling). Other layers with trainable weights are rejected by class name.
 */
export function graphFromLayersModel(model: LayersModelLike): LayersModelGraph {
  if (!model || !Array.isArray(model.layers))
    throw new PaperkitInputError('model', model, 'a tfjs Layers model (an object with a layers array)');
  const layers: Layer[] = [];
  const variables: LayerVariableLike[] = [];
  const shapes: Record<string, readonly number[]> = {};
  let channels = -1;
  let flattened = false;
  const add = (v: LayerVariableLike) => {
    if (v.shape.some((d) => d === null))
      throw new PaperkitInputError(`model.${v.name}`, v.shape, 'a fully defined shape');
    shapes[v.name] = v.shape as number[];
    variables.push(v);
    return v.name;
  };
  const modelLayers: readonly LayerLike[] = model.layers;
  modelLayers.forEach((layer, i) => {
    const cls = layer.getClassName();
    const w: readonly LayerVariableLike[] = layer.trainableWeights;
    const path = `model.layers[${i}] (${layer.name}, ${cls})`;
    if (cls === 'Dense') {
      const kernel = w.find((v) => v.name.endsWith('kernel'));
      if (kernel?.shape.length !== 2)
        throw new PaperkitInputError(path, w.length, 'a Dense layer with a 2-D kernel');
      const bias = w.find((v) => v.name.endsWith('bias'));
      const [nin, nout] = kernel.shape as [number, number];
      if (flattened && channels > 0 && nin % channels === 0 && nin !== channels)
        layers.push({ kind: 'flatten', spatial: nin / channels, order: 'spatial-major' });
      layers.push({
        kind: 'linear',
        in: nin,
        out: nout,
        weight: add(kernel),
        bias: bias ? add(bias) : null,
        layout: 'in-out',
      });
      channels = -1;
      flattened = false;
    } else if (cls === 'Conv2D') {
      const kernel = w.find((v) => v.name.endsWith('kernel'));
      if (kernel?.shape.length !== 4)
        throw new PaperkitInputError(path, w.length, 'a Conv2D layer with a 4-D kernel');
      const bias = w.find((v) => v.name.endsWith('bias'));
      const [kh, kw, nin, nout] = kernel.shape as [number, number, number, number];
      layers.push({
        kind: 'conv',
        in: nin,
        out: nout,
        kernel: [kh, kw],
        weight: add(kernel),
        bias: bias ? add(bias) : null,
        layout: 'hwio',
      });
      channels = nout;
    } else if (cls === 'BatchNormalization' || cls === 'LayerNormalization') {
      const gamma = w.find((v) => v.name.endsWith('gamma'));
      const beta = w.find((v) => v.name.endsWith('beta'));
      if (gamma)
        layers.push({
          kind: 'norm',
          dim: gamma.shape[0] as number,
          gain: add(gamma),
          bias: beta ? add(beta) : null,
        });
      else if (beta)
        throw new PaperkitInputError(
          path,
          'beta',
          'a norm layer with a gain (scale: true) when it has a shift',
        );
    } else if (cls === 'Flatten') {
      flattened = true;
    } else if (w.length === 0 && PASS_THROUGH.has(cls)) {
      if (cls.startsWith('Global')) flattened = false;
    } else {
      throw new PaperkitInputError(
        path,
        cls,
        'a Dense, Conv2D, BatchNormalization, LayerNormalization, Flatten, pooling, activation or dropout layer',
      );
    }
  });
  const graph = buildNeuralGraph(layers, { paramOrder: variables.map((v) => v.name), shapes });
  return { graph, variables };
}

/** The flat parameter vector of `variables` (values concatenated in order, each row-major). */
export async function readLayerVariables(variables: readonly LayerVariableLike[]): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  let n = 0;
  for (const v of variables) {
    const t = v.read();
    const d = (await t.data()) as Float32Array;
    parts.push(d);
    n += d.length;
  }
  const out = new Float32Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Writes a flat parameter vector (e.g. a nowcast) back into `variables`. */
export function writeLayerVariables(variables: readonly LayerVariableLike[], theta: Float32Array): void {
  const total = variables.reduce((a, v) => a + (v.shape as number[]).reduce((x, y) => x * y, 1), 0);
  if (!(theta instanceof Float32Array) || theta.length !== total)
    throw new PaperkitInputError('theta', theta, `a Float32Array of length ${total} (the variables' size)`);
  let o = 0;
  for (const v of variables) {
    const shape = v.shape as number[];
    const n = shape.reduce((x, y) => x * y, 1);
    const t = tf.tensor(theta.subarray(o, o + n), shape, 'float32');
    v.write(t);
    t.dispose();
    o += n;
  }
}
