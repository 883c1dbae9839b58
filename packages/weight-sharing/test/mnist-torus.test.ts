import { loadMnist } from '@paperkit/mnist';
import { initBackend, PaperkitInputError, Rng, resolveConfig } from '@paperkit/tensor-core';
import { expectAllClose, expectNoLeak, runExperimentCells } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { mnistTorusExperiment as e, torusData } from '../src/experiments/index.js';
import { applyTorusCnn, applyTorusFc, initTorusCnn, initTorusFc } from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

describe('MNIST-torus data and models', () => {
  it('the permuted variant is the shifted variant with one fixed pixel permutation', () => {
    const shifted = torusData(Rng.fromSeed(3), 'shifted', 50, 20);
    const permuted = torusData(Rng.fromSeed(3), 'permuted', 50, 20);
    const p = permuted.permutation;
    expect(new Set(p).size).toBe(196);
    let bad = 0;
    for (const split of ['train', 'test'] as const)
      for (let n = 0; n < shifted[split].count; n++)
        for (let k = 0; k < 196; k++)
          if (permuted[split].features[n * 196 + k] !== shifted[split].features[n * 196 + p[k]!]) bad++;
    expect(bad).toBe(0);
    expect(Array.from(permuted.train.labels)).toEqual(Array.from(shifted.train.labels));
  });

  it('each image is one cyclic shift of its normalised digit, the same for the same seed', () => {
    const d = torusData(Rng.fromSeed(4), 'shifted', 30, 10);
    expect(Array.from(torusData(Rng.fromSeed(4), 'shifted', 30, 10).train.features)).toEqual(
      Array.from(d.train.features),
    );
    const raw = loadMnist({ size: 14 }).train.features;
    let shifted = 0;
    for (let n = 0; n < 30; n++) {
      const img = d.train.features.subarray(n * 196, (n + 1) * 196);
      const src = raw.subarray(n * 196, (n + 1) * 196);
      // Find the (dy, dx) that maps the normalised source onto the stored image.
      let found = false;
      for (let dy = 0; dy < 14 && !found; dy++)
        for (let dx = 0; dx < 14 && !found; dx++) {
          let ok = true;
          for (let i = 0; i < 14 && ok; i++)
            for (let j = 0; j < 14 && ok; j++)
              ok =
                img[((i + dy) % 14) * 14 + ((j + dx) % 14)] ===
                Math.fround((src[i * 14 + j]! - 0.1307) / 0.3081);
          if (ok) {
            found = true;
            if (dy !== 0 || dx !== 0) shifted++;
          }
        }
      expect(found).toBe(true);
    }
    expect(shifted).toBeGreaterThan(25);
  });

  it('the plain variant is the normalised digits themselves, unshifted', () => {
    const d = torusData(Rng.fromSeed(4), 'plain', 20, 10);
    const raw = loadMnist({ size: 14 }).test.features;
    for (let k = 0; k < 10 * 196; k++)
      expect(d.test.features[k]).toBe(Math.fround((raw[k]! - 0.1307) / 0.3081));
  });

  it('the circular CNN is exactly invariant to cyclic shifts of its input (circular padding + GAP)', () => {
    const params = initTorusCnn(Rng.fromSeed(5), [3, 4]);
    const rng = Rng.fromSeed(6);
    const x = rng.fillNormal(new Float32Array(3 * 196));
    const rolled = new Float32Array(x.length);
    for (let n = 0; n < 3; n++)
      for (let i = 0; i < 14; i++)
        for (let j = 0; j < 14; j++)
          rolled[n * 196 + ((i + 3) % 14) * 14 + ((j + 11) % 14)] = x[n * 196 + i * 14 + j]!;
    const stats = new Map();
    const out = tf.tidy(() => {
      const a = tf.tensor2d(x, [3, 196]);
      const b = tf.tensor2d(rolled, [3, 196]);
      applyTorusCnn(params.tensors(), a, 14, { kind: 'collect', out: stats });
      return [
        applyTorusCnn(params.tensors(), a, 14, { kind: 'eval', stats }),
        applyTorusCnn(params.tensors(), b, 14, { kind: 'eval', stats }),
      ];
    });
    expectAllClose(out[1]!.dataSync(), out[0]!.dataSync(), { atol: 1e-4, rtol: 1e-4 });
    tf.dispose([...out, ...[...stats.values()].flatMap((s) => [s.mean, s.variance])]);
    params.dispose();
  });

  it('the FC twin with per-channel circulant fc1 and fc2 computes the same function as the CNN', () => {
    const widths = [2, 3] as const;
    const cnn = initTorusCnn(Rng.fromSeed(7), widths);
    const fc = initTorusFc(Rng.fromSeed(8), 14, widths);
    // Unit (o, p = (i, j)) of a layer reads input (c, ((i + a − 1) mod 14, (j + b − 1) mod 14)) with tap
    // k[a, b, c, o]; FC units are ordered channel-major (c·196 + position), the CNN's NHWC.
    const circulant = (name: string, cin: number, cout: number) => {
      const k = cnn.get(`${name}.weight`).dataSync();
      const cb = cnn.get(`${name}.bias`).dataSync();
      const w = new Float32Array(cin * 196 * cout * 196);
      const bias = new Float32Array(cout * 196);
      for (let o = 0; o < cout; o++)
        for (let i = 0; i < 14; i++)
          for (let j = 0; j < 14; j++) {
            const unit = o * 196 + i * 14 + j;
            bias[unit] = cb[o]!;
            for (let a = 0; a < 3; a++)
              for (let b = 0; b < 3; b++)
                for (let c = 0; c < cin; c++)
                  w[(c * 196 + ((i + a + 13) % 14) * 14 + ((j + b + 13) % 14)) * cout * 196 + unit]! +=
                    k[((a * 3 + b) * cin + c) * cout + o]!;
          }
      return { w: tf.tensor2d(w, [cin * 196, cout * 196]), b: tf.tensor1d(bias) };
    };
    const l1 = circulant('conv1', 1, widths[0]);
    const l2 = circulant('conv2', widths[0], widths[1]);
    fc.assign({ 'fc1.weight': l1.w, 'fc1.bias': l1.b, 'fc2.weight': l2.w, 'fc2.bias': l2.b });
    fc.assign({ 'head.weight': cnn.get('head.weight'), 'head.bias': cnn.get('head.bias') });
    // BN statistics differ by layout (per channel vs per unit), so compare both with identity
    // normalisation (mean 0, variance 1 − ε).
    const ident = (n: number) => ({ mean: tf.zeros([n]), variance: tf.fill([n], 1 - 1e-5) });
    const x = tf.tensor2d(Rng.fromSeed(9).fillNormal(new Float32Array(4 * 196)), [4, 196]);
    const sc = new Map([
      ['bn1', ident(widths[0])],
      ['bn2', ident(widths[1])],
    ]);
    const sf = new Map([
      ['bn1', ident(widths[0] * 196)],
      ['bn2', ident(widths[1] * 196)],
    ]);
    const yc = applyTorusCnn(cnn.tensors(), x, 14, { kind: 'eval', stats: sc });
    const yf = applyTorusFc(fc.tensors(), x, 14, widths, { kind: 'eval', stats: sf });
    expectAllClose(yf.dataSync(), yc.dataSync(), { atol: 1e-4, rtol: 1e-4 });
    tf.dispose([
      x,
      yc,
      yf,
      l1.w,
      l1.b,
      l2.w,
      l2.b,
      ...[...sc.values(), ...sf.values()].flatMap((s) => [s.mean, s.variance]),
    ]);
    cnn.dispose();
    fc.dispose();
  });
});

describe('MNIST-torus models: input checks and dropout', () => {
  it('bad widths, side, images or dropout rate name the parameter', () => {
    const rng = Rng.fromSeed(1);
    expect(() => initTorusFc(rng, 14, [0, 8])).toThrow(/widths must be a pair.*integers >= 1; got \[0,8\]/);
    expect(() => initTorusCnn(rng, [2] as unknown as [number, number])).toThrow(PaperkitInputError);
    expect(() => initTorusFc(rng, 0, [2, 8])).toThrow(/side.*0/);
    const params = initTorusFc(rng, 4, [1, 2]);
    const x = tf.zeros([3, 15]);
    expect(() => applyTorusFc(params.tensors(), x, 4, [1, 2], { kind: 'train' })).toThrow(
      /x\.shape.*\[batch, 16\]/,
    );
    const ok = tf.zeros([3, 16]);
    const mode = { kind: 'train', dropout: { rate: 1, rng } } as const;
    expect(() => applyTorusFc(params.tensors(), ok, 4, [1, 2], mode)).toThrow(/dropout\.rate.*1/);
    expect(() => applyTorusFc(params.tensors(), ok, 4, [1, 2], { kind: 'eval', stats: new Map() })).toThrow(
      /mode\.stats must be statistics for every batch-norm layer, including 'bn1'/,
    );
    tf.dispose([x, ok]);
    params.dispose();
  });
});

describe('mnist-torus reproduction (reduced configs, fixed seeds)', () => {
  // 1 000 digits, 10 epochs at batch 128 (80 steps): the claims a config declares are judged by the
  // experiment's own claims and margins, as the runner does.
  const reduced = { nTrain: 1000, nTest: 1000, epochs: 10, bnSamples: 500 };

  it('the CNN loses at least 0.1 accuracy when the pixels are permuted (3 seeds)', async () => {
    // Only the CNN trains here, so it can be wider (its cost is small): at α = (2, 8) and this budget the
    // drop is 0.12 [0.02, 0.22] over three seeds, too close to the margin for 3 seeds to decide.
    const runs = { plain: [], shifted: ['CNN'], permuted: ['CNN'] };
    const cfg = { ...reduced, epochs: 12, widths: [4, 16], runs };
    const { statuses } = await runExperimentCells(e, [0, 1, 2], cfg);
    expect(Object.keys(statuses)).toEqual(['cnn-drops-permuted']);
    expect(statuses['cnn-drops-permuted'], statuses['cnn-drops-permuted']).toMatch(/^holds/);
  }, 600_000);

  it('FC+WS: accuracy within ±0.03 under the permutation, fewer distinct weights than FC; no leaks (3 seeds)', async () => {
    const runs = { plain: [], shifted: ['FC', 'FC+WS'], permuted: ['FC+WS'] };
    const { statuses, records, summary } = await expectNoLeak(() =>
      runExperimentCells(e, [0, 1, 2], { ...reduced, runs }),
    );
    expect(Object.keys(statuses).sort()).toEqual(['distinct-drop', 'ws-beats-fc', 'ws-unchanged-permuted']);
    expect(statuses['ws-unchanged-permuted'], statuses['ws-unchanged-permuted']).toMatch(/^holds/);
    // The prox at the reference's ws_lr ties weights: per seed, FC+WS keeps fewer distinct values than
    // FC, which shares its init and batches (FC keeps ~97%; 80 steps tie only ~1.5% more here).
    const ratio = (seed: number, method: string) =>
      records.find(
        (r) => r.seed === seed && r.cell.params.variant === 'shifted' && r.cell.params.method === method,
      )!.result.metrics.distinctRatio!;
    for (const seed of [0, 1, 2]) expect(ratio(seed, 'FC+WS')).toBeLessThan(ratio(seed, 'FC') - 0.005);
    expect(summary.plotErrors).toEqual([]);
    const filters = records.find((r) => r.cell.params.method === 'FC+WS')!.result.images!.filters!;
    expect(filters.images).toHaveLength(4);
    for (const im of filters.images) expect(im).toHaveLength(196);
  }, 600_000);

  it('a bad config names the field, the value and what is allowed', () => {
    const bad = (overrides: Record<string, unknown>, field: RegExp) => {
      expect(() => resolveConfig(e, 'quick', overrides)).toThrow(PaperkitInputError);
      expect(() => resolveConfig(e, 'quick', overrides)).toThrow(field);
    };
    bad({ widths: [0, 8] }, /widths.*0/);
    bad({ runs: { plain: ['MLP'], shifted: [], permuted: [] } }, /runs/);
    bad({ wsLr: [-1, 0] }, /wsLr/);
    bad({ proxEvery: 0 }, /proxEvery/);
  });
});
