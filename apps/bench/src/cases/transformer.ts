import {
  applyTransformer,
  initTransformer,
  languageModelLoss,
  type Rng,
  type TransformerConfig,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { makeAdam } from '../optimizer.js';
import type { BenchCase } from './types.js';

/** Sizes of the tiny-transformer training step. */
export interface TransformerShape {
  readonly batch: number;
  readonly seq: number;
  readonly dModel: number;
  readonly heads: number;
  readonly vocab: number;
  readonly layers: number;
}

function tokens(rng: Rng, s: TransformerShape): tf.Tensor2D {
  const ids = new Int32Array(s.batch * s.seq);
  for (let i = 0; i < ids.length; i++) ids[i] = rng.int(s.vocab);
  return tf.tensor2d(ids, [s.batch, s.seq], 'int32');
}

/**
 * One Adam step of tensor-core's causal transformer language model (`nn/transformer.ts`: pre-LN
 * GPT-2 blocks, fused QKV, GELU MLP). Its embedding lookup is a gather on cpu and a one-hot matMul
 * on wasm (no gather gradient there), as the library chooses.
 */
export function transformerCase(s: TransformerShape): BenchCase {
  const config: TransformerConfig = {
    vocabSize: s.vocab,
    contextLength: s.seq,
    dModel: s.dModel,
    heads: s.heads,
    layers: s.layers,
  };
  const d = s.dModel;
  return {
    name: `transformer L${s.layers} d${d} h${s.heads} T${s.seq} b${s.batch} step`,
    group: 'transformer',
    params: s.layers * (12 * d * d + 13 * d) + 2 * s.vocab * d + s.seq * d + 2 * d,
    prepare: ({ rng, optimizer }) => {
      const params = initTransformer(rng.stream('init'), config);
      const vars = Object.values(params.tensors());
      const input = tokens(rng, s);
      const target = tokens(rng, s);
      const opt = makeAdam(optimizer, 1e-3);
      const loss = () => languageModelLoss(applyTransformer(params.tensors(), input, config), target);
      return {
        step: () => opt.minimize(loss, vars),
        dispose: () => {
          opt.dispose();
          params.dispose();
          tf.dispose([input, target]);
        },
      };
    },
  };
}
