import {
  applyMlp,
  applyTransformer,
  initBackend,
  initMlp,
  initTransformer,
  type ParamMap,
  Rng,
  type TransformerConfig,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildNeuralGraph,
  cnnLayers,
  graphFromParamMap,
  laplacianPE,
  type NeuralGraph,
  type NinoModel,
  nowcast,
} from '../src/index.js';
import { shippedCheckpoint } from './helpers.js';
import { edgeMap, identityPerm, permuteParams, permuteRange, permuteRows } from './permute.js';

let nino: NinoModel;
beforeAll(async () => {
  await initBackend();
  nino = shippedCheckpoint('nino_no_posw');
});
afterAll(() => nino.dispose());

/** A history drifting away from θ (so the nowcast is not trivial). */
function historyAround(theta: Float32Array, seed: number): Float32Array[] {
  const rng = Rng.fromSeed(seed);
  const v = rng.fillNormal(new Float32Array(theta.length), 0, 0.02);
  return Array.from({ length: 5 }, (_, t) => theta.map((x, i) => x + t * v[i]! + 0.002 * rng.normal()));
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst / scale;
}

/**
 * The three claims of permutation equivariance for a relabelling σ: σ maps the graph onto itself, the permuted parameters
 * compute the same function (`run`), and NiNo's prediction (with permuted encodings) is the permuted
 * prediction.
 */
async function checkEquivariance(
  graph: NeuralGraph,
  sigma: Int32Array,
  theta: Float32Array,
  run: ((t: Float32Array) => Promise<Float32Array>) | null,
): Promise<void> {
  const map = edgeMap(graph, sigma);
  expect(map).not.toBeNull();
  const permuted = permuteParams(graph, map!, theta);
  expect(permuted).not.toEqual(theta);
  if (run) expect(maxRelDiff(await run(permuted), await run(theta))).toBeLessThan(1e-4);
  const hist = historyAround(theta, 9);
  const histP = hist.map((h) => permuteParams(graph, map!, h));
  const lpe = laplacianPE(graph);
  const pred = await nowcast(nino, graph, hist, 5, { lpe });
  const predP = await nowcast(nino, graph, histP, 5, { lpe: permuteRows(lpe, sigma, 8) });
  expect(maxRelDiff(predP, permuteParams(graph, map!, pred))).toBeLessThan(1e-4);
}

const perm = (rng: Rng, n: number) => rng.permutation(n);

describe('permutation equivariance', () => {
  it('MLP: permuting hidden units', async () => {
    const params = initMlp(Rng.fromSeed(1), { sizes: [8, 16, 16, 4] });
    const g = graphFromParamMap(params);
    const theta = await params.flatten();
    const rng = Rng.fromSeed(2);
    const sigma = identityPerm(g.numNodes);
    for (const grp of g.groups.filter((x) => x.name === 'fc0.weight.out' || x.name === 'fc1.weight.out'))
      permuteRange(sigma, grp.start, perm(rng, grp.count));
    const x = tf.randomNormal([5, 8], 0, 1, 'float32', 3);
    const run = async (t: Float32Array) => {
      params.unflatten(t);
      return (await tf
        .tidy(() => applyMlp(params.tensors(), x, { sizes: [8, 16, 16, 4] }))
        .data()) as Float32Array;
    };
    await checkEquivariance(g, sigma, theta, run);
    x.dispose();
    params.dispose();
  });

  it('CNN: permuting conv channels (kernels move as 9-value edge features)', async () => {
    const g = buildNeuralGraph(cnnLayers({ inChannels: 2, channels: [4, 5], classes: 3 }));
    const rng = Rng.fromSeed(4);
    const theta = rng.fillNormal(new Float32Array(g.paramCount), 0, 0.3);
    const sigma = identityPerm(g.numNodes);
    for (const grp of g.groups.filter((x) => x.kind === 'neurons' && x.name !== `fc.${2 * 2 + 2}.weight.out`))
      permuteRange(sigma, grp.start, perm(rng, grp.count));
    // The official Net: conv → ReLU → conv → ReLU → global average pool → linear (PyTorch layouts).
    const img = tf.randomNormal([2, 6, 6, 2], 0, 1, 'float32', 5) as tf.Tensor4D;
    const run = async (t: Float32Array) => {
      const get = (name: string) => {
        const p = g.params.find((q) => q.name === name)!;
        return tf.tensor(t.subarray(p.offset, p.offset + p.size), [...p.shape]);
      };
      return tf
        .tidy(() => {
          let h: tf.Tensor4D = img;
          for (const i of [0, 2]) {
            const w = tf.transpose(get(`fc.${i}.weight`), [2, 3, 1, 0]) as tf.Tensor4D;
            h = tf.relu(tf.add(tf.conv2d(h, w, 1, 'same'), get(`fc.${i}.bias`))) as tf.Tensor4D;
          }
          const pooled = tf.mean(h, [1, 2]);
          return tf.add(tf.matMul(pooled, get('fc.6.weight'), false, true), get('fc.6.bias'));
        })
        .data() as Promise<Float32Array>;
    };
    await checkEquivariance(g, sigma, theta, run);
    img.dispose();
  });

  const cfg: TransformerConfig = {
    vocabSize: 7,
    contextLength: 5,
    dModel: 8,
    heads: 2,
    layers: 2,
    tiedHead: true,
  };
  let params: ParamMap;
  let g: NeuralGraph;
  const tokens = () =>
    tf.tensor2d(
      [
        [1, 3, 0, 6, 2],
        [4, 4, 5, 1, 0],
      ],
      [2, 5],
      'int32',
    );
  const runT = async (t: Float32Array) => {
    params.unflatten(t);
    const tok = tokens();
    const out = (await tf.tidy(() => applyTransformer(params.tensors(), tok, cfg)).data()) as Float32Array;
    tok.dispose();
    return out;
  };
  const group = (name: string) => g.groups.find((x) => x.name === name)!;

  it('transformer: MLP hidden units, heads, and within-head q/k and v dims', async () => {
    params = initTransformer(Rng.fromSeed(6), { ...cfg, initStd: 0.2 });
    g = graphFromParamMap(params, { heads: 2 });
    const theta = await params.flatten();
    const rng = Rng.fromSeed(7);
    // MLP hidden units of block 1.
    let sigma = identityPerm(g.numNodes);
    const hid = group('block1.mlp.fc1.weight.out');
    permuteRange(sigma, hid.start, perm(rng, hid.count));
    await checkEquivariance(g, sigma, theta, runT);
    // Swap the two heads of block 0: their q/k dims, v dims and head nodes move together.
    sigma = identityPerm(g.numNodes);
    for (const part of ['qk', 'v'])
      permuteRange(sigma, group(`block0.attn.qkv.weight.${part}`).start, [4, 5, 6, 7, 0, 1, 2, 3]);
    permuteRange(sigma, group('block0.attn.qkv.weight.heads').start, [1, 0]);
    await checkEquivariance(g, sigma, theta, runT);
    // Within-head dims: the same permutation for q and k, an independent one for v.
    sigma = identityPerm(g.numNodes);
    permuteRange(sigma, group('block0.attn.qkv.weight.qk').start, [2, 0, 3, 1, 5, 7, 4, 6]);
    permuteRange(sigma, group('block0.attn.qkv.weight.v').start, [1, 3, 2, 0, 6, 4, 5, 7]);
    await checkEquivariance(g, sigma, theta, runT);
  });

  it('negative: mixing q-dims across heads is not an automorphism of the graph (nor a symmetry of the model)', async () => {
    const sigma = identityPerm(g.numNodes);
    // q/k dim 0 of head 0 ↔ q/k dim 0 of head 1.
    permuteRange(sigma, group('block0.attn.qkv.weight.qk').start, [4, 1, 2, 3, 0, 5, 6, 7]);
    expect(edgeMap(g, sigma)).toBeNull();
    // Relabelling anyway (ignoring head membership) changes what the model computes.
    const theta = await params.flatten();
    const naive = theta.slice();
    const qkv = g.params.find((p) => p.name === 'block0.attn.qkv.weight')!;
    for (let i = 0; i < 8; i++)
      for (const blockOff of [0, 8]) {
        const a = qkv.offset + i * 24 + blockOff;
        [naive[a], naive[a + 4]] = [theta[a + 4]!, theta[a]!];
      }
    expect(maxRelDiff(await runT(naive), await runT(theta))).toBeGreaterThan(1e-3);
    params.dispose();
  });
});
