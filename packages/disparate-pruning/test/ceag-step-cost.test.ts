import { ConstrainedOptimizer, defineProblem, GradientAscent } from '@paperkit/nupi';
import { initBackend, Rng, SGD } from '@paperkit/tensor-core';
import { expectAllClose, expectBitIdentical, expectNoLeak } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ceagProblem,
  ceagStepPair,
  encodeGroups,
  excessMatrix,
  groupStats,
  lossGaps,
  predict,
  resolveClassifier,
  selectGroups,
  type TrainingBatch,
} from '../src/index.js';
import { mlpClassifier, smallTask } from './helpers.js';

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
    const pair = ceagStepPair({
      classifier: () => mlpClassifier(sizes),
      data: { features: x, labels: y, featureShape: [sizes[0]!], count: 4 * B },
      groups: { ids, numGroups },
      batchSize: B,
      ceag: { epsilon: 0.01, buffer: 8 },
    });
    // Every buffer is full, so the measured roll includes the dual step of every group.
    expect(pair.problem.last().indices.length).toBe(numGroups);
    return pair;
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
    // The primal Lagrangian is one weighted sum of the per-example losses, wᵀℓ − λ̄ᵀb (mul, sum, addN,
    // and the fused op's own entry), whose backward is one product dy·w; it replaces the mean's
    // backward (reshape, mul, div), as f's weights are folded into w. The per-family composition (a
    // gap tensor ℓᵀM − b, λ̄ᵀ of it, their gradients and the sum of ℓ's two gradients) took 14, and
    // per-op autodiff of the same arithmetic 35.
    expect(extra[0]).toBeLessThanOrEqual(2);
  });

  it('a roll equals the per-family composition (gap tensor, mean loss) within float32 rounding', () => {
    const sizes = [8, 12, 2];
    const { data, groups: ids } = smallTask(96, 3);
    const all = encodeGroups({ ids, numGroups: 4 });
    const idx = Int32Array.from({ length: 48 }, (_, i) => i);
    const run = (unfused: boolean) => {
      const clf = mlpClassifier(sizes, 4);
      const model = resolveClassifier(clf);
      const dense = groupStats(predict(model, data), all);
      const ceag = ceagProblem(model, dense, Float64Array.of(0.4, 0.3, 0.2, 0.1), { buffer: 2 });
      // λ > 0 from the start, so the multipliers' part of the weights matters in the first roll.
      ceag.multiplier.value.set([0.3, 1.2, 0, 0.7]);
      // The reference hands nupi the gap tensor ℓᵀM − b (plain ops) and f = mean(ℓ) instead of the
      // per-example form.
      const problem = unfused
        ? defineProblem({
            constraints: ceag.problem.constraints,
            computeState(b: TrainingBatch) {
              const s = ceag.problem.computeState(b);
              const { linear, ...rest } = s.constraints.excessGap!;
              const v = s.perExample!.values;
              const n = v.shape[0];
              const k = linear!.offsets!.length;
              const M = tf.tensor2d(linear!.matrix, [n, k]);
              const violation = tf.sub(
                tf.reshape(tf.matMul(tf.reshape(v, [1, n]), M), [k]),
                tf.tensor1d(linear!.offsets!),
              );
              return { loss: tf.mean(v), constraints: { excessGap: { ...rest, violation } } };
            },
          })
        : ceag.problem;
      const opt = new ConstrainedOptimizer({
        problem,
        params: model.params,
        primal: new SGD({ lr: 0.5 }),
        dual: new GradientAscent({ lr: 0.5 }),
      });
      const rolls: { loss: number; lagrangian: number; multipliers: Float64Array }[] = [];
      for (let t = 0; t < 3; t++) {
        const { x, y } = tf.tidy(() => ({
          x: tf.tensor2d(data.features.subarray(t * 16 * 8, (t * 16 + 48) * 8), [48, 8]),
          y: tf.tensor1d(data.labels.subarray(t * 16, t * 16 + 48), 'int32'),
        }));
        const rows = idx.map((i) => i + t * 16);
        const batch = {
          x,
          y,
          labels: data.labels.slice(t * 16, t * 16 + 48),
          groups: selectGroups(all, rows),
        };
        const out = opt.roll(batch);
        rolls.push({
          loss: out.loss!.dataSync()[0]!,
          lagrangian: out.primalLagrangian.dataSync()[0]!,
          multipliers: out.multipliers.excessGap!,
        });
        out.dispose();
        tf.dispose([x, y]);
      }
      const params = Object.values(model.params).map((v) => v.dataSync().slice());
      opt.dispose();
      clf.params.dispose();
      return { rolls, params };
    };
    const fused = run(false);
    const plain = run(true);
    // Roll 1 starts from the same weights: the same loss and, from the same correctness bits, the same
    // dual step; the Lagrangian differs only in how its float32 sums associate.
    expect(fused.rolls[0]!.loss).toBe(plain.rolls[0]!.loss);
    fused.rolls.forEach((r, t) => {
      expectBitIdentical(r.multipliers, plain.rolls[t]!.multipliers);
      expect(Math.abs(r.lagrangian - plain.rolls[t]!.lagrangian)).toBeLessThan(
        1e-6 * (1 + Math.abs(r.lagrangian)),
      );
    });
    expect(fused.rolls.some((r) => r.multipliers.some((l, g) => l !== [0.3, 1.2, 0, 0.7][g]))).toBe(true);
    // Three SGD steps later the weights agree to float32 rounding (relative 1e-5 of their scale).
    fused.params.forEach((p, i) => {
      expectAllClose(p, plain.params[i]!, { atol: 1e-5, rtol: 1e-5 });
    });
  });

  it('ceagStepPair: leak-free steps and dispose; bad input names the parameter', async () => {
    const { data, groups: ids } = smallTask(64, 1);
    const base = {
      classifier: () => mlpClassifier([8, 6, 2], 2),
      data,
      groups: { ids, numGroups: 4 },
      batchSize: 32,
      ceag: { buffer: 4 },
    };
    await expectNoLeak(() => {
      const pair = ceagStepPair(base);
      pair.ceagStep();
      pair.ermStep();
      pair.dispose();
    });
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ classifier: null }, /classifier must be a function returning a classifier/],
      [{ batchSize: 65 }, /batchSize must be at most data.count = 64/],
      [{ batchSize: 0 }, /batchSize/],
      [{ groups: { ids: ids.slice(1), numGroups: 4 } }, /groups/],
      [{ ceag: { epsilon: -1 } }, /epsilon/],
      [{ lr: 0 }, /lr must be/],
      [{ sparsity: 1 }, /sparsity/],
    ];
    for (const [patch, msg] of bad)
      await expectNoLeak(() => {
        expect(() => ceagStepPair({ ...base, ...patch } as never)).toThrow(msg);
      });
    expect(() => ceagStepPair(null as never)).toThrow(/options must be an object/);
  });
});
