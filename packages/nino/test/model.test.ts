import { initBackend, PaperkitInputError, Rng } from '@paperkit/tensor-core';
import { expectNoLeak } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  batchGraphs,
  buildNeuralGraph,
  cnnLayers,
  computeScales,
  horizonSchedule,
  laplacianPE,
  linefit,
  loadCheckpoint,
  mlpLayers,
  type NeuralGraph,
  NinoModel,
  ninoParamCount,
  nowcast,
  prepareNowcast,
  saveCheckpoint,
  scaleParams,
  transformerLayers,
  unscaleParams,
} from '../src/index.js';
import { shippedCheckpoint } from './helpers.js';

beforeAll(async () => {
  await initBackend();
});

/** A smooth history θ_t = θ₀ + t·v (a smooth drift, where a nowcaster should extrapolate). */
function linearHistory(g: NeuralGraph, c: number, seed: number): Float32Array[] {
  const rng = Rng.fromSeed(seed);
  const theta0 = rng.fillNormal(new Float32Array(g.paramCount), 0, 0.3);
  const v = rng.fillNormal(new Float32Array(g.paramCount), 0, 0.01);
  return Array.from({ length: c }, (_, t) => theta0.map((x, i) => x + t * v[i]!));
}

describe('parameter counts', () => {
  it('matches the public checkpoints and every published variant', () => {
    expect(ninoParamCount()).toBe(549_992);
    expect(ninoParamCount({ maxFeatureSize: 1 })).toBe(503_592);
    expect(ninoParamCount({ hidden: 32 })).toBe(45_608);
    expect(ninoParamCount({ hidden: 32, maxFeatureSize: 1 })).toBe(33_768);
    expect(ninoParamCount({ hidden: 16 })).toBe(15_304);
    expect(ninoParamCount({ kind: 'wnn+' })).toBe(57_384);
    expect(ninoParamCount({ kind: 'wnn+', hidden: 32 })).toBe(5_160);
    for (const [name, n] of [
      ['nino_no_posw', 549_992],
      ['nino_mlp', 57_384],
      ['nino_mlp_h32', 5_160],
    ] as const) {
      const m = shippedCheckpoint(name);
      expect(m.paramCount).toBe(n);
      m.dispose();
    }
  });
});

describe('scaling', () => {
  it('gives every tensor mean 0 and unbiased std 1 over its n·c values; unscale inverts it', () => {
    const g = buildNeuralGraph(mlpLayers([5, 7, 3]));
    const rng = Rng.fromSeed(4);
    const history = Array.from({ length: 5 }, () => rng.fillNormal(new Float32Array(g.paramCount), 0.3, 2));
    const s = computeScales(g, history);
    const scaled = history.map((h) => scaleParams(g, h, s));
    for (const p of g.params) {
      const vals = scaled.flatMap((h) => Array.from(h.subarray(p.offset, p.offset + p.size)));
      const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
      const sd = Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / (vals.length - 1));
      expect(Math.abs(mean)).toBeLessThan(1e-5);
      expect(Math.abs(sd - 1)).toBeLessThan(1e-5);
    }
    history.forEach((h, t) => {
      const back = unscaleParams(g, scaled[t]!, s);
      for (let i = 0; i < h.length; i++)
        expect(Math.abs(back[i]! - h[i]!)).toBeLessThan(1e-5 * (1 + Math.abs(h[i]!)));
    });
  });
});

describe('linefit and the k schedule', () => {
  it('reproduces a + b·(c−1+k) on a line (c = 5, k = 1 → a + 5b)', () => {
    const a = Float32Array.of(0.5, -2, 3.25, 0);
    const b = Float32Array.of(0.125, 0.5, -0.75, 1e-3);
    const hist = Array.from({ length: 5 }, (_, t) => a.map((x, i) => x + t * b[i]!));
    for (const k of [1, 3, 40]) {
      const p = linefit(hist, k);
      for (let i = 0; i < 4; i++)
        expect(Math.abs(p[i]! - (a[i]! + b[i]! * (4 + k)))).toBeLessThan(
          1e-6 * (1 + Math.abs(a[i]! + b[i]! * (4 + k))),
        );
    }
    expect(Array.from(linefit(hist, 1))).toEqual(Array.from(a.map((x, i) => Math.fround(x + 5 * b[i]!))));
  });

  it('has the schedules of the official code (10k/1000, 14k/1000, 2k/200)', () => {
    expect(horizonSchedule({ maxSteps: 10000, period: 1000 })).toEqual([40, 33, 26, 21, 16, 11, 8, 5, 3, 1]);
    expect(horizonSchedule({ maxSteps: 14000, period: 1000 })).toEqual([
      40, 35, 30, 26, 22, 18, 15, 12, 9, 7, 5, 3, 2, 1,
    ]);
    expect(horizonSchedule({ maxSteps: 2000, period: 200 })).toEqual([40, 33, 26, 21, 16, 11, 8, 5, 3, 1]);
    expect(horizonSchedule({ maxSteps: 500, period: 1000 })).toEqual([40]);
  });
});

describe('identity nowcast', () => {
  for (const kind of ['nino', 'wnn+'] as const)
    it(`a zero output layer makes ${kind} predict the last snapshot`, async () => {
      const g = buildNeuralGraph(mlpLayers([6, 5, 3]));
      const m = NinoModel.init(Rng.fromSeed(1), { kind, hidden: 16, maxFeatureSize: 1 });
      const head = kind === 'nino' ? 'edge_out.fc.2' : 'edge_mlp.fc.6';
      m.params.get(`${head}.weight`).assign(tf.zerosLike(m.params.get(`${head}.weight`)));
      m.params.get(`${head}.bias`).assign(tf.zerosLike(m.params.get(`${head}.bias`)));
      const history = linearHistory(g, 5, 2);
      const pred = await nowcast(m, g, history, 7);
      const last = history[4]!;
      for (let i = 0; i < last.length; i++)
        expect(Math.abs(pred[i]! - last[i]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(last[i]!)));
      m.dispose();
    });
});

describe('batching', () => {
  it('NiNo on a disjoint union equals NiNo on each graph', async () => {
    const m = shippedCheckpoint('nino_no_posw');
    const a = buildNeuralGraph(mlpLayers([4, 6, 3]));
    const b = buildNeuralGraph(cnnLayers({ inChannels: 2, channels: [3], classes: 2 }));
    const ha = linearHistory(a, 5, 1);
    const hb = linearHistory(b, 5, 2);
    const la = laplacianPE(a);
    const lb = laplacianPE(b);
    const u = batchGraphs([a, b]);
    const hu = ha.map((x, t) => Float32Array.from([...x, ...hb[t]!]));
    const pu = await nowcast(m, u, hu, 5, { lpe: Float32Array.from([...la, ...lb]) });
    const pa = await nowcast(m, a, ha, 5, { lpe: la });
    const pb = await nowcast(m, b, hb, 5, { lpe: lb });
    const sep = [...pa, ...pb];
    for (let i = 0; i < sep.length; i++)
      expect(Math.abs(pu[i]! - sep[i]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(sep[i]!)));
    m.dispose();
  });
});

describe('the public checkpoint as a damped extrapolator', () => {
  it('predicts changes aligned with the last slope, growing with k', async () => {
    const m = shippedCheckpoint('nino_no_posw');
    const g = buildNeuralGraph(mlpLayers([8, 16, 16, 4], { naming: 'torch' }));
    const history = linearHistory(g, 5, 7);
    const slope = history[4]!.map((x, i) => x - history[3]![i]!);
    const corr = (a: Float32Array, b: Float32Array) => {
      const n = a.length;
      const ma = a.reduce((s, x) => s + x, 0) / n;
      const mb = b.reduce((s, x) => s + x, 0) / n;
      let sab = 0;
      let saa = 0;
      let sbb = 0;
      for (let i = 0; i < n; i++) {
        sab += (a[i]! - ma) * (b[i]! - mb);
        saa += (a[i]! - ma) ** 2;
        sbb += (b[i]! - mb) ** 2;
      }
      return sab / Math.sqrt(saa * sbb);
    };
    const ratios: number[] = [];
    for (const k of [1, 5, 40]) {
      const pred = await nowcast(m, g, history, k);
      const delta = pred.map((x, i) => x - history[4]![i]!);
      expect(corr(delta, slope)).toBeGreaterThan(k === 40 ? 0.5 : 0.9);
      ratios.push(delta.reduce((s, x) => s + Math.abs(x), 0) / slope.reduce((s, x) => s + Math.abs(x), 0));
    }
    expect(ratios[0]!).toBeLessThan(ratios[1]!);
    expect(ratios[1]!).toBeLessThan(ratios[2]!);
    m.dispose();
  });
});

describe('checkpoints', () => {
  it('save → load is bit-exact and keeps the official format', async () => {
    const m = NinoModel.init(Rng.fromSeed(3), { hidden: 8, maxFeatureSize: 1, horizons: 4 });
    const { json, data } = await saveCheckpoint(m, { name: 't', provenance: { seed: 3 } });
    expect(json.n_params).toBe(m.paramCount);
    expect(json.total_bytes).toBe(4 * m.paramCount);
    expect(json.config).toMatchObject({ ctx: 5, hid: 8, gnn: true, max_feat_size: 1, seq_len: 4, lpe: 8 });
    const back = loadCheckpoint(JSON.stringify(json), data.buffer.slice(0) as ArrayBuffer);
    for (const n of m.params.names())
      expect(await back.params.get(n).data()).toEqual(await m.params.get(n).data());
    const again = await saveCheckpoint(back, { name: 't', provenance: { seed: 3 } });
    expect(again.data).toEqual(data);
    m.dispose();
    back.dispose();
  });

  it('rejects checkpoints that disagree with their config or the caller, naming what is wrong', async () => {
    const m = NinoModel.init(Rng.fromSeed(3), { hidden: 8, maxFeatureSize: 1 });
    const { json, data } = await saveCheckpoint(m, { name: 't' });
    m.dispose();
    const err = (fn: () => unknown, parameter: RegExp) => {
      let e: unknown;
      try {
        (fn() as NinoModel | undefined)?.dispose();
      } catch (x) {
        e = x;
      }
      expect(e).toBeInstanceOf(PaperkitInputError);
      expect((e as PaperkitInputError).parameter).toMatch(parameter);
    };
    const before = tf.memory().numTensors;
    err(() => loadCheckpoint({ ...json, config: { ...json.config, hid: 16 } }, data), /shape/);
    err(() => loadCheckpoint({ ...json, config: { ...json.config, towers: 4 } }, data), /config\.towers/);
    err(
      () => loadCheckpoint({ ...json, config: { ...json.config, wte_pos_enc: true } }, data),
      /wte_pos_enc/,
    );
    err(() => loadCheckpoint({ ...json, tensors: json.tensors.slice(1) }, data), /tensors/);
    err(() => loadCheckpoint(json, data.subarray(4)), /data/);
    err(() => loadCheckpoint(json, data, { expect: { hidden: 32 } }), /hidden/);
    err(() => loadCheckpoint(json, data, { expect: { kind: 'wnn+' } }), /kind/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('nowcast input checks', () => {
  it('rejects wrong history lengths, architectures, horizons and encodings', async () => {
    const m = NinoModel.init(Rng.fromSeed(1), { hidden: 8, maxFeatureSize: 1 });
    const g = buildNeuralGraph(mlpLayers([3, 4, 2]));
    const h = linearHistory(g, 5, 1);
    const bad = async (fn: () => Promise<unknown>, parameter: RegExp) => {
      const e = await fn().then(
        () => null,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(PaperkitInputError);
      expect((e as PaperkitInputError).parameter).toMatch(parameter);
    };
    await bad(() => nowcast(m, g, h.slice(1), 1), /history/);
    await bad(() => nowcast(m, g, [...h.slice(1), new Float32Array(g.paramCount + 1)], 1), /history\[4\]/);
    await bad(() => nowcast(m, g, h, 0), /^k$/);
    await bad(() => nowcast(m, g, h, 41), /^k$/);
    await bad(() => nowcast(m, g, h, 1, { lpe: new Float32Array(3) }), /lpe/);
    await bad(
      () => nowcast(m, buildNeuralGraph(cnnLayers({ inChannels: 1, channels: [2], classes: 2 })), h, 1),
      /graph/,
    );
    await bad(() => nowcast('nope' as unknown as 'linefit', g, h, 1), /nowcaster/);
    await bad(() => nowcast('linefit', g, h.slice(2), 1), /history/);
    m.dispose();
  });

  it('stops with a clear error instead of returning NaN', async () => {
    const m = shippedCheckpoint('nino_mlp_h32');
    const g = buildNeuralGraph(mlpLayers([3, 4, 2]));
    const h = linearHistory(g, 5, 1);
    h[2]![0] = Number.NaN;
    await expect(nowcast(m, g, h, 1)).rejects.toThrow(/non-finite value for fc0\.weight/);
    m.dispose();
  });

  it('leaks no tensor across prepared nowcasts and reuses the device graph', async () => {
    const m = NinoModel.init(Rng.fromSeed(1), { hidden: 8, maxFeatureSize: 1 });
    const g = buildNeuralGraph(
      transformerLayers({ vocabSize: 5, contextLength: 3, dModel: 4, heads: 2, layers: 1 }),
    );
    const h = linearHistory(g, 5, 1);
    await expectNoLeak(async () => {
      const p = prepareNowcast(m, g);
      const a = await p.run(h, 3);
      const b = await p.run(h, 3);
      expect(b).toEqual(a);
      p.dispose();
    });
    m.dispose();
  });
});
