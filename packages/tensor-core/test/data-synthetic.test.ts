import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import {
  gaussianMixture,
  type MarkovChain,
  markovEntropyRate,
  markovSequenceEntropy,
  markovTransitionMatrix,
  sampleMarkovSequences,
  teacherLogits,
  teacherStudent,
  zipfMarkovChain,
  zipfMarkovText,
  zipfWeights,
} from '../src/data/index.js';
import { applyMlp } from '../src/nn/index.js';
import { ParamMap } from '../src/params/index.js';
import { Rng } from '../src/random/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

describe('teacherStudent', () => {
  it('is seeded, and a larger dataset extends a smaller one with the same teacher', () => {
    const cfg = { inputDim: 6, hidden: [10], classes: 3 };
    const a = teacherStudent(Rng.fromSeed(1), { ...cfg, count: 100 });
    const b = teacherStudent(Rng.fromSeed(1), { ...cfg, count: 250 });
    expect(b.teacher).toEqual(a.teacher);
    expect(b.features.subarray(0, 600)).toEqual(a.features);
    expect(b.labels.subarray(0, 100)).toEqual(a.labels);
    expect(a.featureShape).toEqual([6]);
    expect(teacherStudent(Rng.fromSeed(2), { ...cfg, count: 100 }).labels).not.toEqual(a.labels);
  });

  it('labels are the argmax of the teacher, whose weights use paperkit’s [in, out] dense layout', async () => {
    const cfg = { inputDim: 5, hidden: [8], classes: 4, count: 400, biasStd: 0.5 };
    const data = teacherStudent(Rng.fromSeed(3), cfg);
    const t = data.teacher;
    const pm = ParamMap.fromTensors(
      Object.fromEntries(
        t.weights.flatMap((w, l) => [
          [`fc${l}.weight`, { value: tf.tensor2d(Float32Array.from(w), [t.sizes[l]!, t.sizes[l + 1]!]) }],
          [`fc${l}.bias`, { value: tf.tensor1d(Float32Array.from(t.biases[l]!)) }],
        ]),
      ),
    );
    const logits = tf.tidy(() =>
      applyMlp(pm.tensors(), tf.tensor2d(data.features, [400, 5]), { sizes: t.sizes, activation: 'tanh' }),
    );
    const device = await logits.data();
    const host = teacherLogits(t, data.features, 400);
    for (let i = 0; i < host.length; i++) expect(device[i]).toBeCloseTo(host[i]!, 4);
    for (let r = 0; r < 400; r++) {
      const row = Array.from(host.subarray(r * 4, r * 4 + 4));
      expect(data.labels[r]).toBe(row.indexOf(Math.max(...row)));
    }
    logits.dispose();
    pm.dispose();
  });

  it('a bias-free odd teacher with two classes is balanced (logits(−x) = −logits(x))', () => {
    const n = 4000;
    const data = teacherStudent(Rng.fromSeed(4), { count: n, inputDim: 10, hidden: [16], classes: 2 });
    const ones = data.labels.reduce((s, y) => s + y, 0);
    // Binomial(4000, 1/2): sd ≈ 32; 4 sd margin.
    expect(Math.abs(ones - n / 2)).toBeLessThan(4 * Math.sqrt(n / 4));
  });
});

describe('gaussianMixture', () => {
  it('samples around the true means with the right weights and spread', () => {
    const n = 6000;
    const data = gaussianMixture(Rng.fromSeed(5), {
      count: n,
      components: 3,
      dim: 4,
      std: 0.5,
      weights: [1, 2, 3],
    });
    expect(Array.from(data.weights)).toEqual([1 / 6, 2 / 6, 3 / 6]);
    const counts = [0, 0, 0];
    const sums = new Float64Array(12);
    let sq = 0;
    for (let r = 0; r < n; r++) {
      const c = data.labels[r]!;
      counts[c]!++;
      for (let j = 0; j < 4; j++) {
        sums[c * 4 + j]! += data.features[r * 4 + j]!;
        sq += (data.features[r * 4 + j]! - data.means[c * 4 + j]!) ** 2;
      }
    }
    counts.forEach((c, k) => {
      const p = data.weights[k]!;
      expect(Math.abs(c - n * p)).toBeLessThan(4 * Math.sqrt(n * p * (1 - p)));
      for (let j = 0; j < 4; j++)
        expect(Math.abs(sums[k * 4 + j]! / c - data.means[k * 4 + j]!)).toBeLessThan(
          (4 * 0.5) / Math.sqrt(c),
        );
    });
    // 24 000 squared deviations: the std estimate is within ~0.5%; 3% margin.
    expect(Math.abs(Math.sqrt(sq / (4 * n)) / 0.5 - 1)).toBeLessThan(0.03);
    expect(gaussianMixture(Rng.fromSeed(5), { count: 10, components: 3, dim: 4 }).means).toEqual(
      gaussianMixture(Rng.fromSeed(5), { count: 99, components: 3, dim: 4 }).means,
    );
  });
});

describe('Zipfian Markov text', () => {
  it('zipfWeights are normalised with ratio (i+1)^s', () => {
    const p = zipfWeights(4, 1.5);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    expect(p[0]! / p[3]!).toBeCloseTo(4 ** 1.5, 12);
  });

  it('chain rows are Zipfian distributions over distinct successors', () => {
    const chain = zipfMarkovChain(Rng.fromSeed(6), { vocabSize: 30, exponent: 1.2, branching: 5 });
    const row = zipfWeights(5, 1.2);
    expect(Array.from(chain.initial)).toEqual(Array.from(zipfWeights(30, 1.2)));
    const dense = markovTransitionMatrix(chain);
    for (let i = 0; i < 30; i++) {
      const succ = Array.from(chain.successors.subarray(i * 5, i * 5 + 5));
      expect(new Set(succ).size).toBe(5);
      expect(Array.from(chain.probs.subarray(i * 5, i * 5 + 5))).toEqual(Array.from(row));
      const rowSum = dense.subarray(i * 30, i * 30 + 30).reduce((a, b) => a + b, 0);
      expect(rowSum).toBeCloseTo(1, 12);
      expect(dense.subarray(i * 30, i * 30 + 30).filter((v) => v > 0).length).toBe(5);
    }
  });

  it('sequences follow the chain: allowed transitions only, empirical loss = exact bound', () => {
    const text = zipfMarkovText(Rng.fromSeed(7), {
      vocabSize: 20,
      exponent: 1,
      branching: 4,
      count: 400,
      length: 32,
    });
    expect(text.tokens.length).toBe(400 * 32);
    const p = markovTransitionMatrix(text.chain);
    const perSeq: number[] = [];
    let first0 = 0;
    for (let s = 0; s < 400; s++) {
      if (text.tokens[s * 32] === 0) first0++;
      let nll = 0;
      for (let t = 0; t + 1 < 32; t++) {
        const pr = p[text.tokens[s * 32 + t]! * 20 + text.tokens[s * 32 + t + 1]!]!;
        expect(pr).toBeGreaterThan(0);
        nll -= Math.log(pr);
      }
      perSeq.push(nll / 31);
    }
    // Sequences are i.i.d., so the mean of per-sequence losses has standard error sd/√400; 4 SE margin.
    const mean = perSeq.reduce((a, x) => a + x, 0) / 400;
    const sd = Math.sqrt(perSeq.reduce((a, x) => a + (x - mean) ** 2, 0) / 399);
    expect(Math.abs(mean - markovSequenceEntropy(text.chain, 32))).toBeLessThan((4 * sd) / Math.sqrt(400));
    const p0 = text.chain.initial[0]!;
    expect(Math.abs(first0 - 400 * p0)).toBeLessThan(4 * Math.sqrt(400 * p0 * (1 - p0)));
    // Same seed, same text.
    expect(
      zipfMarkovText(Rng.fromSeed(7), { vocabSize: 20, branching: 4, count: 400, length: 32 }).tokens,
    ).toEqual(text.tokens);
  });

  const chainOf = (succ: number[][], probs: number[][], initial: number[]): MarkovChain => ({
    vocabSize: succ.length,
    branching: succ[0]!.length,
    initial: Float64Array.from(initial),
    successors: Int32Array.from(succ.flat()),
    probs: Float64Array.from(probs.flat()),
  });
  const h = (ps: number[]) => -ps.reduce((s, p) => s + (p > 0 ? p * Math.log(p) : 0), 0);

  it('entropy rate of a two-state chain equals π₀H(a) + π₁H(b)', () => {
    const [a, b] = [0.1, 0.4];
    const chain = chainOf(
      [
        [0, 1],
        [0, 1],
      ],
      [
        [1 - a, a],
        [b, 1 - b],
      ],
      [1, 0],
    );
    const want = (b / (a + b)) * h([a, 1 - a]) + (a / (a + b)) * h([b, 1 - b]);
    expect(markovEntropyRate(chain)).toBeCloseTo(want, 10);
    // From the stationary start every position has the stationary marginal.
    const stat = chainOf(
      [
        [0, 1],
        [0, 1],
      ],
      [
        [1 - a, a],
        [b, 1 - b],
      ],
      [b / (a + b), a / (a + b)],
    );
    expect(markovSequenceEntropy(stat, 7)).toBeCloseTo(want, 12);
    expect(markovSequenceEntropy(chain, 2)).toBeCloseTo(h([a, 1 - a]), 12);
  });

  it('entropy rate of a periodic chain (lazy iteration converges)', () => {
    // 0 → {1, 2} with ½ each, 1 → 0, 2 → 0: period 2, π = (½, ¼, ¼), rate = ½·ln 2.
    const chain = chainOf(
      [
        [1, 2],
        [0, 1],
        [0, 1],
      ],
      [
        [0.5, 0.5],
        [1, 0],
        [1, 0],
      ],
      [1, 0, 0],
    );
    expect(markovEntropyRate(chain)).toBeCloseTo(0.5 * Math.LN2, 10);
    // Finite sequences from token 0 alternate: predictions at even positions cost ln 2, odd ones 0.
    expect(markovSequenceEntropy(chain, 5)).toBeCloseTo((2 * Math.LN2) / 4, 12);
  });

  it('the finite-length bound tends to the entropy rate', () => {
    const chain = zipfMarkovChain(Rng.fromSeed(8), { vocabSize: 50, branching: 6 });
    const rate = markovEntropyRate(chain);
    expect(rate).toBeGreaterThan(0);
    expect(rate).toBeLessThan(Math.log(6));
    expect(Math.abs(markovSequenceEntropy(chain, 4000) - rate)).toBeLessThan(2e-3);
    const seq = sampleMarkovSequences(chain, Rng.fromSeed(9), 2, 10);
    expect(seq.length).toBe(20);
  });

  it('rejects bad configs', () => {
    expect(() => zipfMarkovChain(Rng.fromSeed(1), { vocabSize: 3, branching: 4 })).toThrow(
      /branching must be an integer <= vocabSize \(3\)/,
    );
    expect(() => zipfMarkovChain(Rng.fromSeed(1), { vocabSize: 1 })).toThrow(
      /vocabSize must be an integer >= 2/,
    );
  });
});
