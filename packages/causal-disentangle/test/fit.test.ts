import {
  DivergenceError,
  initBackend,
  type MatrixLike,
  PaperkitInputError,
  Rng,
} from '@paperkit/tensor-core';
import { expectNoLeak } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  annealedBound,
  fitMechanismSparsity,
  pairsFromSequence,
  type SequenceData,
  SMALL_ARCHITECTURE,
  SparsityTrainer,
  syntheticDataset,
} from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

const tiny = { ...SMALL_ARCHITECTURE, encoderHidden: [16], decoderHidden: [16], transitionHidden: [8] };

function actionData(seed: number, n = 256): { data: SequenceData; z: MatrixLike; x: MatrixLike } {
  const ds = syntheticDataset(Rng.fromSeed(seed), {
    setting: 'action',
    latentDim: 3,
    observedDim: 5,
    splits: { train: n },
  });
  const s = ds.splits.train!;
  return {
    data: { observations: { rows: n, cols: 5, data: s.x }, actions: { rows: n, cols: 3, data: s.actions! } },
    z: { rows: n, cols: 3, data: s.z },
    x: { rows: n, cols: 5, data: s.x },
  };
}

function expectParameter(fn: () => unknown, parameter: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PaperkitInputError);
    expect((e as PaperkitInputError).parameter).toBe(parameter);
    return;
  }
  expect.unreachable('expected a PaperkitInputError');
}

async function expectRejects(p: Promise<unknown>, parameter: string): Promise<void> {
  await p.then(
    () => expect.unreachable('expected a PaperkitInputError'),
    (e) => {
      expect(e).toBeInstanceOf(PaperkitInputError);
      expect((e as PaperkitInputError).parameter).toBe(parameter);
    },
  );
}

describe('annealed bound', () => {
  it('decreases linearly from the number of possible edges to b, then stays at b', () => {
    expect(annealedBound(0, 16, 8, 100)).toBe(16);
    expect(annealedBound(25, 16, 8, 100)).toBe(14);
    expect(annealedBound(100, 16, 8, 100)).toBe(8);
    expect(annealedBound(5000, 16, 8, 100)).toBe(8);
    expect(annealedBound(0, 16, 8, 0)).toBe(8);
    expectParameter(() => annealedBound(0, 16, -1, 10), 'bound');
  });
});

describe('fitMechanismSparsity', () => {
  it('trains without leaking tensors, for every sparsity mode (constraint, penalty, none, frozen masks)', async () => {
    const { data, z, x } = actionData(1);
    const settings = [
      { sparsity: { kind: 'constraint' as const, action: 3, annealSteps: 4 } },
      { sparsity: { kind: 'constraint' as const, action: 3, dual: { method: 'nupi' as const, kp: 1 } } },
      {
        sparsity: {
          kind: 'constraint' as const,
          action: 3,
          annealSteps: 2,
          holdSteps: 3,
          freezeMasksDuringHold: true,
        },
      },
      { sparsity: { kind: 'penalty' as const, action: 2 } },
      { sparsity: { kind: 'none' as const } },
      { sparsity: { kind: 'none' as const }, masks: { action: 'ones' as const } },
    ];
    for (const extra of settings) {
      await expectNoLeak(async () => {
        const f = await fitMechanismSparsity(data, {
          latentDim: 3,
          architecture: tiny,
          steps: 6,
          batchSize: 32,
          seed: 2,
          checkEvery: 3,
          evaluation: {
            observations: x,
            latents: z,
            graphs: {
              action: [
                [1, 0, 1],
                [1, 1, 0],
                [0, 1, 1],
              ],
            },
            every: 3,
          },
          ...extra,
        });
        expect(f.losses.map((l) => l.step)).toEqual([3, 6]);
        expect(f.evaluations.map((e) => e.step)).toEqual([3, 6]);
        expect(f.scores!.mcc).toBeGreaterThan(0);
        expect(f.graphs.action!.rows).toBe(3);
        f.dispose();
      });
    }
  });

  it('is deterministic for a seed and changes with it', async () => {
    const { data } = actionData(3);
    const run = async (seed: number) => {
      const f = await fitMechanismSparsity(data, {
        latentDim: 3,
        architecture: tiny,
        sparsity: { kind: 'constraint', action: 3, annealSteps: 5 },
        steps: 10,
        batchSize: 64,
        lr: 1e-2,
        maskLr: 0.1,
        seed,
        checkEvery: 5,
      });
      const out = {
        losses: f.losses.map((l) => l.loss),
        p: Array.from(f.probabilities.action!.data),
        m: f.multipliers,
      };
      f.dispose();
      return out;
    };
    const a = await run(7);
    expect(await run(7)).toEqual(a);
    expect((await run(8)).losses).not.toEqual(a.losses);
  });

  it('a constraint pushes λ up until the expected edge count meets the bound (restarts reset it)', () => {
    const { data } = actionData(4, 128);
    const t = new SparsityTrainer(data, {
      latentDim: 3,
      architecture: tiny,
      sparsity: { kind: 'constraint', action: 0, annealSteps: 0, dual: { lr: 0.5 } },
      steps: 20,
      batchSize: 32,
      maskLr: 0.5,
      seed: 5,
    });
    const lambdas: number[] = [];
    for (let i = 0; i < 20; i++) {
      t.step().dispose();
      const r = t.constraintReadings().action!;
      expect(r.bound).toBe(0);
      lambdas.push(r.lambda);
    }
    // R > 0 = b at every step, so gradient ascent adds 0.5·(R − 0) each step and never restarts.
    expect(lambdas[0]).toBeGreaterThan(0);
    for (let i = 1; i < 20; i++) expect(lambdas[i]!).toBeGreaterThan(lambdas[i - 1]!);
    const probs = t.model.edgeProbabilities().action!;
    for (const p of probs.data) expect(p).toBeLessThan(1 / (1 + Math.exp(-5)));
    t.dispose();
    // A bound above the number of possible edges is always satisfied: λ restarts at 0 every step.
    const loose = new SparsityTrainer(data, {
      latentDim: 3,
      architecture: tiny,
      sparsity: { kind: 'constraint', action: 9, annealSteps: 0, dual: { lr: 0.5 } },
      batchSize: 32,
      seed: 5,
    });
    for (let i = 0; i < 5; i++) {
      loose.step().dispose();
      expect(loose.constraintReadings().action!.lambda).toBe(0);
    }
    loose.dispose();
  });

  it('freezes the masks and keeps λ = 0 during the hold when asked (the reference’s frozen_masks_period)', () => {
    const { data } = actionData(4, 128);
    const t = new SparsityTrainer(data, {
      latentDim: 3,
      architecture: tiny,
      // The bound b = 0 is violated from the first step; without the freeze λ would grow during the hold.
      sparsity: {
        kind: 'constraint',
        action: 0,
        annealSteps: 0,
        holdSteps: 4,
        freezeMasksDuringHold: true,
        dual: { lr: 0.5 },
      },
      steps: 8,
      batchSize: 32,
      maskLr: 0.5,
      seed: 5,
    });
    const logits = () => Array.from(t.model.params.tensors()['mask.action']!.dataSync());
    const initial = logits();
    const encoder = () => Array.from(t.model.params.tensors()['enc.fc0.weight']!.dataSync());
    const enc0 = encoder();
    for (let i = 0; i < 4; i++) {
      t.step().dispose();
      const r = t.constraintReadings().action!;
      expect(r.lambda).toBe(0);
      expect(r.bound).toBe(9);
      expect(r.edges).toBeCloseTo(9 / (1 + Math.exp(-5)), 4);
    }
    expect(logits()).toEqual(initial);
    expect(encoder()).not.toEqual(enc0);
    // After the hold the bound drops to b = 0: λ grows and the masks move.
    t.step().dispose();
    expect(t.constraintReadings().action!.bound).toBe(0);
    expect(t.constraintReadings().action!.lambda).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) t.step().dispose();
    for (const [k, v] of logits().entries()) expect(v).toBeLessThan(initial[k]!);
    t.dispose();
  });

  it('stops with a DivergenceError instead of producing NaN', async () => {
    const { data } = actionData(5, 64);
    const before = tf.memory().numTensors;
    await expect(
      fitMechanismSparsity(data, {
        latentDim: 3,
        architecture: { ...tiny, decoderLogVarInit: -80 },
        sparsity: { kind: 'none' },
        steps: 20,
        batchSize: 16,
        lr: 1e6,
        seed: 1,
        checkEvery: 2,
      }),
    ).rejects.toBeInstanceOf(DivergenceError);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('fits temporal pairs from one long sequence', async () => {
    const seq = { rows: 40, cols: 4, data: Rng.fromSeed(9).fillNormal(new Float64Array(160)) };
    const pairs = pairsFromSequence(seq, { rows: 40, cols: 2, data: new Float64Array(80).fill(1) });
    expect([pairs.observations.rows, pairs.previous!.rows, pairs.actions!.rows]).toEqual([39, 39, 39]);
    expect(pairs.previous!.data[4]).toBe(seq.data[4]);
    expect(pairs.observations.data[0]).toBe(seq.data[4]);
    const f = await fitMechanismSparsity(pairs, {
      latentDim: 2,
      architecture: tiny,
      sparsity: { kind: 'constraint', temporal: 2, action: 2 },
      steps: 3,
      batchSize: 8,
    });
    expect(f.graphs.temporal!.rows).toBe(2);
    expect(f.graphs.action!.cols).toBe(2);
    expect(f.encode(seq).rows).toBe(40);
    expect(Object.keys(f.multipliers).sort()).toEqual(['action', 'temporal']);
    f.dispose();
  });
});

describe('bad input', () => {
  it('names the parameter', async () => {
    const { data, z, x } = actionData(6, 64);
    const ok = {
      latentDim: 3,
      architecture: tiny,
      steps: 2,
      batchSize: 8,
      sparsity: { kind: 'none' as const },
    };
    await expectRejects(
      fitMechanismSparsity(data, { ...ok, sparsity: { kind: 'constraint', action: -1 } }),
      'sparsity.action',
    );
    await expectRejects(
      fitMechanismSparsity(data, { ...ok, sparsity: { kind: 'penalty', action: Number.NaN } }),
      'sparsity.action',
    );
    await expectRejects(fitMechanismSparsity(data, { ...ok, sparsity: { kind: 'constraint' } }), 'sparsity');
    await expectRejects(
      fitMechanismSparsity(data, { ...ok, sparsity: { kind: 'constraint', temporal: 2 } }),
      'sparsity.temporal',
    );
    await expectRejects(
      fitMechanismSparsity(data, {
        ...ok,
        masks: { action: 'ones' },
        sparsity: { kind: 'constraint', action: 2 },
      }),
      'sparsity.action',
    );
    await expectRejects(
      fitMechanismSparsity(data, { ...ok, sparsity: { kind: 'constraint', action: 2, dual: { kp: 2 } } }),
      'sparsity.dual.method',
    );
    await expectRejects(
      fitMechanismSparsity(data, {
        ...ok,
        sparsity: { kind: 'constraint', action: 2, freezeMasksDuringHold: 1 as unknown as boolean },
      }),
      'sparsity.freezeMasksDuringHold',
    );
    await expectRejects(
      fitMechanismSparsity(data, { ...ok, sparsity: { kind: 'lasso' as never } }),
      'sparsity.kind',
    );
    await expectRejects(fitMechanismSparsity(data, { ...ok, latentDim: 6 }), 'latentDim');
    await expectRejects(fitMechanismSparsity(data, { ...ok, lr: 0 }), 'lr');
    await expectRejects(fitMechanismSparsity(data, { ...ok, batchSize: 0 }), 'batchSize');
    await expectRejects(fitMechanismSparsity({ observations: data.observations }, ok), 'data');
    await expectRejects(
      fitMechanismSparsity({ ...data, actions: { rows: 10, cols: 3, data: new Float64Array(30) } }, ok),
      'data.actions',
    );
    await expectRejects(
      fitMechanismSparsity({ ...data, previous: { rows: 64, cols: 4, data: new Float64Array(256) } }, ok),
      'data.previous',
    );
    await expectRejects(
      fitMechanismSparsity(
        {
          ...data,
          observations: { rows: 64, cols: 5, data: new Float64Array(320).fill(Number.POSITIVE_INFINITY) },
        },
        ok,
      ),
      'data.observations.data[0]',
    );
    await expectRejects(
      fitMechanismSparsity(data, {
        ...ok,
        evaluation: { observations: x, latents: { rows: 64, cols: 2, data: new Float64Array(128) } },
      }),
      'evaluation.latents',
    );
    await expectRejects(
      fitMechanismSparsity(data, { ...ok, evaluation: { observations: x, latents: z, every: 0 } }),
      'evaluation.every',
    );
    expectParameter(() => pairsFromSequence({ rows: 1, cols: 2, data: [1, 2] }), 'sequence');
  });
});
