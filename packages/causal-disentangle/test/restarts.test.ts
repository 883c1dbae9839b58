import { initBackend, PaperkitInputError, Rng } from '@paperkit/tensor-core';
import { expectNoLeak } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  fitMechanismSparsity,
  heldOutLoss,
  MaskedVae,
  type SequenceData,
  SMALL_ARCHITECTURE,
  syntheticDataset,
} from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

const tiny = { ...SMALL_ARCHITECTURE, encoderHidden: [16], decoderHidden: [16], transitionHidden: [8] };

function actionData(seed: number, n: number): { train: SequenceData; valid: SequenceData } {
  const ds = syntheticDataset(Rng.fromSeed(seed), {
    setting: 'action',
    latentDim: 3,
    observedDim: 5,
    splits: { train: n, valid: 64 },
  });
  const as = (s: (typeof ds.splits)[string]): SequenceData => ({
    observations: { rows: s.count, cols: 5, data: s.x },
    actions: { rows: s.count, cols: 3, data: s.actions! },
  });
  return { train: as(ds.splits.train!), valid: as(ds.splits.valid!) };
}

const base = {
  latentDim: 3,
  architecture: tiny,
  sparsity: { kind: 'constraint' as const, action: 4, annealSteps: 6 },
  steps: 12,
  batchSize: 32,
  lr: 1e-2,
  maskLr: 0.1,
  checkEvery: 4,
};

describe('heldOutLoss', () => {
  it('is the objective on the whole data with the hard masks (logits 5 → the all-ones mask)', () => {
    const { valid } = actionData(1, 64);
    const learned = new MaskedVae(Rng.fromSeed(4), {
      observedDim: 5,
      latentDim: 3,
      actionDim: 3,
      architecture: tiny,
    });
    const ones = new MaskedVae(Rng.fromSeed(4), {
      observedDim: 5,
      latentDim: 3,
      actionDim: 3,
      architecture: tiny,
      masks: { action: 'ones' },
    });
    // Same initialisation streams, so the networks agree; log α = 5 > 0 gives the hard mask 1 everywhere.
    const a = heldOutLoss(learned, valid, Rng.fromSeed(9));
    expect(heldOutLoss(ones, valid, Rng.fromSeed(9))).toBe(a);
    // One chunk covering the data is one call of the objective with the same noise stream.
    const direct = tf.tidy(() => {
      const batch = {
        x: tf.tensor2d(Float32Array.from(valid.observations.data as ArrayLike<number>), [64, 5]),
        actions: tf.tensor2d(Float32Array.from(valid.actions!.data as ArrayLike<number>), [64, 3]),
      };
      return ones.loss(batch, Rng.fromSeed(9), { hardMasks: true }).loss.dataSync()[0]!;
    });
    expect(a).toBeCloseTo(direct, 5);
    // A soft mask sample is not the hard mask: the objective differs.
    const soft = tf.tidy(() => {
      const batch = {
        x: tf.tensor2d(Float32Array.from(valid.observations.data as ArrayLike<number>), [64, 5]),
        actions: tf.tensor2d(Float32Array.from(valid.actions!.data as ArrayLike<number>), [64, 3]),
      };
      return learned.loss(batch, Rng.fromSeed(9)).loss.dataSync()[0]!;
    });
    expect(soft).not.toBe(a);
    learned.dispose();
    ones.dispose();
  });
});

describe('restarts (model selection by held-out ELBO)', () => {
  it('keeps the candidate with the lowest held-out loss, which is that candidate trained alone', async () => {
    const { train, valid } = actionData(2, 256);
    const root = Rng.fromSeed(5);
    await expectNoLeak(async () => {
      const f = await fitMechanismSparsity(train, {
        ...base,
        rng: Rng.fromSeed(5),
        restarts: { count: 3, validation: valid },
      });
      const { losses, chosen } = f.selection!;
      expect(losses).toHaveLength(3);
      expect(losses[chosen]).toBe(Math.min(...losses));
      // With complete restarts the kept model is candidate `chosen` exactly: candidate 0 is the plain run,
      // candidate r the plain run from the root's `restart-r` stream.
      const alone = await fitMechanismSparsity(train, {
        ...base,
        rng: chosen === 0 ? root : root.stream(`restart-${chosen}`),
      });
      expect(alone.selection).toBeNull();
      expect(Array.from(f.probabilities.action!.data)).toEqual(Array.from(alone.probabilities.action!.data));
      expect(f.losses).toEqual(alone.losses);
      f.dispose();
      alone.dispose();
    });
  });

  it('screens the candidates, then continues the kept one to the planned steps', async () => {
    const { train } = actionData(3, 256);
    const records: { step: number }[] = [];
    const progress: number[] = [];
    await expectNoLeak(async () => {
      const f = await fitMechanismSparsity(train, {
        ...base,
        seed: 1,
        restarts: { count: 2, screenSteps: 8 },
        sink: { write: (r) => void records.push(r) },
        onProgress: (p) => {
          progress.push(p.step);
          expect(p.total).toBe(2 * 8 + 4);
        },
      });
      expect(f.losses.map((l) => l.step)).toEqual([4, 8, 12]);
      expect(f.constraintTrace.action!.map((r) => r.step)).toEqual([4, 8, 12]);
      // Only the kept candidate's records reach the sink, on its own step count.
      expect(records.filter((r) => 'loss' in r).map((r) => r.step)).toEqual([4, 8, 12]);
      expect(progress).toEqual([4, 8, 12, 16, 20]);
      const again = await fitMechanismSparsity(train, {
        ...base,
        seed: 1,
        restarts: { count: 2, screenSteps: 8 },
      });
      expect(again.selection).toEqual(f.selection);
      expect(Array.from(again.probabilities.action!.data)).toEqual(Array.from(f.probabilities.action!.data));
      f.dispose();
      again.dispose();
    });
  });

  it('rejects bad restart options, naming the parameter', async () => {
    const { train } = actionData(4, 64);
    const reject = async (restarts: unknown, parameter: string) =>
      fitMechanismSparsity(train, { ...base, steps: 4, restarts: restarts as never }).then(
        () => expect.unreachable('expected a PaperkitInputError'),
        (e) => {
          expect(e).toBeInstanceOf(PaperkitInputError);
          expect((e as PaperkitInputError).parameter).toBe(parameter);
        },
      );
    await reject(5, 'restarts');
    await reject({ count: 0 }, 'restarts.count');
    await reject({ count: 2, screenSteps: 5 }, 'restarts.screenSteps');
    await reject({ count: 2, screenSteps: 0 }, 'restarts.screenSteps');
    await reject(
      {
        count: 2,
        validation: {
          observations: { rows: 4, cols: 4, data: new Float64Array(16) },
          actions: train.actions,
        },
      },
      'restarts.validation.actions',
    );
    await reject(
      {
        count: 2,
        validation: {
          observations: { rows: 4, cols: 5, data: new Float64Array(20) },
          actions: { rows: 4, cols: 2, data: new Float64Array(8) },
        },
      },
      'restarts.validation',
    );
    expect(() => heldOutLoss(null as never, train, Rng.fromSeed(0), 0)).toThrow(/chunk/);
  });
});
