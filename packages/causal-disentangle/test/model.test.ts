import {
  diagonalGaussianKl,
  gradientCheck,
  initBackend,
  PaperkitInputError,
  Rng,
  randomNormal,
} from '@paperkit/tensor-core';
import { expectNoLeak } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  applyTransition,
  MaskedVae,
  resolveArchitecture,
  resolveTransitionLayout,
  SMALL_ARCHITECTURE,
  sampleGumbelSigmoid,
  type TransitionShape,
} from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

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

const host = (t: tf.Tensor) => Float64Array.from(t.dataSync());
const leaky = (v: number, s: number) => (v < 0 ? s * v : v);
const softplus = (v: number) => Math.log1p(Math.exp(v));

/** Host float64 re-implementation of one latent's transition MLP, from the stacked parameters. */
function transitionByLatent(
  p: Record<string, tf.Tensor>,
  s: TransitionShape,
  a: Float64Array | null,
  ma: Float64Array | null,
  z: Float64Array | null,
  mz: Float64Array | null,
  b: number,
): Float64Array {
  const d = s.latentDim;
  const out = new Float64Array(b * d);
  const w = (n: string) => host(p[n]!);
  const wa = s.actionDim > 0 ? w('trans.inA.weight') : null;
  const wz = s.temporal ? w('trans.inZ.weight') : null;
  const bin = w('trans.in.bias');
  const h0 = s.hidden[0]!;
  for (let i = 0; i < d; i++)
    for (let r = 0; r < b; r++) {
      let h = new Float64Array(h0);
      for (let c = 0; c < h0; c++) {
        let v = bin[i * h0 + c]!;
        for (let l = 0; l < s.actionDim; l++)
          v += ma![i * s.actionDim + l]! * a![r * s.actionDim + l]! * wa![(l * d + i) * h0 + c]!;
        if (s.temporal)
          for (let j = 0; j < d; j++) v += mz![i * d + j]! * z![r * d + j]! * wz![(j * d + i) * h0 + c]!;
        h[c] = leaky(v, s.slope);
      }
      for (let k = 0; k + 1 < s.hidden.length; k++) {
        const nin = s.hidden[k]!;
        const nout = s.hidden[k + 1]!;
        const wk = w(`trans.fc${k}.weight`);
        const bk = w(`trans.fc${k}.bias`);
        const next = new Float64Array(nout);
        for (let c = 0; c < nout; c++) {
          let v = bk[i * nout + c]!;
          for (let q = 0; q < nin; q++) v += h[q]! * wk[(i * nin + q) * nout + c]!;
          next[c] = leaky(v, s.slope);
        }
        h = next;
      }
      const wo = w('trans.out.weight');
      const last = s.hidden.at(-1)!;
      let v = w('trans.out.bias')[i]!;
      for (let q = 0; q < last; q++) v += h[q]! * wo[i * last + q]!;
      out[r * d + i] = v;
    }
  return out;
}

describe('batched transition networks', () => {
  it('equal d_z separate masked MLPs (one batched matmul, not one model per latent)', () => {
    const vae = new MaskedVae(Rng.fromSeed(5), {
      observedDim: 6,
      latentDim: 3,
      actionDim: 2,
      temporal: true,
      architecture: { ...SMALL_ARCHITECTURE, transitionHidden: [5, 4, 3] },
    });
    const s: TransitionShape = { latentDim: 3, actionDim: 2, temporal: true, hidden: [5, 4, 3], slope: 0.2 };
    const rng = Rng.fromSeed(6);
    const b = 7;
    const a = rng.fillUniform(new Float64Array(b * 2), -2, 2);
    const z = rng.fillNormal(new Float64Array(b * 3));
    const ma = Float64Array.of(1, 0, 0.3, 1, 0, 0.8);
    const mz = Float64Array.of(1, 0, 1, 0.5, 1, 0, 0, 0, 1);
    const want = transitionByLatent(vae.params.tensors(), s, a, ma, z, mz, b);
    for (const layout of ['batched', 'blockDiagonal'] as const) {
      const got = tf.tidy(() =>
        applyTransition(
          vae.params.tensors(),
          {
            actions: tf.tensor2d(Float32Array.from(a), [b, 2]),
            actionMask: tf.tensor2d(Float32Array.from(ma), [3, 2]),
            previous: tf.tensor2d(Float32Array.from(z), [b, 3]),
            temporalMask: tf.tensor2d(Float32Array.from(mz), [3, 3]),
          },
          s,
          layout,
        ),
      );
      expect(got.shape).toEqual([b, 3]);
      const g = host(got);
      for (let k = 0; k < want.length; k++) expect(g[k]!).toBeCloseTo(want[k]!, 4);
      got.dispose();
    }
    // Stock wasm (these tests) picks the block-diagonal product at small widths, the batched one at large.
    expect(resolveTransitionLayout('auto', s)).toBe('blockDiagonal');
    expect(resolveTransitionLayout('auto', { ...s, hidden: [512] })).toBe('batched');
    vae.dispose();
  });

  it('a masked-out input cannot move its latent’s prior mean', () => {
    const vae = new MaskedVae(Rng.fromSeed(7), {
      observedDim: 4,
      latentDim: 2,
      actionDim: 2,
      architecture: SMALL_ARCHITECTURE,
    });
    const s: TransitionShape = { latentDim: 2, actionDim: 2, temporal: false, hidden: [32, 32], slope: 0.2 };
    const mask = tf.tensor2d([
      [1, 0],
      [1, 1],
    ]);
    const out = (a: number[][]) => {
      const t = tf.tidy(() =>
        applyTransition(
          vae.params.tensors(),
          { actions: tf.tensor2d(a), actionMask: mask as tf.Tensor2D },
          s,
        ),
      );
      const v = host(t);
      t.dispose();
      return v;
    };
    const base = out([[0.5, -1]]);
    const moved = out([[0.5, 1.7]]);
    expect(moved[0]).toBe(base[0]);
    expect(moved[1]).not.toBe(base[1]);
    mask.dispose();
    vae.dispose();
  });

  it('gradients through the folded masks and stacked weights match finite differences', async () => {
    const vae = new MaskedVae(Rng.fromSeed(8), {
      observedDim: 4,
      latentDim: 3,
      actionDim: 2,
      temporal: true,
      architecture: { ...SMALL_ARCHITECTURE, transitionHidden: [6, 5] },
    });
    const s: TransitionShape = { latentDim: 3, actionDim: 2, temporal: true, hidden: [6, 5], slope: 0.2 };
    const rng = Rng.fromSeed(9);
    const a = tf.tensor2d(rng.fillUniform(new Float32Array(16), -2, 2), [8, 2]);
    const z = tf.tensor2d(rng.fillNormal(new Float32Array(24)), [8, 3]);
    const muQ = tf.tensor2d(rng.fillNormal(new Float32Array(24)), [8, 3]);
    const pm = vae.params.tensors();
    const params: Record<string, tf.Tensor> = {
      laA: tf.tensor2d([
        [1, -0.5],
        [0.2, 2],
        [-1, 0.3],
      ]),
      laZ: tf.fill([3, 3], 0.4),
    };
    for (const n of Object.keys(pm)) if (n.startsWith('trans.')) params[n] = pm[n]!;
    const loss = (p: Record<string, tf.Tensor>, layout: 'batched' | 'blockDiagonal') =>
      tf.tidy(() => {
        const mean = applyTransition(
          p,
          {
            actions: a,
            actionMask: tf.sigmoid(p.laA!) as tf.Tensor2D,
            previous: z,
            temporalMask: tf.sigmoid(p.laZ!) as tf.Tensor2D,
          },
          s,
          layout,
        );
        return tf.sum(
          diagonalGaussianKl({ mean: muQ, variance: tf.scalar(0.3) }, { mean, variance: tf.scalar(0.5) }),
        ) as tf.Scalar;
      });
    for (const layout of ['batched', 'blockDiagonal'] as const) {
      const r = await gradientCheck((p) => loss(p, layout), params, {
        rng: Rng.fromSeed(10),
        coordinates: 6,
      });
      for (const c of r.comparisons)
        expect(Math.abs(c.analytic - c.numeric)).toBeLessThan(2e-2 * Math.max(1, Math.abs(c.numeric)));
    }
    tf.dispose([a, z, muQ, params.laA!, params.laZ!]);
    vae.dispose();
  });
});

describe('the training objective', () => {
  /** Host ELBO from the model's parts, replaying the same random draws as `loss`. */
  function hostLoss(
    vae: MaskedVae,
    x: number[][],
    prev: number[][] | null,
    acts: number[][] | null,
    seed: number,
  ) {
    const r = Rng.fromSeed(seed);
    return tf.tidy(() => {
      const p = vae.params.tensors();
      const masks: { action?: tf.Tensor2D; temporal?: tf.Tensor2D } = {};
      for (const k of ['action', 'temporal'] as const) {
        const mode = vae.maskMode(k);
        if (mode === undefined) continue;
        masks[k] =
          mode === 'learned'
            ? (sampleGumbelSigmoid(p[`mask.${k}`]!, r) as tf.Tensor2D)
            : (tf.ones(
                k === 'action' ? [vae.latentDim, vae.actionDim] : [vae.latentDim, vae.latentDim],
              ) as tf.Tensor2D);
      }
      const xs = tf.tensor2d(prev ? [...prev, ...x] : x);
      const { mean, variance } = vae.encode(xs);
      const eps = host(randomNormal(r, mean.shape));
      const mu = host(mean);
      const v = host(variance);
      const zHat = mu.map((m, k) => m + Math.sqrt(v[k]!) * eps[k]!);
      const b = x.length;
      const d = vae.latentDim;
      const xHat = host(vae.decode(tf.tensor2d(Float32Array.from(zHat), [zHat.length / d, d])));
      const s = Math.exp(0.5 * host(p['dec.logvar']!)[0]!) + 1e-4;
      const xv = host(xs);
      let rec = 0;
      for (let k = 0; k < xv.length; k++)
        rec += 0.5 * Math.log(2 * Math.PI) + Math.log(s) + (xv[k]! - xHat[k]!) ** 2 / (2 * s * s);
      rec /= xv.length;
      const off = prev ? b * d : 0;
      const priorMean = host(
        applyTransition(
          p,
          {
            ...(acts ? { actions: tf.tensor2d(acts), actionMask: masks.action! } : {}),
            ...(prev
              ? {
                  previous: tf.tensor2d(Float32Array.from(zHat.subarray(0, b * d)), [b, d]),
                  temporalMask: masks.temporal!,
                }
              : {}),
          },
          {
            latentDim: d,
            actionDim: vae.actionDim,
            temporal: vae.temporal,
            hidden: vae.architecture.transitionHidden,
            slope: 0.2,
          },
        ),
      );
      const vp = host(p['prior.rho']!).map((q) => softplus(q) + 1e-6);
      const klg = (mq: number, vq: number, mp: number, vpp: number) =>
        0.5 * Math.log(vpp / vq) + (vq + (mq - mp) ** 2) / (2 * vpp) - 0.5;
      let kl = 0;
      for (let r2 = 0; r2 < b; r2++)
        for (let i = 0; i < d; i++) {
          let term = klg(mu[off + r2 * d + i]!, v[off + r2 * d + i]!, priorMean[r2 * d + i]!, vp[i]!);
          if (prev) {
            const m0 = host(p['prior0.mean']!)[i]!;
            const v0 = softplus(host(p['prior0.rho']!)[i]!) + 1e-6;
            term = 0.5 * (term + klg(mu[r2 * d + i]!, v[r2 * d + i]!, m0, v0));
          }
          kl += term;
        }
      kl /= b;
      return { loss: rec + (vae.architecture.beta * kl) / vae.observedDim, rec, kl };
    });
  }

  it('is the reference ELBO: reconstruction + β·KL/d_x (action setting, frozen masks)', () => {
    const vae = new MaskedVae(Rng.fromSeed(11), {
      observedDim: 5,
      latentDim: 3,
      actionDim: 2,
      architecture: { ...SMALL_ARCHITECTURE, beta: 2 },
      masks: { action: 'ones' },
    });
    const rng = Rng.fromSeed(12);
    const x = Array.from({ length: 6 }, () => Array.from({ length: 5 }, () => rng.normal()));
    const a = Array.from({ length: 6 }, () => Array.from({ length: 2 }, () => rng.uniform(-2, 2)));
    const l = vae.loss({ x: tf.tensor2d(x), actions: tf.tensor2d(a) }, Rng.fromSeed(13));
    const want = hostLoss(vae, x, null, a, 13);
    expect(l.reconstruction.dataSync()[0]).toBeCloseTo(want.rec, 2);
    expect(l.kl.dataSync()[0]! / want.kl).toBeCloseTo(1, 4);
    expect(l.loss.dataSync()[0]! / want.loss).toBeCloseTo(1, 4);
    tf.dispose([l.loss, l.reconstruction, l.kl]);
    vae.dispose();
  });

  it('temporal pairs with actions and learned masks: ½(KL(z¹) + KL(z⁰)) with ẑ⁰ sampled', async () => {
    const vae = new MaskedVae(Rng.fromSeed(14), {
      observedDim: 4,
      latentDim: 2,
      actionDim: 3,
      temporal: true,
      architecture: { ...SMALL_ARCHITECTURE, decoderLogVarInit: Math.log(0.5) },
    });
    expect(vae.maskParamNames()).toEqual(['mask.action', 'mask.temporal']);
    const rng = Rng.fromSeed(15);
    const row = (k: number) => Array.from({ length: k }, () => rng.normal());
    const x = [row(4), row(4), row(4)];
    const prev = [row(4), row(4), row(4)];
    const a = [row(3), row(3), row(3)];
    const batch = { x: tf.tensor2d(x), previous: tf.tensor2d(prev), actions: tf.tensor2d(a) };
    const l = await expectNoLeak(() => vae.loss(batch, Rng.fromSeed(16)), 3);
    const want = hostLoss(vae, x, prev, a, 16);
    expect(l.loss.dataSync()[0]! / want.loss).toBeCloseTo(1, 4);
    expect(l.kl.dataSync()[0]! / want.kl).toBeCloseTo(1, 4);
    tf.dispose([l.loss, l.reconstruction, l.kl, batch.x, batch.previous, batch.actions]);
    vae.dispose();
  });

  it('starts from the documented initial values', () => {
    const vae = new MaskedVae(Rng.fromSeed(17), { observedDim: 4, latentDim: 2, actionDim: 2 });
    const p = vae.params.tensors();
    expect(host(p['dec.logvar']!)[0]).toBe(-10);
    for (const v of host(p['mask.action']!)) expect(v).toBe(5);
    for (const v of host(p['prior.rho']!)) expect(softplus(v) + 1e-6).toBeCloseTo(1e-4 + 1e-6, 9);
    expect(p['enc.fc6.weight']!.shape).toEqual([512, 4]);
    expect(p['trans.fc3.weight']!.shape).toEqual([2, 512, 512]);
    expect(p['trans.out.weight']!.shape).toEqual([2, 512, 1]);
    const probs = vae.edgeProbabilities().action!;
    for (const v of probs.data) expect(v).toBeCloseTo(1 / (1 + Math.exp(-5)), 6);
    expect(Array.from(vae.graphs().action!.data)).toEqual([1, 1, 1, 1]);
    vae.dispose();
    const fixed = new MaskedVae(Rng.fromSeed(17), {
      observedDim: 4,
      latentDim: 2,
      actionDim: 2,
      architecture: SMALL_ARCHITECTURE,
      masks: {
        action: [
          [1, 0],
          [1, 1],
        ],
      },
    });
    expect(fixed.maskParamNames()).toEqual([]);
    expect(Array.from(fixed.graphs().action!.data)).toEqual([1, 0, 1, 1]);
    expect(fixed.networkParamNames()).toContain('dec.logvar');
    expect(fixed.networkParamNames()).toContain('prior.rho');
    fixed.dispose();
    // `--var_p_mode fixed`: the prior variances stay at their initial value (not trained).
    const fixedPrior = new MaskedVae(Rng.fromSeed(17), {
      observedDim: 4,
      latentDim: 2,
      actionDim: 2,
      architecture: { ...SMALL_ARCHITECTURE, learnPriorVariance: false, priorVarianceInit: 0.01 },
    });
    expect(fixedPrior.networkParamNames()).not.toContain('prior.rho');
    // `--drawhard`: the training masks of a straight-through model are exact 0/1 samples.
    const st = new MaskedVae(Rng.fromSeed(19), {
      observedDim: 4,
      latentDim: 2,
      actionDim: 2,
      architecture: { ...SMALL_ARCHITECTURE, maskLogitInit: 0, straightThrough: true },
    });
    const sampled = st.sampleMasks(Rng.fromSeed(20)).action!;
    for (const v of host(sampled)) expect(v === 0 || v === 1).toBe(true);
    sampled.dispose();
    st.dispose();
    expect(fixedPrior.networkParamNames()).toContain('dec.logvar');
    for (const v of host(fixedPrior.params.tensors()['prior.rho']!))
      expect(softplus(v) + 1e-6).toBeCloseTo(0.01 + 1e-6, 7);
    fixedPrior.dispose();
  });

  it('encodes host data without leaking', async () => {
    const vae = new MaskedVae(Rng.fromSeed(18), {
      observedDim: 3,
      latentDim: 2,
      actionDim: 1,
      architecture: SMALL_ARCHITECTURE,
    });
    const obs = { rows: 5, cols: 3, data: Float64Array.from({ length: 15 }, (_, k) => Math.sin(k)) };
    const z = await expectNoLeak(() => vae.encodeMean(obs, 2));
    const mean = tf.tidy(() => vae.encode(tf.tensor2d(Float32Array.from(obs.data), [5, 3])).mean);
    const direct = host(mean);
    mean.dispose();
    expect(Array.from(z.data)).toEqual(Array.from(direct));
    vae.dispose();
    expect(() => vae.encodeMean(obs)).toThrow(/after dispose/);
  });
});

describe('bad input', () => {
  it('names the parameter', () => {
    const r = Rng.fromSeed(1);
    expectParameter(() => new MaskedVae(r, { observedDim: 4, latentDim: 2 }), 'actionDim');
    expectParameter(() => new MaskedVae(r, { observedDim: 0, latentDim: 2, actionDim: 1 }), 'observedDim');
    expectParameter(
      () => new MaskedVae(r, { observedDim: 4, latentDim: 2, actionDim: 1, masks: { temporal: 'ones' } }),
      'masks.temporal',
    );
    expectParameter(
      () => new MaskedVae(r, { observedDim: 4, latentDim: 2, actionDim: 2, masks: { action: [[1, 0]] } }),
      'masks.action',
    );
    expectParameter(
      () =>
        new MaskedVae(r, {
          observedDim: 4,
          latentDim: 2,
          actionDim: 2,
          masks: {
            action: [
              [1, 3],
              [0, 1],
            ],
          },
        }),
      'masks.action[0][1]',
    );
    expectParameter(() => resolveArchitecture({ slope: 0 }), 'architecture.slope');
    expectParameter(() => resolveArchitecture({ transitionHidden: [] }), 'architecture.transitionHidden');
    expectParameter(() => resolveArchitecture({ encoderHidden: [64, 0] }), 'architecture.encoderHidden[1]');
    expectParameter(() => resolveArchitecture({ beta: -1 }), 'architecture.beta');
    expectParameter(
      () => resolveArchitecture({ learnPriorVariance: 'yes' as unknown as boolean }),
      'architecture.learnPriorVariance',
    );
    expectParameter(
      () => resolveArchitecture({ straightThrough: 1 as unknown as boolean }),
      'architecture.straightThrough',
    );
    const vae = new MaskedVae(r, {
      observedDim: 4,
      latentDim: 2,
      actionDim: 2,
      architecture: SMALL_ARCHITECTURE,
      masks: { action: 'ones' },
    });
    const x = tf.zeros([3, 4]) as tf.Tensor2D;
    expectParameter(() => vae.loss({ x }, r), 'batch.actions');
    expectParameter(() => vae.loss({ x, actions: tf.zeros([2, 2]) as tf.Tensor2D }, r), 'batch.actions');
    expectParameter(
      () => vae.loss({ x: tf.zeros([3, 5]) as tf.Tensor2D, actions: tf.zeros([3, 2]) as tf.Tensor2D }, r),
      'batch.x',
    );
    expectParameter(() => vae.expectedEdges('action'), 'kind');
    expectParameter(() => vae.encodeMean({ rows: 2, cols: 3, data: [1, 2, 3, 4, 5, 6] }), 'observations');
    x.dispose();
    vae.dispose();
  });
});
