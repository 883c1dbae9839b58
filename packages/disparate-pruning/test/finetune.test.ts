import { GradientAscent, NuPI } from '@paperkit/nupi';
import { Adam, DivergenceError, initBackend, Rng, SGD } from '@paperkit/tensor-core';
import { expectNoLeak } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  constrainDisparity,
  epochStepDecay,
  type FineTuneOptions,
  type LayersModelLike,
  type Mitigation,
  pruneAndFineTune,
  prunedCount,
  referencePrimalOptimizer,
} from '../src/index.js';
import { mlpClassifier, smallTask } from './helpers.js';

beforeAll(() => initBackend({ prefer: 'wasm', blas: 'off' }));

const sizes = [8, 16, 16, 2];
const train = smallTask(400, 0);
const test = smallTask(200, 1);

function run(mitigation: Mitigation | undefined, extra: Partial<FineTuneOptions> = {}, seed = 3) {
  const clf = mlpClassifier(sizes, 1);
  const optimizer = new Adam({ lr: 3e-3 });
  return {
    clf,
    optimizer,
    result: pruneAndFineTune(clf, train.data, train.groups, {
      epochs: 4,
      batchSize: 64,
      pruning: { sparsity: 0.7, end: 2 },
      optimizer,
      rng: Rng.fromSeed(seed).stream('batches'),
      ...(mitigation ? { mitigation } : {}),
      monitor: { test: { data: test.data, groups: test.groups } },
      ...extra,
    }),
  };
}

describe('pruneAndFineTune', () => {
  const mitigations: Record<string, () => Mitigation | undefined> = {
    nft: () => undefined,
    ceag: () => ({ method: 'ceag', epsilon: 0.01, dual: new GradientAscent({ lr: 0.05 }) }),
    'ceag-nupi': () => ({ method: 'ceag', dual: new NuPI({ lr: 1, ki: 0.05, kp: 0.5 }), buffer: 0 }),
    el: () => ({ method: 'equalizedLoss' }),
    'el-rb': () => ({ method: 'equalizedLoss', buffer: 10, abs: true }),
  };
  for (const [name, make] of Object.entries(mitigations))
    it(`${name}: no tensor leak, exact layer-wise sparsity, constraints only from the last pruning epoch`, async () => {
      const clf = mlpClassifier(sizes, 1);
      await expectNoLeak(async () => {
        const optimizer = new Adam({ lr: 3e-3 });
        const r = await pruneAndFineTune(clf, train.data, train.groups, {
          epochs: 4,
          batchSize: 64,
          pruning: { sparsity: 0.7, end: 2 },
          optimizer,
          rng: Rng.fromSeed(3).stream('batches'),
          ...(make() ? { mitigation: make()! } : {}),
          monitor: { test: { data: test.data, groups: test.groups } },
          traceEvery: 3,
        });
        expect(r.history.map((h) => h.constrained)).toEqual(
          name === 'nft' ? [false, false, false, false] : [false, false, true, true],
        );
        if (name !== 'nft') {
          expect(Array.from(r.history[1]!.multipliers!)).toEqual([0, 0, 0, 0]);
          expect(r.trace.length).toBeGreaterThan(0);
        }
        for (const n of ['fc0.weight', 'fc1.weight', 'fc2.weight']) {
          const w = clf.params.get(n).dataSync();
          const zeros = Array.from(w).filter((v) => v === 0).length;
          expect(zeros).toBe(prunedCount(w.length, 0.7));
          expect(r.sparsity.layers[n]).toBeCloseTo(prunedCount(w.length, 0.7) / w.length, 12);
          expect(Array.from(r.masks[n]!, (k, i) => k === 0 && w[i] === 0).filter(Boolean).length).toBe(zeros);
        }
        expect(r.final.train!.stats.accuracy.overall).toBeGreaterThan(0.5);
        r.optimizer.dispose();
        optimizer.dispose();
      });
      clf.params.dispose();
    });

  it('is deterministic: same seed, same weights and multipliers bit for bit', async () => {
    const outs = [];
    for (let k = 0; k < 2; k++) {
      const { clf, optimizer, result } = run({ method: 'ceag', dual: new GradientAscent({ lr: 0.05 }) });
      const r = await result;
      outs.push({ w: await clf.params.flatten(), lam: Array.from(r.history.at(-1)!.multipliers!) });
      r.optimizer.dispose();
      optimizer.dispose();
      clf.params.dispose();
    }
    expect(outs[0]!.lam).toEqual(outs[1]!.lam);
    expect(Buffer.from(outs[0]!.w.buffer).equals(Buffer.from(outs[1]!.w.buffer))).toBe(true);
    expect(Math.max(...outs[0]!.lam)).toBeGreaterThan(0);
  });

  it('early stopping restores the best-test-accuracy epoch at final sparsity (NFT+ES)', async () => {
    const { clf, optimizer, result } = run(undefined, { earlyStopping: 'test', epochs: 6 });
    const r = await result;
    const eligible = r.history.filter((h) => h.epoch >= 2);
    const best = Math.max(...eligible.map((h) => h.sets.test!.stats.accuracy.overall));
    expect(r.bestEpoch).toBe(eligible.find((h) => h.sets.test!.stats.accuracy.overall === best)!.epoch);
    expect(r.final.test!.stats.accuracy.overall).toBe(best);
    r.optimizer.dispose();
    optimizer.dispose();
    clf.params.dispose();
  });

  it('a diverging run stops with a DivergenceError, not NaN', async () => {
    const clf = mlpClassifier(sizes, 1);
    const optimizer = new SGD({ lr: 1e30 });
    await expect(
      pruneAndFineTune(clf, train.data, train.groups, {
        epochs: 3,
        pruning: { sparsity: 0.5, end: 1 },
        optimizer,
        rng: Rng.fromSeed(0),
      }),
    ).rejects.toThrow(DivergenceError);
    optimizer.dispose();
    clf.params.dispose();
  });

  it('stops on abort', async () => {
    const ac = new AbortController();
    ac.abort();
    const { clf, optimizer, result } = run(undefined, { signal: ac.signal });
    await expect(result).rejects.toThrow(/aborted/);
    optimizer.dispose();
    clf.params.dispose();
  });
});

describe('bad input', () => {
  const base = (): FineTuneOptions => ({
    epochs: 3,
    pruning: { sparsity: 0.5, end: 1 },
    optimizer: new SGD({ lr: 0.1 }),
    rng: Rng.fromSeed(0),
  });
  const clf = () => mlpClassifier(sizes, 1);
  it('names the parameter, the value and what is allowed', async () => {
    const c = clf();
    const call = (o: Partial<FineTuneOptions>, groups: ArrayLike<number> = train.groups) =>
      pruneAndFineTune(c, train.data, groups, { ...base(), ...o });
    await expect(call({ pruning: { sparsity: 1 } })).rejects.toThrow(
      /sparsity must be a number in \[0, 1\); got 1/,
    );
    await expect(call({ pruning: { sparsity: -0.5 } })).rejects.toThrow(
      /sparsity must be a number in \[0, 1\); got -0.5/,
    );
    await expect(call({ mitigation: { method: 'ceag', epsilon: -0.1 } })).rejects.toThrow(
      /epsilon must be a finite number >= 0; got -0.1/,
    );
    await expect(call({ epsilon: -1 })).rejects.toThrow(/epsilon must be a finite number >= 0/);
    await expect(call({ mitigation: { method: 'fair' } as never })).rejects.toThrow(/mitigation\.method/);
    await expect(call({}, train.groups.subarray(1))).rejects.toThrow(
      /groups must be length 400 \(one id per example\); got "length 399"/,
    );
    await expect(
      call(
        {},
        Int32Array.from(train.groups, (g) => (g === 3 ? 5 : g)),
      ),
    ).rejects.toThrow(/no example of group 3/);
    await expect(
      call(
        {},
        Int32Array.from(train.groups, (g, i) => (i === 7 ? -2 : g)),
      ),
    ).rejects.toThrow(/groups\[7\]/);
    await expect(call({ pruning: { sparsity: 0.5, end: 3 } })).rejects.toThrow(
      /pruning\.end must be an epoch < epochs \(3\)/,
    );
    await expect(call({ earlyStopping: 'val' })).rejects.toThrow(
      /earlyStopping must be the name of a monitored set/,
    );
    await expect(
      call({ monitor: { test: { data: test.data, groups: { ids: test.groups, numGroups: 5 } } } }),
    ).rejects.toThrow(/monitor\.test\.groups must be the training set's 4 groups/);
    await expect(
      call({ monitor: { test: { data: test.data, groups: test.groups.subarray(2) } } }),
    ).rejects.toThrow(/groups\.ids must be length 200/);
    await expect(call({ prunable: ['fc9.weight'] })).rejects.toThrow(/prunable must be a parameter name/);
    await expect(pruneAndFineTune(c, { ...train.data, count: 401 }, train.groups, base())).rejects.toThrow(
      /data\.labels/,
    );
    c.params.dispose();
  });

  it('constrainDisparity checks its options', async () => {
    const c = clf();
    const call = (o: object) => constrainDisparity(c, train.data, train.groups, { sparsity: 0.5, ...o });
    await expect(call({ sparsity: 1.2 })).rejects.toThrow(/sparsity must be a number in \[0, 1\); got 1.2/);
    await expect(call({ epsilon: -0.02 })).rejects.toThrow(/epsilon must be a finite number >= 0; got -0.02/);
    await expect(call({ epochs: 0 })).rejects.toThrow(/epochs must be an integer >= 1; got 0/);
    await expect(call({ seed: 0.5 })).rejects.toThrow(/seed must be a safe integer/);
    await expect(constrainDisparity(c, train.data, [0, 1], { sparsity: 0.5 })).rejects.toThrow(
      /groups must be length 400/,
    );
    await expect(
      constrainDisparity({} as never, train.data, train.groups, { sparsity: 0.5 }),
    ).rejects.toThrow(/model must be/);
    c.params.dispose();
  });
});

describe('constrainDisparity', () => {
  it('prunes a functional model in ten lines and reports per-group tables', async () => {
    const c = mlpClassifier(sizes, 1);
    const optimizer = new Adam({ lr: 3e-3 });
    const r = await constrainDisparity(c, train.data, train.groups, {
      sparsity: 0.6,
      epochs: 4,
      pruning: { end: 2 },
      optimizer,
      epsilon: 0.02,
      test: { data: test.data, groups: test.groups },
    });
    expect(r.model).toBe(c);
    expect(r.train.rows.map((row) => row.group)).toEqual([0, 1, 2, 3]);
    expect(r.train.rows.reduce((n, row) => n + row.count, 0)).toBe(400);
    const maxPsi = Math.max(...r.train.rows.map((row) => row.excessGap));
    expect(r.train.maxExcessGap).toBe(maxPsi);
    expect(r.train.feasible).toBe(r.train.rows.every((row) => !row.violated));
    expect(r.test!.rows.length).toBe(4);
    expect(r.multipliers.length).toBe(4);
    expect(r.masks).toBe(r.run.masks);
    expect(r.optimizer.sparsity().overall).toBeCloseTo(0.6, 2);
    r.optimizer.dispose();
    optimizer.dispose();
    c.params.dispose();
  });

  it('takes a tfjs Layers model (structurally typed): prunes its kernels, not its biases', async () => {
    const rng = Rng.fromSeed(2);
    const k0 = tf.variable(
      tf.tensor2d(rng.fillNormal(new Float32Array(8 * 12), 0, 0.3), [8, 12]),
      true,
      'dense_1/kernel',
    );
    const b0 = tf.variable(tf.zeros([12]), true, 'dense_1/bias');
    const k1 = tf.variable(
      tf.tensor2d(rng.fillNormal(new Float32Array(12 * 2), 0, 0.3), [12, 2]),
      true,
      'dense_2/kernel',
    );
    const b1 = tf.variable(tf.zeros([2]), true, 'dense_2/bias');
    const vars = [k0, b0, k1, b1];
    const seen: boolean[] = [];
    const model: LayersModelLike = {
      trainableWeights: vars.map((v) => ({ name: v.name, read: () => v })),
      apply: (x, kwargs) => {
        seen.push(kwargs?.training ?? false);
        return tf.tidy(() => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, k0), b0)), k1), b1));
      },
    };
    const optimizer = new Adam({ lr: 1e-2 });
    const r = await constrainDisparity(model, train.data, train.groups, {
      sparsity: 0.5,
      epochs: 3,
      pruning: { end: 1 },
      optimizer,
    });
    expect(Object.keys(r.masks)).toEqual(['dense_1/kernel', 'dense_2/kernel']);
    for (const k of [k0, k1])
      expect(k.dataSync().filter((v) => v === 0).length).toBe(prunedCount(k.size, 0.5));
    expect(b0.dataSync().some((v) => v !== 0)).toBe(true);
    expect(seen).toContain(true);
    expect(seen).toContain(false);
    r.optimizer.dispose();
    optimizer.dispose();
    tf.dispose(vars);
  });
});

describe('schedules', () => {
  it("epochStepDecay is the reference's per-epoch MultiStepLR", () => {
    const s = epochStepDecay({ lr: 1, gamma: 0.1, milestones: [0.5, 0.75], epochs: 4, stepsPerEpoch: 3 });
    expect([0, 5, 6, 8, 9, 11, 12].map(s)).toEqual([1, 1, 0.1, 0.1, 0.1 ** 2, 0.1 ** 2, 0.1 ** 2]);
    const ref = referencePrimalOptimizer(10, 2);
    expect(ref.momentum).toBe(0.9);
    expect(ref.weightDecay).toBe(1e-4);
    expect(ref.currentLr()).toBe(1e-2);
    ref.dispose();
    expect(() =>
      epochStepDecay({ lr: 1, gamma: 0.1, milestones: [1.5], epochs: 4, stepsPerEpoch: 3 }),
    ).toThrow(/milestones\[0\] must be a number in \[0, 1\]; got 1.5/);
    expect(() => epochStepDecay({ lr: 1, gamma: 0, milestones: [], epochs: 4, stepsPerEpoch: 3 })).toThrow(
      /gamma/,
    );
  });
});
