import { checkInteger, PaperkitInputError, type ParamMap } from '@paperkit/tensor-core';
import { buildNeuralGraph } from './build.js';
import { type Layer, transformerLayers } from './layers.js';
import type { NeuralGraph } from './types.js';

/** Options of {@link graphFromParamMap}. */
export interface ParamMapGraphOptions {
  /** Attention heads of a transformer (shapes do not tell); required when the map is a transformer. */
  readonly heads?: number;
}

/** The transformer prefix of a tensor-core `initTransformer` map, or null. */
function transformerPrefix(names: readonly string[]): string | null {
  const tok = names.find((n) => n.endsWith('tok.embedding'));
  return tok === undefined ? null : tok.slice(0, -'tok.embedding'.length);
}

/**
 * The layer list of a tensor-core {@link ParamMap} read from its roles, layouts and names:
 * - an `initTransformer` map (`tok.embedding`, `block{i}.attn.qkv.weight`, …) → embedding, blocks,
 *   final norm and head (`options.heads` required);
 * - otherwise a sequential model in insertion order: a 2-D `weight` is a dense layer, a 4-D one a conv
 *   (layout `{ outAxis: 3, inAxis: 2 }` = [kh, kw, in, out], or `{ outAxis: 0, inAxis: 1 }`), a
 *   `bias` right after a weight is that layer's bias, a `norm` pair `*.gain`/`*.weight` (+ `*.bias`)
 *   is a norm layer. A dense layer whose input is a multiple of the previous conv's channels reads
 *   the flattened feature map (tensor-core `initCnn`: NHWC flatten, i.e. spatial-major).
 */
export function layersFromParamMap(params: ParamMap, options: ParamMapGraphOptions = {}): Layer[] {
  const names = params.names();
  if (names.length === 0) throw new PaperkitInputError('params', names, 'a non-empty ParamMap');
  const prefix = transformerPrefix(names);
  if (prefix !== null) {
    const heads = options.heads;
    if (heads === undefined)
      throw new PaperkitInputError(
        'options.heads',
        heads,
        'the number of attention heads (a transformer map does not record it)',
      );
    checkInteger('options.heads', heads, 1);
    const [vocab, d] = params.info(`${prefix}tok.embedding`).shape as [number, number];
    const ctx = params.has(`${prefix}pos.embedding`) ? params.info(`${prefix}pos.embedding`).shape[0]! : 0;
    let layers = 0;
    while (params.has(`${prefix}block${layers}.attn.qkv.weight`)) layers++;
    const hidden = layers > 0 ? params.info(`${prefix}block0.mlp.fc1.weight`).shape[1]! : 4 * d;
    if (hidden % d !== 0)
      throw new PaperkitInputError('params', hidden, `an MLP width that is a multiple of d (${d})`);
    return transformerLayers({
      vocabSize: vocab,
      contextLength: ctx,
      dModel: d,
      heads,
      layers,
      mlpRatio: hidden / d,
      tiedHead: !params.has(`${prefix}head.weight`),
      prefix,
    });
  }
  const out: Layer[] = [];
  let channels = -1;
  let width = -1;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const info = params.info(name);
    const next = names[i + 1];
    const nextInfo = next !== undefined ? params.info(next) : null;
    const takeBias = (n: number) => {
      if (nextInfo && nextInfo.role === 'bias' && nextInfo.shape.length === 1 && nextInfo.shape[0] === n) {
        i++;
        return next!;
      }
      return null;
    };
    if (info.role === 'weight' && info.shape.length === 2) {
      const inAxis = info.layout?.inAxis ?? 0;
      const nin = info.shape[inAxis]!;
      const nout = info.shape[1 - inAxis]!;
      if (channels > 0 && width === channels && nin !== channels && nin % channels === 0)
        out.push({ kind: 'flatten', spatial: nin / channels, order: 'spatial-major' });
      out.push({
        kind: 'linear',
        in: nin,
        out: nout,
        weight: name,
        bias: takeBias(nout),
        layout: inAxis === 0 ? 'in-out' : 'out-in',
      });
      channels = -1;
      width = nout;
    } else if (info.role === 'weight' && info.shape.length === 4) {
      const hwio = (info.layout?.outAxis ?? 3) === 3;
      const s = info.shape;
      const [kh, kw, nin, nout] = hwio ? [s[0]!, s[1]!, s[2]!, s[3]!] : [s[2]!, s[3]!, s[1]!, s[0]!];
      out.push({
        kind: 'conv',
        in: nin,
        out: nout,
        kernel: [kh, kw],
        weight: name,
        bias: takeBias(nout),
        layout: hwio ? 'hwio' : 'oihw',
      });
      channels = nout;
      width = nout;
    } else if (info.role === 'norm' && info.shape.length === 1) {
      const dim = info.shape[0]!;
      const bias =
        nextInfo && nextInfo.role === 'norm' && next!.endsWith('.bias') && nextInfo.shape[0] === dim
          ? next!
          : null;
      if (bias !== null) i++;
      out.push({ kind: 'norm', dim, gain: name, bias });
    } else {
      throw new PaperkitInputError(
        `params.${name}`,
        [...info.shape],
        'a dense (2-D) or conv (4-D) weight, its bias right after it, or a norm gain (role "norm")',
      );
    }
  }
  return out;
}

/**
 * The neural graph of a tensor-core {@link ParamMap} (MLP, CNN or transformer built by `initMlp`,
 * `initCnn`, `initTransformer`), with the flat vector in the map's insertion order, so
 * `params.flatten()` snapshots and `params.unflatten(theta)` writes a nowcast back.
 */
export function graphFromParamMap(params: ParamMap, options: ParamMapGraphOptions = {}): NeuralGraph {
  const layers = layersFromParamMap(params, options);
  const shapes: Record<string, readonly number[]> = {};
  for (const n of params.names()) shapes[n] = params.info(n).shape;
  return buildNeuralGraph(layers, { paramOrder: params.names(), shapes });
}
