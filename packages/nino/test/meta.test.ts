import { initBackend, PaperkitInputError, Rng } from '@paperkit/tensor-core';
import { expectNoLeak } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildMetaBatch,
  buildNeuralGraph,
  gatherRows,
  generateTrajectories,
  maskedL1,
  metaTrain,
  mlpLayers,
  nowcastErrors,
  segmentSum,
  type Trajectory,
} from '../src/index.js';

beforeAll(async () => {
  await initBackend();
});

const TINY_TRAJ = {
  groups: [{ sizes: [4, 5, 3], runs: 3, task: { trainSize: 256 } }],
  steps: 60,
  snapshotEvery: 5,
  batchSize: 8,
  lr: 1e-2,
};
const TINY_MODEL = { kind: 'nino' as const, hidden: 8, maxFeatureSize: 1, horizons: 4 };

describe('trajectories', () => {
  it('stores a snapshot every s steps, starting at the initialisation, deterministically and without leaks', async () => {
    const a = await expectNoLeak(() => generateTrajectories(Rng.fromSeed(1), TINY_TRAJ));
    expect(a).toHaveLength(3);
    expect(a[0]!.numSnapshots).toBe(13);
    expect(a[0]!.snapshots.length).toBe(13 * a[0]!.graph.paramCount);
    const b = await generateTrajectories(Rng.fromSeed(1), TINY_TRAJ);
    a.forEach((t, i) => {
      expect(t.snapshots).toEqual(b[i]!.snapshots);
    });
    // Runs differ (own task, init and batches) and move between snapshots.
    expect(a[0]!.snapshots.subarray(0, 10)).not.toEqual(a[1]!.snapshots.subarray(0, 10));
    const p = a[0]!.graph.paramCount;
    expect(a[0]!.snapshots.subarray(0, p)).not.toEqual(a[0]!.snapshots.subarray(12 * p, 13 * p));
  });

  it('trains each batched run exactly like the same run alone', async () => {
    const solo = await generateTrajectories(Rng.fromSeed(5), {
      ...TINY_TRAJ,
      groups: [{ sizes: [4, 5, 3], runs: 1, task: { trainSize: 256 } }],
    });
    const batched = await generateTrajectories(Rng.fromSeed(5), TINY_TRAJ);
    const s = solo[0]!.snapshots;
    const t = batched[0]!.snapshots;
    let worst = 0;
    for (let i = 0; i < s.length; i++) worst = Math.max(worst, Math.abs(s[i]! - t[i]!));
    expect(worst).toBeLessThan(1e-5);
  });

  it('rejects empty groups', async () => {
    await expect(generateTrajectories(Rng.fromSeed(1), { groups: [] })).rejects.toThrow(PaperkitInputError);
  });
});

describe('loss mask', () => {
  it('averages |ŷ − y| over parameter slots with an available horizon only (hand-computed toy)', async () => {
    // Linear 1→1 with bias: 2 parameter edges (w, b) + 3 self-loops; 7 snapshots of (w, b).
    const graph = buildNeuralGraph(mlpLayers([1, 1]));
    const w = [0, 1, 2, 3, 4, 5, 6];
    const b = [0, 0.5, 0, 0.5, 0, 0.5, 1];
    const traj: Trajectory = {
      sizes: [1, 1],
      graph,
      snapshots: Float32Array.from(w.flatMap((x, i) => [x, b[i]!])),
      numSnapshots: 7,
      snapshotEvery: 1,
    };
    const batch = buildMetaBatch([traj], [{ trajectory: 0, start: 1 }], {
      context: 5,
      horizons: 3,
      lpe: null,
    });
    expect(batch.graph.numEdges).toBe(5);
    // Only k = 1 exists (snapshot 6); self-loops and k = 2, 3 are masked.
    expect(Array.from(batch.mask)).toEqual([1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    // Targets use the inputs' statistics: w inputs 1…5 (μ 3, σ √2.5), b inputs (μ 0.3, σ √0.075).
    const tw = (6 - 3) / (Math.sqrt(2.5) + 1e-6);
    const tb = (1 - 0.3) / (Math.sqrt(0.075) + 1e-6);
    expect(batch.targets[0]).toBeCloseTo(tw, 5);
    expect(batch.targets[3]).toBeCloseTo(tb, 4);
    const pred = tf.tensor3d([0.5, 9, 9, -1, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9], [5, 1, 3]);
    const y = tf.tensor3d(batch.targets, [5, 1, 3]);
    const m = tf.tensor3d(batch.mask, [5, 1, 3]);
    const loss = maskedL1(pred, y, m);
    expect((await loss.data())[0]).toBeCloseTo((Math.abs(0.5 - tw) + Math.abs(-1 - tb)) / 2, 4);
    tf.dispose([pred, y, m, loss]);
  });

  it('rejects windows without a target and mismatched shapes', () => {
    const graph = buildNeuralGraph(mlpLayers([1, 1]));
    const traj: Trajectory = {
      sizes: [1, 1],
      graph,
      snapshots: new Float32Array(12),
      numSnapshots: 6,
      snapshotEvery: 1,
    };
    expect(() =>
      buildMetaBatch([traj], [{ trajectory: 0, start: 1 }], { context: 5, horizons: 3, lpe: null }),
    ).toThrow(/picks\[0\]\.start/);
    const a = tf.zeros([2, 3]);
    expect(() => maskedL1(a, tf.zeros([3, 2]), a)).toThrow(PaperkitInputError);
    a.dispose();
  });
});

describe('message passing gradients', () => {
  it('gatherRows and segmentSum have the exact scatter/gather gradients', async () => {
    const idx = Int32Array.of(2, 0, 2, 1, 2);
    const ids = tf.range(0, 5, 1, 'int32') as tf.Tensor1D;
    const i1 = tf.tensor1d(idx, 'int32');
    const i2 = tf.tensor2d(idx, [5, 1], 'int32');
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const w = tf.tensor2d([
      [1, -1],
      [2, 0],
      [0.5, 3],
      [-2, 1],
      [1, 1],
    ]);
    const gx = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(gatherRows(v as tf.Tensor2D, i1, i2, ids), w)))(x);
    // d/dx[n] = Σ over edges e with idx[e] = n of w[e].
    expect(await gx.array()).toEqual([
      [2, 0],
      [-2, 1],
      [2.5, 3],
    ]);
    expect(await gatherRows(x, i1, i2, ids).array()).toEqual([
      [5, 6],
      [1, 2],
      [5, 6],
      [3, 4],
      [5, 6],
    ]);
    const v = tf.tensor2d([
      [1, 0],
      [0, 1],
      [3, 3],
      [2, 2],
      [1, 4],
    ]);
    expect(await segmentSum(v, i1, i2, ids, 3).array()).toEqual([
      [0, 1],
      [2, 2],
      [5, 7],
    ]);
    const u = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const gv = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(segmentSum(t as tf.Tensor2D, i1, i2, ids, 3), u)))(v);
    expect(await gv.array()).toEqual([
      [5, 6],
      [1, 2],
      [5, 6],
      [3, 4],
      [5, 6],
    ]);
    tf.dispose([ids, i1, i2, x, w, gx, v, u, gv]);
  });
});

describe('meta-training', () => {
  let trajectories: Trajectory[];
  beforeAll(async () => {
    trajectories = await generateTrajectories(Rng.fromSeed(2), TINY_TRAJ);
  });

  for (const kind of ['nino', 'wnn+'] as const)
    it(`trains ${kind} deterministically, without leaks, and lowers the loss`, async () => {
      const cfg = {
        model: { ...TINY_MODEL, kind },
        iterations: 40,
        trajectoriesPerBatch: 2,
        windowsPerTrajectory: 2,
        lr: 1e-2,
      };
      const weights = async () =>
        expectNoLeak(async () => {
          const r = await metaTrain(Rng.fromSeed(3), trajectories, cfg, { logEvery: 10 });
          const values = await r.model.params.flatten();
          r.model.dispose();
          return { values, losses: r.losses };
        });
      const a = await weights();
      const b = await weights();
      expect(a.values).toEqual(b.values);
      expect(a.losses.at(-1)!.loss).toBeLessThan(a.losses[0]!.loss);
    });

  it('reports held-out errors beside the last-value and linefit baselines', async () => {
    const r = await metaTrain(Rng.fromSeed(3), trajectories, { model: TINY_MODEL, iterations: 2 });
    const e = await expectNoLeak(() => nowcastErrors(r.model, trajectories, { stride: 3 }));
    expect(e.windows).toBe(3 * 3);
    for (const v of [e.model, e.lastValue, e.linefit]) expect(Number.isFinite(v)).toBe(true);
    expect(e.bands[0]).toMatchObject({ from: 1, to: 4 });
    r.model.dispose();
  });

  it('rejects unusable inputs', async () => {
    await expect(metaTrain(Rng.fromSeed(1), [], {})).rejects.toThrow(/trajectories/);
    await expect(metaTrain(Rng.fromSeed(1), trajectories, { iterations: 0 })).rejects.toThrow(/iterations/);
    await expect(
      metaTrain(Rng.fromSeed(1), trajectories, { model: TINY_MODEL, windowsPerTrajectory: 20 }),
    ).rejects.toThrow(/trajectories/);
  });
});
