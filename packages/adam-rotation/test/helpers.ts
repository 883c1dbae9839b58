import { ParamMap, Rng, randomNormal } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * A small parameter map with every kind of tensor a scope treats differently: a token embedding
 * [12, 8], a fused QKV weight [8, 24] and bias, a LayerNorm gain, and an output head [8, 12].
 */
export function toyParams(seed = 0): ParamMap {
  const rng = Rng.fromSeed(seed);
  const dense = { outAxis: 1, inAxis: 0 } as const;
  const shapes: Record<string, number[]> = {
    'tok.embedding': [12, 8],
    'block0.attn.qkv.weight': [8, 24],
    'block0.attn.qkv.bias': [24],
    'ln.gain': [8],
    'head.weight': [8, 12],
  };
  const v = Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, randomNormal(rng.stream(k), s)]));
  const m = ParamMap.fromTensors({
    'tok.embedding': { value: v['tok.embedding']!, role: 'embedding', layout: dense, group: 'tok' },
    'block0.attn.qkv.weight': {
      value: v['block0.attn.qkv.weight']!,
      role: 'weight',
      layout: dense,
      group: 'block0.attn.qkv',
    },
    'block0.attn.qkv.bias': { value: v['block0.attn.qkv.bias']!, role: 'bias', group: 'block0.attn.qkv' },
    'ln.gain': { value: v['ln.gain']!, role: 'norm' },
    'head.weight': { value: v['head.weight']!, role: 'weight', layout: dense, group: 'head' },
  });
  tf.dispose(Object.values(v));
  return m;
}

/** Float64 copy of a tensor's values. */
export async function host(t: tf.Tensor): Promise<Float64Array> {
  return Float64Array.from((await t.data()) as Float32Array);
}

/** Max |a − b|. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
