import { describeParams, entryCoordinates, type ParamSlot, type ParamsDescription } from '../layout.js';
import type { CoordinateLabels } from './hessian-rows.js';

/**
 * Layer and output-neuron labels of every flat coordinate (parameter order, row-major), for
 * {@link partitionRow}. A layer is a tensor or one part of a fused tensor (Q, K, V), as in the `layer`
 * scope; a neuron is an index along the output axis within a layer; each entry of a vector without a
 * layout is its own neuron. Rotated coordinates are labelled by the position they are stored at.
 */
export function coordinateLabels(params: ParamsDescription | readonly ParamSlot[]): CoordinateLabels {
  const slots = Array.isArray(params)
    ? (params as readonly ParamSlot[])
    : describeParams(params as ParamsDescription);
  const d = slots.reduce((a, p) => a + p.size, 0);
  const layer = new Int32Array(d);
  const neuron = new Int32Array(d);
  const layerNames: string[] = [];
  let nextNeuron = 0;
  for (const p of slots) {
    const { part, out } = entryCoordinates(p);
    const firstLayer = layerNames.length;
    for (let k = 0; k < p.parts; k++) layerNames.push(p.parts > 1 ? `${p.name}#${k}` : p.name);
    const outLen = p.layout ? p.shape[p.layout.outAxis]! : (p.shape[0] ?? 1);
    for (let i = 0; i < p.size; i++) {
      layer[p.offset + i] = firstLayer + part[i]!;
      neuron[p.offset + i] = nextNeuron + out[i]!;
    }
    nextNeuron += outLen;
  }
  return { layer, neuron, layerNames };
}
