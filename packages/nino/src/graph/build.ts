import { checkInteger, PaperkitInputError } from '@paperkit/tensor-core';
import { GraphBuilder } from './builder.js';
import {
  type ConvLayer,
  type EmbeddingLayer,
  LAYER_KINDS,
  type Layer,
  type LinearLayer,
  type NormLayer,
  type TransformerBlockLayer,
} from './layers.js';
import { EDGE_TYPES, type NeuralGraph } from './types.js';

/** Options of {@link buildNeuralGraph}. */
export interface BuildGraphOptions {
  /**
   * Parameter names in the order of the flat parameter vector (e.g. a `ParamMap`'s insertion order).
   * Default: the order in which the layers name them.
   */
  readonly paramOrder?: readonly string[];
  /** Actual shapes of the parameters by name; each must equal the shape the layer list implies. */
  readonly shapes?: Readonly<Record<string, readonly number[]>>;
}

/** The neurons the next layer reads; `spatial` > 1 after a flatten (several inputs per channel node). */
interface Current {
  readonly start: number;
  readonly count: number;
  readonly spatial: number;
  readonly order: 'spatial-major' | 'channel-major';
}

function dims(path: string, layer: object, keys: readonly string[]): void {
  for (const k of keys) checkInteger(`${path}.${k}`, (layer as Record<string, number>)[k]!, 1);
}

function checkName(path: string, name: unknown): string {
  if (typeof name !== 'string' || name.length === 0)
    throw new PaperkitInputError(path, name, 'a non-empty parameter name');
  return name;
}

function optionalName(path: string, name: unknown): string | null {
  return name === undefined || name === null ? null : checkName(path, name);
}

/**
 * Builds the neural graph of a model from its layer list (Knyazev et al. 2025; node and edge
 * layout of the official `graph/graph.py` for MLPs and CNNs, Fig. 2c for transformers). Parameter
 * edges come first (per tensor, in layer order, input-major: edge `i·n_out + o` is `in_i → out_o`),
 * then one self-loop per node. Throws a {@link PaperkitInputError} naming the layer for an unknown
 * kind, inconsistent widths, or a shape that disagrees with `options.shapes`.
 */
export function buildNeuralGraph(layers: readonly Layer[], options: BuildGraphOptions = {}): NeuralGraph {
  if (!Array.isArray(layers) || layers.length === 0)
    throw new PaperkitInputError('layers', layers, 'a non-empty array of layers');
  const b = new GraphBuilder();
  const shapes = options.shapes;
  const expectShape = (path: string, name: string, shape: readonly number[]) => {
    if (!shapes) return;
    const actual = shapes[name];
    if (actual === undefined)
      throw new PaperkitInputError(`${path}`, name, 'the name of a parameter of the model');
    if (actual.length !== shape.length || actual.some((d, i) => d !== shape[i]))
      throw new PaperkitInputError(
        `${path} (${name})`,
        [...actual],
        `shape [${shape}] as the layer list implies`,
      );
  };
  let cur: Current | null = null;
  const need = (path: string, width: number, what: string): Current => {
    if (cur === null) {
      const start = b.addNodes('input', 'input', width);
      cur = { start, count: width, spatial: 1, order: 'spatial-major' };
      return cur;
    }
    if (cur.count * cur.spatial !== width)
      throw new PaperkitInputError(
        `${path}.${what}`,
        width,
        `${cur.count * cur.spatial} (the width of the previous layer${cur.spatial > 1 ? ' after flatten' : ''})`,
      );
    return cur;
  };
  layers.forEach((layer, li) => {
    const path = `layers[${li}]`;
    if (layer === null || typeof layer !== 'object' || !LAYER_KINDS.includes((layer as Layer).kind))
      throw new PaperkitInputError(
        `${path}.kind`,
        (layer as { kind?: unknown } | null)?.kind,
        `one of ${LAYER_KINDS.map((k) => `"${k}"`).join(', ')}`,
      );
    switch (layer.kind) {
      case 'linear':
        cur = addLinear(
          b,
          path,
          layer,
          need(path, checkInteger(`${path}.in`, layer.in, 1), 'in'),
          expectShape,
        );
        break;
      case 'conv': {
        const c = need(path, checkInteger(`${path}.in`, layer.in, 1), 'in');
        if (c.spatial !== 1)
          throw new PaperkitInputError(`${path}.kind`, 'conv', 'a dense layer after a flatten, not a conv');
        cur = addConv(b, path, layer, c, expectShape);
        break;
      }
      case 'norm': {
        const c = cur as Current | null;
        if (c === null || c.spatial !== 1)
          throw new PaperkitInputError(
            path,
            'norm',
            'a norm layer after a weight layer (and not after a flatten)',
          );
        if (layer.dim !== c.count)
          throw new PaperkitInputError(
            `${path}.dim`,
            layer.dim,
            `${c.count} (the width of the previous layer)`,
          );
        addNorm(b, path, layer, c, expectShape);
        break;
      }
      case 'flatten': {
        const c = cur as Current | null;
        checkInteger(`${path}.spatial`, layer.spatial, 1);
        if (c === null || c.spatial !== 1)
          throw new PaperkitInputError(path, 'flatten', 'a flatten after a conv layer');
        const order = layer.order ?? 'spatial-major';
        if (order !== 'spatial-major' && order !== 'channel-major')
          throw new PaperkitInputError(`${path}.order`, order, '"spatial-major" or "channel-major"');
        cur = { ...c, spatial: layer.spatial, order };
        break;
      }
      case 'embedding':
        if (cur !== null) throw new PaperkitInputError(path, 'embedding', 'the first layer when present');
        cur = addEmbedding(b, path, layer, expectShape);
        break;
      case 'transformer-block': {
        const c = cur as Current | null;
        if (c === null || c.spatial !== 1)
          throw new PaperkitInputError(
            path,
            'transformer-block',
            'a block after an embedding or another block',
          );
        if (layer.dim !== c.count)
          throw new PaperkitInputError(`${path}.dim`, layer.dim, `${c.count} (the residual stream width)`);
        cur = addBlock(b, path, layer, c, expectShape);
        break;
      }
    }
  });
  const graph = b.finish(options.paramOrder);
  if (shapes) {
    const known = new Set(graph.params.map((p) => p.name));
    for (const n of Object.keys(shapes))
      if (!known.has(n))
        throw new PaperkitInputError('layers', n, `layers that use every parameter (missing "${n}")`);
  }
  return graph;
}

type ExpectShape = (path: string, name: string, shape: readonly number[]) => void;

function addLinear(
  b: GraphBuilder,
  path: string,
  l: LinearLayer,
  c: Current,
  expect: ExpectShape,
  kind: 'neurons' | 'hidden' | 'stream' = 'neurons',
): Current {
  dims(path, l, ['in', 'out']);
  const w = checkName(`${path}.weight`, l.weight);
  const bias = optionalName(`${path}.bias`, l.bias);
  const layout = l.layout ?? 'in-out';
  if (layout !== 'in-out' && layout !== 'out-in')
    throw new PaperkitInputError(`${path}.layout`, layout, '"in-out" or "out-in"');
  const nin = l.in;
  const nout = l.out;
  const shape = layout === 'in-out' ? [nin, nout] : [nout, nin];
  expect(`${path}.weight`, w, shape);
  const biasNode = bias !== null ? b.addNodes(`${bias}`, 'aux', 1) : -1;
  const out = b.addNodes(`${w}.out`, kind, nout);
  const pw = b.beginParam(w, shape, EDGE_TYPES.linear, nin * nout);
  const channels = c.count;
  for (let i = 0; i < nin; i++) {
    const node = c.start + (c.order === 'spatial-major' ? i % channels : Math.floor(i / c.spatial));
    for (let o = 0; o < nout; o++)
      b.edge(pw, node, out + o, layout === 'in-out' ? i * nout + o : o * nin + i);
  }
  if (bias !== null) {
    expect(`${path}.bias`, bias, [nout]);
    const pb = b.beginParam(bias, [nout], EDGE_TYPES.bias, nout);
    for (let o = 0; o < nout; o++) b.edge(pb, biasNode, out + o, o);
  }
  return { start: out, count: nout, spatial: 1, order: 'spatial-major' };
}

function addConv(b: GraphBuilder, path: string, l: ConvLayer, c: Current, expect: ExpectShape): Current {
  dims(path, l, ['in', 'out']);
  if (!Array.isArray(l.kernel) || l.kernel.length !== 2)
    throw new PaperkitInputError(`${path}.kernel`, l.kernel, 'a pair [kh, kw]');
  const kh = checkInteger(`${path}.kernel[0]`, l.kernel[0], 1);
  const kw = checkInteger(`${path}.kernel[1]`, l.kernel[1], 1);
  const w = checkName(`${path}.weight`, l.weight);
  const bias = optionalName(`${path}.bias`, l.bias);
  const layout = l.layout ?? 'hwio';
  if (layout !== 'hwio' && layout !== 'oihw')
    throw new PaperkitInputError(`${path}.layout`, layout, '"hwio" or "oihw"');
  const k = kh * kw;
  const nin = l.in;
  const nout = l.out;
  const shape = layout === 'hwio' ? [kh, kw, nin, nout] : [nout, nin, kh, kw];
  expect(`${path}.weight`, w, shape);
  const biasNode = bias !== null ? b.addNodes(`${bias}`, 'aux', 1) : -1;
  const out = b.addNodes(`${w}.out`, 'neurons', nout);
  const pw = b.beginParam(w, shape, EDGE_TYPES.conv, nin * nout, k);
  // Kernel element f = r·kw + s (row-major) of edge in_i → out_o.
  for (let i = 0; i < nin; i++)
    for (let o = 0; o < nout; o++) {
      if (layout === 'oihw') b.edge(pw, c.start + i, out + o, (o * nin + i) * k, 1);
      else b.edge(pw, c.start + i, out + o, i * nout + o, nin * nout);
    }
  if (bias !== null) {
    expect(`${path}.bias`, bias, [nout]);
    const pb = b.beginParam(bias, [nout], EDGE_TYPES.bias, nout);
    for (let o = 0; o < nout; o++) b.edge(pb, biasNode, out + o, o);
  }
  return { start: out, count: nout, spatial: 1, order: 'spatial-major' };
}

/** An auxiliary node for a 1-D tensor with one edge to each of `count` neurons from `start`. */
function attach(
  b: GraphBuilder,
  path: string,
  name: string,
  type: number,
  start: number,
  count: number,
  expect: ExpectShape,
  offset = 0,
  tensorSize = count,
  pid?: number,
): number {
  if (pid === undefined) expect(path, name, [tensorSize]);
  const node = b.addNodes(name, 'aux', 1);
  const p = pid ?? b.beginParam(name, [tensorSize], type, tensorSize);
  for (let j = 0; j < count; j++) b.edge(p, node, start + j, offset + j, 0, type);
  return p;
}

function addNorm(b: GraphBuilder, path: string, l: NormLayer, c: Current, expect: ExpectShape): void {
  const g = checkName(`${path}.gain`, l.gain);
  const bias = optionalName(`${path}.bias`, l.bias);
  attach(b, `${path}.gain`, g, EDGE_TYPES.norm, c.start, c.count, expect);
  if (bias !== null) attach(b, `${path}.bias`, bias, EDGE_TYPES.bias, c.start, c.count, expect);
}

function addEmbedding(b: GraphBuilder, path: string, l: EmbeddingLayer, expect: ExpectShape): Current {
  dims(path, l, ['vocab', 'dim']);
  const tok = checkName(`${path}.tokens`, l.tokens);
  const d = l.dim;
  const pos = l.positions ?? null;
  if (pos !== null) {
    checkInteger(`${path}.positions.count`, pos.count, 1);
    checkName(`${path}.positions.name`, pos.name);
  }
  const tokens = b.addNodes(tok, 'token', l.vocab);
  const positions = pos !== null ? b.addNodes(pos.name, 'position', pos.count) : -1;
  const stream = b.addNodes('stream0', 'stream', d);
  expect(`${path}.tokens`, tok, [l.vocab, d]);
  const pt = b.beginParam(tok, [l.vocab, d], EDGE_TYPES.tokenEmbedding, l.vocab * d);
  for (let v = 0; v < l.vocab; v++) for (let j = 0; j < d; j++) b.edge(pt, tokens + v, stream + j, v * d + j);
  if (pos !== null) {
    expect(`${path}.positions`, pos.name, [pos.count, d]);
    const pp = b.beginParam(pos.name, [pos.count, d], EDGE_TYPES.positionEmbedding, pos.count * d);
    for (let p = 0; p < pos.count; p++)
      for (let j = 0; j < d; j++) b.edge(pp, positions + p, stream + j, p * d + j);
  }
  return { start: stream, count: d, spatial: 1, order: 'spatial-major' };
}

function addBlock(
  b: GraphBuilder,
  path: string,
  l: TransformerBlockLayer,
  c: Current,
  expect: ExpectShape,
): Current {
  dims(path, l, ['dim', 'heads', 'hidden']);
  const d = l.dim;
  const h = l.heads;
  if (d % h !== 0) throw new PaperkitInputError(`${path}.heads`, h, `a divisor of dim (${d})`);
  const dh = d / h;
  const hid = l.hidden;
  const n = l.names ?? ({} as TransformerBlockLayer['names']);
  const req = (k: keyof TransformerBlockLayer['names']) => checkName(`${path}.names.${k}`, n[k]);
  const opt = (k: keyof TransformerBlockLayer['names']) => optionalName(`${path}.names.${k}`, n[k]);
  const xin = c.start;
  // Pre-LN: LN1 normalises the block input, so its gain and shift attach to x_in's neurons.
  attach(b, `${path}.names.ln1Gain`, req('ln1Gain'), EDGE_TYPES.norm, xin, d, expect);
  const ln1b = opt('ln1Bias');
  if (ln1b !== null) attach(b, `${path}.names.ln1Bias`, ln1b, EDGE_TYPES.bias, xin, d, expect);
  const qkvName = req('qkvWeight');
  expect(`${path}.names.qkvWeight`, qkvName, [d, 3 * d]);
  const qk = b.addNodes(`${qkvName}.qk`, 'qk', d);
  const v = b.addNodes(`${qkvName}.v`, 'v', d);
  const heads = b.addNodes(`${qkvName}.heads`, 'head', h);
  const pq = b.beginParam(qkvName, [d, 3 * d], EDGE_TYPES.query, 3 * d * d);
  // Fused [d, 3d] in-out storage: column j of block 0/1/2 is query/key/value output j.
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) b.edge(pq, xin + i, qk + j, i * 3 * d + j, 0, EDGE_TYPES.query);
  // W^k reversed (qk → x_in): the logit x·W^q·(W^k)ᵀ·x becomes the path x → qk → x (Fig. 2c).
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) b.edge(pq, qk + j, xin + i, i * 3 * d + d + j, 0, EDGE_TYPES.key);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) b.edge(pq, xin + i, v + j, i * 3 * d + 2 * d + j, 0, EDGE_TYPES.value);
  const qkvBias = opt('qkvBias');
  if (qkvBias !== null) {
    expect(`${path}.names.qkvBias`, qkvBias, [3 * d]);
    const pb = b.beginParam(qkvBias, [3 * d], EDGE_TYPES.bias, 3 * d);
    attach(b, path, `${qkvBias}[q]`, EDGE_TYPES.bias, qk, d, expect, 0, 3 * d, pb);
    attach(b, path, `${qkvBias}[k]`, EDGE_TYPES.bias, xin, d, expect, d, 3 * d, pb);
    attach(b, path, `${qkvBias}[v]`, EDGE_TYPES.bias, v, d, expect, 2 * d, 3 * d, pb);
  }
  const projName = req('projWeight');
  expect(`${path}.names.projWeight`, projName, [d, d]);
  const projBias = opt('projBias');
  const projBiasNode = projBias !== null ? b.addNodes(projBias, 'aux', 1) : -1;
  const xmid = b.addNodes(`${projName}.out`, 'stream', d);
  const po = b.beginParam(projName, [d, d], EDGE_TYPES.linear, d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) b.edge(po, v + i, xmid + j, i * d + j);
  if (projBias !== null) {
    expect(`${path}.names.projBias`, projBias, [d]);
    const pb = b.beginParam(projBias, [d], EDGE_TYPES.bias, d);
    for (let j = 0; j < d; j++) b.edge(pb, projBiasNode, xmid + j, j);
  }
  attach(b, `${path}.names.ln2Gain`, req('ln2Gain'), EDGE_TYPES.norm, xmid, d, expect);
  const ln2b = opt('ln2Bias');
  if (ln2b !== null) attach(b, `${path}.names.ln2Bias`, ln2b, EDGE_TYPES.bias, xmid, d, expect);
  const mlpIn: LinearLayer = {
    kind: 'linear',
    in: d,
    out: hid,
    weight: req('fc1Weight'),
    bias: opt('fc1Bias'),
  };
  const stream: Current = { start: xmid, count: d, spatial: 1, order: 'spatial-major' };
  const hidden = addLinear(b, `${path}.names.fc1Weight`, mlpIn, stream, expect, 'hidden');
  const mlpOut: LinearLayer = {
    kind: 'linear',
    in: hid,
    out: d,
    weight: req('fc2Weight'),
    bias: opt('fc2Bias'),
  };
  const xout = addLinear(b, `${path}.names.fc2Weight`, mlpOut, hidden, expect, 'stream');
  // Structural edges: each head node owns its d/H query-key and value dims; residual identities.
  for (let k = 0; k < h; k++)
    for (let j = 0; j < dh; j++) {
      b.auxEdge(heads + k, qk + k * dh + j, EDGE_TYPES.head);
      b.auxEdge(heads + k, v + k * dh + j, EDGE_TYPES.head);
    }
  for (let i = 0; i < d; i++) b.auxEdge(xin + i, xmid + i, EDGE_TYPES.residual);
  for (let i = 0; i < d; i++) b.auxEdge(xmid + i, xout.start + i, EDGE_TYPES.residual);
  return xout;
}
