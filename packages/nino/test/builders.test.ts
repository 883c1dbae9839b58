import {
  initBackend,
  initCnn,
  initMlp,
  initTransformer,
  PaperkitInputError,
  ParamMap,
  Rng,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfLayers from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildNeuralGraph,
  EDGE_TYPES,
  edgeFeatures,
  graphFromLayersModel,
  graphFromParamMap,
  type LayersModelLike,
  mlpLayers,
  type NeuralGraph,
  paramsFromEdgeFeatures,
  readLayerVariables,
  transformerLayers,
  writeLayerVariables,
} from '../src/index.js';

/**
 * tfjs-layers is not a dependency of this package (the builder is typed structurally); the tests use
 * it as a devDependency, typed here as the structural shape the builder reads.
 */
const tfl = tfLayers as unknown as {
  sequential(c: { layers: unknown[] }): LayersModelLike & { dispose(): void; getWeights(): tf.Tensor[] };
  layers: Record<string, (c: Record<string, unknown>) => unknown>;
};

beforeAll(async () => {
  await initBackend();
});

function sameGraph(a: NeuralGraph, b: NeuralGraph): void {
  expect([a.numNodes, a.numEdges, a.paramCount]).toEqual([b.numNodes, b.numEdges, b.paramCount]);
  expect(a.src).toEqual(b.src);
  expect(a.dst).toEqual(b.dst);
  expect(a.edgeType).toEqual(b.edgeType);
  expect(a.paramIndex).toEqual(b.paramIndex);
}

async function roundTrip(g: NeuralGraph, theta: Float32Array): Promise<void> {
  expect(theta.length).toBe(g.paramCount);
  expect(paramsFromEdgeFeatures(g, edgeFeatures(g, [theta]), 0, 1)).toEqual(theta);
}

describe('graphs from tensor-core parameter maps', () => {
  it('initMlp: the MLP graph, flat order = the map order', async () => {
    const p = initMlp(Rng.fromSeed(1), { sizes: [5, 7, 3] });
    const g = graphFromParamMap(p);
    sameGraph(g, buildNeuralGraph(mlpLayers([5, 7, 3])));
    await roundTrip(g, await p.flatten());
    p.dispose();
  });

  it('initCnn: convs carry 3×3 kernels, the flattened head reads the channel nodes', async () => {
    const cfg = { inputShape: [8, 8, 2] as [number, number, number], channels: [3, 4], outputs: 5 };
    const p = initCnn(Rng.fromSeed(1), cfg);
    const g = graphFromParamMap(p);
    // Nodes: 2 inputs, per conv a bias node and its channels, the head's bias node and 5 outputs.
    expect(g.numNodes).toBe(2 + (1 + 3) + (1 + 4) + (1 + 5));
    expect(g.featureSize).toBe(9);
    const head = g.params.find((q) => q.name === 'fc0.weight')!;
    expect(head.edgeCount).toBe(2 * 2 * 4 * 5);
    const chan = g.groups.find((x) => x.name === 'conv1.weight.out')!;
    for (let e = head.edgeStart; e < head.edgeStart + head.edgeCount; e++)
      expect(g.src[e]! >= chan.start && g.src[e]! < chan.start + chan.count).toBe(true);
    await roundTrip(g, await p.flatten());
    p.dispose();
  });

  it('initTransformer: the NiNo transformer graph; heads are required', async () => {
    const cfg = { vocabSize: 6, contextLength: 4, dModel: 8, heads: 2, layers: 2 };
    const p = initTransformer(Rng.fromSeed(1), cfg);
    const g = graphFromParamMap(p, { heads: 2 });
    sameGraph(g, buildNeuralGraph(transformerLayers(cfg)));
    await roundTrip(g, await p.flatten());
    expect(() => graphFromParamMap(p)).toThrow(/options\.heads/);
    p.dispose();
  });

  it('rejects parameters it cannot place, naming them', () => {
    const p = ParamMap.fromTensors({ w: { value: tf.zeros([2, 3, 4]), role: 'weight' } });
    let err: unknown;
    try {
      graphFromParamMap(p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PaperkitInputError);
    expect((err as PaperkitInputError).parameter).toBe('params.w');
    p.dispose();
  });
});

describe('graphs from tfjs Layers models', () => {
  it('Dense/Conv2D/BatchNormalization/Flatten: counts, types and a bit-exact read/write round trip', async () => {
    const L = tfl.layers;
    const model = tfl.sequential({
      layers: [
        L.conv2d!({ inputShape: [6, 6, 1], filters: 3, kernelSize: 3, activation: 'relu' }),
        L.batchNormalization!({}),
        L.maxPooling2d!({ poolSize: 2 }),
        L.flatten!({}),
        L.dense!({ units: 4, activation: 'relu' }),
        L.dropout!({ rate: 0.1 }),
        L.dense!({ units: 2 }),
      ],
    });
    const { graph, variables } = graphFromLayersModel(model);
    // conv 1→3 (bias node), BN gain and shift nodes, flatten 2×2 positions, dense 12→4, dense 4→2.
    expect(graph.numNodes).toBe(1 + (1 + 3) + 2 + (1 + 4) + (1 + 2));
    expect(graph.paramCount).toBe(27 + 3 + 6 + 12 * 4 + 4 + 4 * 2 + 2);
    const types = new Set(graph.edgeType);
    for (const t of [EDGE_TYPES.conv, EDGE_TYPES.norm, EDGE_TYPES.bias, EDGE_TYPES.linear])
      expect(types.has(t)).toBe(true);
    const theta = await readLayerVariables(variables);
    await roundTrip(graph, theta);
    const shifted = theta.map((x) => x + 1);
    writeLayerVariables(variables, shifted);
    expect(await readLayerVariables(variables)).toEqual(shifted);
    model.dispose();
  });

  it('rejects layers with weights it cannot place', () => {
    const model = tfl.sequential({
      layers: [tfl.layers.embedding!({ inputDim: 5, outputDim: 3, inputLength: 2 })],
    });
    expect(() => graphFromLayersModel(model)).toThrow(/model\.layers\[0\]/);
    model.dispose();
    expect(() => graphFromLayersModel({} as LayersModelLike)).toThrow(PaperkitInputError);
  });
});
