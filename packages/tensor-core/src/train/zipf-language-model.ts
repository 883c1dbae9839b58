import * as tf from '@tensorflow/tfjs-core';
import { languageModelBatch } from '../data/batches.js';
import { sampleMarkovSequences, zipfMarkovChain } from '../data/markov-text.js';
import {
  applyTransformer,
  initTransformer,
  languageModelLoss,
  type TransformerConfig,
} from '../nn/transformer.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { ParamMap } from '../params/param-map.js';
import type { Rng } from '../random/rng.js';
import { checkInteger } from '../validate/errors.js';

/** Sizes of {@link zipfLanguageModelTask}. */
export interface ZipfLanguageModelConfig {
  /** Vocabulary size V. */
  readonly vocab: number;
  /** Zipf exponent of the unigram and of each row of the chain. */
  readonly exponent: number;
  /** Successors per token (clipped to V). */
  readonly branching: number;
  /** Tokens per sequence; the model's context is `length − 1` (next-token targets). */
  readonly length: number;
  readonly dModel: number;
  readonly heads: number;
  readonly layers: number;
  /** Training steps; `steps × batch` sequences are drawn up front, a fresh batch per step. */
  readonly steps: number;
  readonly batch: number;
  /** Held-out sequences from the same chain. */
  readonly evalSequences: number;
}

/** A tiny causal language model on Zipfian Markov text: the model, its data, a step and an evaluation. */
export interface ZipfLanguageModelTask {
  readonly model: TransformerConfig;
  /** The transformer's parameters (owned by the task: {@link ZipfLanguageModelTask.dispose} frees them). */
  readonly params: ParamMap;
  /** One `opt.minimize` on the `i`-th training batch; returns the loss (as `train`'s `step` expects). */
  step(opt: Optimizer, i: number): tf.Scalar;
  /** Mean next-token loss (nats) on the held-out sequences. */
  heldOutLoss(): Promise<number>;
  /** Frees the parameters and the held-out batch. */
  dispose(): void;
}

/**
 * The language-modelling setting that adam-rotation's transformer experiments and critical-momenta's
 * language-model experiment share: tensor-core's pre-LN causal transformer on Zipfian Markov text.
 * Draws from named streams of `rng` (`data` for the chain, `train` and `eval` for the text, `init` for
 * the weights), so every method of one seed sees the same chain, text and initial weights.
 */
export function zipfLanguageModelTask(rng: Rng, c: ZipfLanguageModelConfig): ZipfLanguageModelTask {
  checkInteger('steps', c.steps, 1);
  checkInteger('batch', c.batch, 1);
  checkInteger('evalSequences', c.evalSequences, 1);
  checkInteger('length', c.length, 2);
  const model: TransformerConfig = {
    vocabSize: c.vocab,
    contextLength: c.length - 1,
    dModel: c.dModel,
    heads: c.heads,
    layers: c.layers,
  };
  const chain = zipfMarkovChain(rng.stream('data'), {
    vocabSize: c.vocab,
    exponent: c.exponent,
    branching: Math.min(c.branching, c.vocab),
  });
  const tokens = sampleMarkovSequences(chain, rng.stream('train'), c.steps * c.batch, c.length);
  const held = sampleMarkovSequences(chain, rng.stream('eval'), c.evalSequences, c.length);
  const params = initTransformer(rng.stream('init'), model);
  const heldBatch = languageModelBatch(
    held,
    c.length,
    Int32Array.from({ length: c.evalSequences }, (_, i) => i),
  );
  const loss = (x: tf.Tensor, y: tf.Tensor) =>
    languageModelLoss(applyTransformer(params.tensors(), x, model), y);
  return {
    model,
    params,
    step(opt, i) {
      const b = languageModelBatch(
        tokens,
        c.length,
        Int32Array.from({ length: c.batch }, (_, k) => i * c.batch + k),
      );
      try {
        return opt.minimize(() => loss(b.inputs, b.targets), params);
      } finally {
        tf.dispose([b.inputs, b.targets]);
      }
    },
    async heldOutLoss() {
      const ev = tf.tidy(() => loss(heldBatch.inputs, heldBatch.targets));
      const v = (await ev.data())[0]!;
      ev.dispose();
      return v;
    },
    dispose() {
      tf.dispose([heldBatch.inputs, heldBatch.targets]);
      params.dispose();
    },
  };
}
