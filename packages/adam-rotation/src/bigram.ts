/**
 * The paper's bigram setting at CPU scale: a Zipfian bigram chain, the two-matrix model logits = E[x]·W,
 * its minibatch loss with hand-written gradients and its exact expected loss.
 */
import {
  checkInteger,
  checkPositive,
  embeddingLookup,
  type MarkovChain,
  markovSequenceEntropy,
  ParamMap,
  type Rng,
  randomNormal,
  sampleMarkovSequences,
  softmaxCrossEntropy,
  zipfWeights,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';

/** The Zipfian bigram task of the paper's bigram setting (the implementation spec's Tier 1). */
export interface BigramTask {
  /** The chain: x ~ Zipf over a random permutation, each row a Zipf over its own random permutation. */
  readonly chain: MarkovChain;
  /** Training pairs, row-major [steps·batch, 2]. */
  readonly pairs: Int32Array;
  /** Batch size. */
  readonly batch: number;
  /** Lowest reachable expected loss, E_x H(P(·|x)) (nats). */
  readonly floor: number;
  /** The joint p(x)·P(y|x) as a [V, V] float32 tensor, for the exact population loss. */
  readonly joint: tf.Tensor2D;
}

/**
 * Builds the spec's bigram chain: the marginal p(x) ∝ rank^−s over a random permutation of the
 * tokens, and every row a Zipf(s) distribution over its own random permutation (dense, branching V).
 * tensor-core's `zipfMarkovChain` draws successors by unigram frequency instead, so the chain is
 * assembled here as a tensor-core `MarkovChain` and sampled with its sampler.
 */
export function bigramChain(rng: Rng, vocab: number, exponent: number): MarkovChain {
  checkInteger('vocab', vocab, 2);
  checkPositive('exponent', exponent);
  const w = zipfWeights(vocab, exponent);
  const rank = rng.stream('marginal').permutation(vocab);
  const initial = new Float64Array(vocab);
  for (let r = 0; r < vocab; r++) initial[rank[r]!] = w[r]!;
  const successors = new Int32Array(vocab * vocab);
  const probs = new Float64Array(vocab * vocab);
  const rows = rng.stream('rows');
  for (let i = 0; i < vocab; i++) {
    successors.set(rows.permutation(vocab), i * vocab);
    probs.set(w, i * vocab);
  }
  return { vocabSize: vocab, branching: vocab, initial, successors, probs };
}

/** The task: chain from `rng.stream('chain')`, `steps·batch` pairs from `rng.stream('pairs')`. */
export function bigramTask(
  rng: Rng,
  vocab: number,
  exponent: number,
  steps: number,
  batch: number,
): BigramTask {
  checkInteger('steps', steps, 1);
  checkInteger('batch', batch, 1);
  const chain = bigramChain(rng.stream('chain'), vocab, exponent);
  const pairs = sampleMarkovSequences(chain, rng.stream('pairs'), steps * batch, 2);
  const joint = new Float32Array(vocab * vocab);
  for (let i = 0; i < vocab; i++)
    for (let j = 0; j < vocab; j++)
      joint[i * vocab + chain.successors[i * vocab + j]!]! += chain.initial[i]! * chain.probs[i * vocab + j]!;
  return {
    chain,
    pairs,
    batch,
    floor: markovSequenceEntropy(chain, 2),
    joint: tf.tensor2d(joint, [vocab, vocab]),
  };
}

/**
 * The bigram model logits = E[x]·W with E [V, d] (embedding, layout out = d, in = token) and W [d, V]
 * (paperkit's [in, out] dense weight; the spec's W ∈ R^{V×d} transposed). Initial weights 0.1·N(0, 1).
 */
export function initBigram(rng: Rng, vocab: number, dim: number): ParamMap {
  checkInteger('vocab', vocab, 2);
  checkInteger('dim', dim, 1);
  const dense = { outAxis: 1, inAxis: 0 } as const;
  const e = randomNormal(rng.stream('embedding'), [vocab, dim], 0, 0.1);
  const w = randomNormal(rng.stream('head'), [dim, vocab], 0, 0.1);
  try {
    return ParamMap.fromTensors({
      embedding: { value: e, role: 'embedding', layout: dense, group: 'embedding' },
      head: { value: w, role: 'weight', layout: dense, group: 'head' },
    });
  } finally {
    tf.dispose([e, w]);
  }
}

/** Minibatch cross-entropy of pairs [b, 2] (int32). */
export function bigramLoss(p: Record<string, tf.Tensor>, pairs: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const [x, y] = tf.split(pairs, 2, 1);
    const logits = tf.matMul(
      embeddingLookup(p.embedding!, tf.reshape(x!, [-1])) as tf.Tensor2D,
      p.head! as tf.Tensor2D,
    );
    return softmaxCrossEntropy(logits, tf.reshape(y!, [-1])) as tf.Scalar;
  });
}

/** The exact expected loss Σ_x p(x) Σ_y P(y|x)·(−log softmax(E_x W)_y). */
export function bigramPopulationLoss(p: Record<string, tf.Tensor>, joint: tf.Tensor2D): tf.Scalar {
  return tf.tidy(
    () =>
      tf.neg(
        tf.sum(
          tf.mul(joint, tf.logSoftmax(tf.matMul(p.embedding! as tf.Tensor2D, p.head! as tf.Tensor2D), -1)),
        ),
      ) as tf.Scalar,
  );
}

/**
 * Loss and exact gradients of the bigram model for one batch, written out by hand (softmax
 * cross-entropy: ∂/∂logits = (softmax − onehot(y))/B), which is cheaper than the autodiff tape for this
 * two-matrix model. The caller disposes the returned tensors.
 */
export function bigramLossAndGrads(
  p: Record<string, tf.Tensor>,
  pairs: Int32Array,
  vocab: number,
): { loss: tf.Scalar; grads: Record<string, tf.Tensor> } {
  const b = pairs.length / 2;
  const x = new Int32Array(b);
  const y = new Int32Array(b);
  for (let i = 0; i < b; i++) {
    x[i] = pairs[2 * i]!;
    y[i] = pairs[2 * i + 1]!;
  }
  return tf.tidy(() => {
    // int32 one-hot then cast: wasm's OneHot writes int32 bits whatever dtype is asked for.
    const xh = tf.cast(tf.oneHot(tf.tensor1d(x, 'int32'), vocab), 'float32') as tf.Tensor2D;
    const yh = tf.cast(tf.oneHot(tf.tensor1d(y, 'int32'), vocab), 'float32') as tf.Tensor2D;
    const h = tf.matMul(xh, p.embedding! as tf.Tensor2D);
    const logp = tf.logSoftmax(tf.matMul(h, p.head! as tf.Tensor2D), -1);
    const loss = tf.div(tf.neg(tf.sum(tf.mul(yh, logp))), b) as tf.Scalar;
    const d = tf.div(tf.sub(tf.exp(logp), yh), b) as tf.Tensor2D;
    const head = tf.matMul(h, d, true, false);
    const embedding = tf.matMul(xh, tf.matMul(d, p.head! as tf.Tensor2D, false, true), true, false);
    return { loss, grads: { embedding, head } };
  });
}

/** The pairs of step `i` [batch·2] (row-major x, y). */
export function bigramPairs(task: BigramTask, i: number): Int32Array {
  return task.pairs.subarray(i * task.batch * 2, (i + 1) * task.batch * 2);
}
