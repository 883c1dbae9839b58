import { ConstrainedOptimizer, GradientAscent } from '@paperkit/nupi';
import { Adam, initBackend, Rng } from '@paperkit/tensor-core';
import { expectBitIdentical, expectNoLeak } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ceagProblem,
  denseStats,
  encodeGroups,
  excessMatrix,
  groupCounts,
  lossGaps,
  MaskedOptimizer,
  resolveClassifier,
  selectGroups,
  type TrainingBatch,
  trainingForward,
} from '../src/index.js';
import { mlpClassifier } from './helpers.js';

beforeAll(() => initBackend({ prefer: 'wasm', blas: 'off' }));

/**
 * The cost claim for a CEAG step: one forward/backward plus O(|G|) work, i.e. a fixed number
 * of extra kernels and one host read, whatever the model and the number of groups.
 */
describe('CEAG step cost', () => {
  it('lossGaps: value and gradient equal the plain-op composition bit for bit (with offsets)', async () => {
    const groups = encodeGroups({ ids: [2, 0, 2, 1, 2, 0], numGroups: 4 });
    const em = excessMatrix(groups);
    const offsets = Float32Array.of(0.25, -0.5, 0.125);
    const w = tf.tensor1d([0.3, -1.7, 2.2]);
    const l = tf.tensor1d([0.1, 2.3, 0.7, 1.9, 0.05, 3.1]);
    const plain = (x: tf.Tensor1D) => {
      const M = tf.tensor2d(em.matrix, [6, 3]);
      return tf.sub(tf.reshape(tf.matMul(tf.reshape(x, [1, 6]), M), [3]), tf.tensor1d(offsets));
    };
    const fused = (x: tf.Tensor1D) => lossGaps(x, em, offsets);
    const run = (f: (x: tf.Tensor1D) => tf.Tensor) => {
      const { value, grad } = tf.valueAndGrad((x: tf.Tensor1D) => tf.sum(tf.mul(w, f(x))) as tf.Scalar)(l);
      const gaps = tf.tidy(() => f(l));
      const out = {
        gaps: gaps.dataSync().slice(),
        value: value.dataSync()[0]!,
        grad: grad.dataSync().slice(),
      };
      tf.dispose([gaps, value, grad]);
      return out;
    };
    const a = await expectNoLeak(() => run(fused));
    const b = run(plain);
    expectBitIdentical(a.gaps, b.gaps);
    expect(a.value).toBe(b.value);
    expectBitIdentical(a.grad, b.grad);
    // Hand values: group 0 = rows {1, 5}, mean 2.7; overall mean 8.15/6; minus the offset .25.
    expect(a.gaps[0]).toBeCloseTo(2.7 - 8.15 / 6 - 0.25, 5);
    tf.dispose([w, l]);
  });

  /** A 90%-sparse MLP with a CEAG optimizer (buffers full) and an ERM step on the same batch. */
  function steps(sizes: number[], numGroups: number) {
    const B = 64;
    const rng = Rng.fromSeed(7);
    const x = rng.stream('x').fillNormal(new Float32Array(4 * B * sizes[0]!));
    const y = Int32Array.from({ length: 4 * B }, (_, i) => i % sizes.at(-1)!);
    const ids = Int32Array.from({ length: 4 * B }, (_, i) => i % numGroups);
    const all = encodeGroups({ ids, numGroups });
    const batch: TrainingBatch = {
      x: tf.tensor2d(x.subarray(0, B * sizes[0]!), [B, sizes[0]!]),
      y: tf.tensor1d(y.subarray(0, B), 'int32'),
      labels: y.slice(0, B),
      groups: selectGroups(
        all,
        Int32Array.from({ length: B }, (_, i) => i),
      ),
    };
    const make = () => {
      const classifier = mlpClassifier(sizes);
      const model = resolveClassifier(classifier);
      const opt = new MaskedOptimizer(new Adam({ lr: 1e-3 }), { prunable: model.prunable });
      opt.prune(model.params, 0.9);
      return { model, opt, params: classifier.params };
    };
    const erm = make();
    const ceag = make();
    const data = { features: x, labels: y, featureShape: [sizes[0]!], count: 4 * B };
    const dense = denseStats(ceag.model, { train: { data, groups: all } }).train!;
    const priors = groupCounts(all).map((c) => c / all.count);
    const problem = ceagProblem(ceag.model, dense, priors, { epsilon: 0.01, buffer: 8 });
    const opt = new ConstrainedOptimizer({
      problem: problem.problem,
      params: ceag.model.params,
      primal: ceag.opt,
      dual: new GradientAscent({ lr: 1e-2 }),
    });
    const ceagStep = () => opt.roll(batch).dispose();
    const ermStep = () =>
      erm.opt
        .minimize(
          () => tf.tidy(() => tf.mean(trainingForward(erm.model, batch).losses)) as tf.Scalar,
          erm.model.params,
        )
        .dispose();
    // Fill every buffer, so the measured roll includes the dual step of every group.
    for (let i = 0; i < 4; i++) ceagStep();
    ermStep();
    expect(problem.last().indices.length).toBe(numGroups);
    const dispose = () => {
      opt.dispose();
      erm.opt.dispose();
      erm.params.dispose();
      ceag.params.dispose();
      tf.dispose([batch.x, batch.y]);
    };
    return { ceagStep, ermStep, dispose };
  }

  it('one host read per roll: the logits for the correctness bits', () => {
    const s = steps([5, 16, 3], 3);
    const backend = tf.backend();
    const readSync = backend.readSync.bind(backend);
    let reads = 0;
    backend.readSync = (id) => {
      reads++;
      return readSync(id);
    };
    try {
      s.ceagStep();
      expect(reads).toBe(1);
      s.ceagStep();
      expect(reads).toBe(2);
    } finally {
      backend.readSync = readSync;
      s.dispose();
    }
  });

  it('a roll runs a fixed number of kernels more than the ERM step, whatever the depth and |G|', async () => {
    const extra: number[] = [];
    for (const [sizes, groups] of [
      [[5, 16, 3], 3],
      [[6, 24, 24, 4], 7],
    ] as const) {
      const s = steps([...sizes], groups);
      const erm = (await tf.profile(s.ermStep)).kernels.length;
      const ceag = (await tf.profile(s.ceagStep)).kernels.length;
      extra.push(ceag - erm);
      s.dispose();
    }
    expect(extra[1]).toBe(extra[0]);
    // Forward: ℓᵀM − offsets (two reshapes, matMul, sub), f + λ̄ᵀg̃ (mul, sum, addN);
    // backward: dy·λ̄, dy·Mᵀ with its two reshapes, the sum of ℓ's two gradients; and the two fused
    // ops' own entries. Per-op autodiff of the same arithmetic took 35.
    expect(extra[0]).toBeLessThanOrEqual(14);
  });
});
