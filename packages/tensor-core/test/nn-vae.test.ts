import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import {
  applyDecoder,
  applyGaussianEncoder,
  bernoulliLogLikelihood,
  type DecoderConfig,
  type GaussianEncoderConfig,
  gaussianKl,
  gaussianLogLikelihood,
  gradientCheck,
  gradientMismatches,
  initDecoder,
  initGaussianEncoder,
  reparameterize,
} from '../src/nn/index.js';
import { ParamMap } from '../src/params/index.js';
import { Rng, randomUniform } from '../src/random/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

async function values(t: tf.Tensor): Promise<number[]> {
  const v = Array.from(await t.data());
  t.dispose();
  return v;
}

const enc: GaussianEncoderConfig = { inputDim: 6, hidden: [5], latentDim: 2, activation: 'tanh' };
const dec: DecoderConfig = { latentDim: 2, hidden: [5], outputDim: 6, activation: 'tanh' };

describe('Gaussian encoder / decoder', () => {
  it('compose in one map with prefixes, roles and layouts', () => {
    const rng = Rng.fromSeed(1);
    const pm = initGaussianEncoder(rng, enc);
    initDecoder(rng, dec, pm);
    expect(pm.names()).toEqual([
      'enc.fc0.weight',
      'enc.fc0.bias',
      'enc.mean.weight',
      'enc.mean.bias',
      'enc.logvar.weight',
      'enc.logvar.bias',
      'dec.fc0.weight',
      'dec.fc0.bias',
      'dec.fc1.weight',
      'dec.fc1.bias',
    ]);
    expect(pm.info('enc.logvar.weight')).toEqual({
      role: 'weight',
      shape: [5, 2],
      layout: { outAxis: 1, inAxis: 0 },
      group: 'enc.logvar',
    });
    expect(pm.info('dec.fc1.weight').shape).toEqual([5, 6]);
    const { mean, logvar } = applyGaussianEncoder(pm.tensors(), tf.ones([3, 6]), enc);
    expect(mean.shape).toEqual([3, 2]);
    expect(logvar.shape).toEqual([3, 2]);
    const out = applyDecoder(pm.tensors(), mean, { ...dec, outputActivation: 'sigmoid' });
    expect(out.shape).toEqual([3, 6]);
    expect(out.dataSync().every((v) => v > 0 && v < 1)).toBe(true);
    tf.dispose([mean, logvar, out]);
    pm.dispose();
  });

  it('an encoder without hidden layers is two linear heads on the input', async () => {
    const linear: GaussianEncoderConfig = { inputDim: 3, hidden: [], latentDim: 1 };
    const pm = initGaussianEncoder(Rng.fromSeed(2), linear);
    expect(pm.names()).toEqual(['enc.mean.weight', 'enc.mean.bias', 'enc.logvar.weight', 'enc.logvar.bias']);
    pm.assign({ 'enc.mean.weight': tf.tensor2d([1, 2, 3], [3, 1]), 'enc.mean.bias': tf.tensor1d([0.5]) });
    const { mean, logvar } = applyGaussianEncoder(pm.tensors(), tf.tensor2d([1, 1, 1], [1, 3]), linear);
    expect(await values(mean)).toEqual([6.5]);
    logvar.dispose();
    pm.dispose();
  });

  it('same seed gives identical parameters', async () => {
    const a = initGaussianEncoder(Rng.fromSeed(3), enc);
    const b = initGaussianEncoder(Rng.fromSeed(3), enc);
    expect(await b.flatten()).toEqual(await a.flatten());
    a.dispose();
    b.dispose();
  });
});

describe('reparameterize', () => {
  it('replays with the same stream and has mean μ and std exp(logvar/2)', async () => {
    const n = 20000;
    const mean = tf.fill([n, 2], 1.5);
    const logvar = tf.tensor2d(
      new Float32Array(2 * n).map((_, i) => (i % 2 ? Math.log(4) : Math.log(0.25))),
      [n, 2],
    );
    const a = await values(reparameterize(mean, logvar, Rng.fromSeed(9)));
    const b = await values(reparameterize(mean, logvar, Rng.fromSeed(9)));
    expect(b).toEqual(a);
    for (const [col, sd] of [
      [0, 0.5],
      [1, 2],
    ] as const) {
      const xs = a.filter((_, i) => i % 2 === col);
      const m = xs.reduce((s, x) => s + x, 0) / n;
      const s = Math.sqrt(xs.reduce((acc, x) => acc + (x - m) ** 2, 0) / n);
      // Standard errors: sd/√n ≈ 0.014·sd for the mean, ≈ 0.005 relative for the std; 4σ margins.
      expect(Math.abs(m - 1.5)).toBeLessThan((4 * sd) / Math.sqrt(n));
      expect(Math.abs(s / sd - 1)).toBeLessThan(0.02);
    }
    tf.dispose([mean, logvar]);
  });

  it('is differentiable: ∂Σz/∂μ = 1 and ∂Σz/∂logvar = (z − μ)/2', async () => {
    const mean = tf.tensor2d([0.3, -1, 2, 0.5], [2, 2]);
    const logvar = tf.tensor2d([0, -1, 0.5, 1], [2, 2]);
    const seed = Rng.fromSeed(4).getState();
    const z = await values(reparameterize(mean, logvar, Rng.fromState(seed)));
    const [gm, gl] = tf.grads((m: tf.Tensor, l: tf.Tensor) =>
      tf.sum(reparameterize(m, l, Rng.fromState(seed))),
    )([mean, logvar]);
    expect(await values(gm!)).toEqual([1, 1, 1, 1]);
    const mv = [0.3, -1, 2, 0.5];
    (await values(gl!)).forEach((g, i) => {
      expect(g).toBeCloseTo((z[i]! - mv[i]!) / 2, 6);
    });
    expect(() => reparameterize(mean, tf.zeros([2]), Rng.fromSeed(1))).toThrow(/logvar must be/);
    tf.dispose([mean, logvar]);
  });
});

describe('VAE terms', () => {
  it('gaussianKl matches ½Σ(e^lv + μ² − 1 − lv) and is 0 at the prior', async () => {
    const mv = [0.5, -1, 0, 2];
    const lv = [0.2, -0.5, 0, 1];
    const per = [0, 1].map((r) =>
      [0, 1].reduce(
        (s, j) => s + 0.5 * (Math.exp(lv[2 * r + j]!) + mv[2 * r + j]! ** 2 - 1 - lv[2 * r + j]!),
        0,
      ),
    );
    const m = tf.tensor2d(mv, [2, 2]);
    const l = tf.tensor2d(lv, [2, 2]);
    (await values(gaussianKl(m, l, 'none'))).forEach((v, i) => {
      expect(v).toBeCloseTo(per[i]!, 5);
    });
    expect((await values(gaussianKl(m, l)))[0]).toBeCloseTo((per[0]! + per[1]!) / 2, 5);
    expect(await values(gaussianKl(tf.zeros([3, 4]), tf.zeros([3, 4]), 'none'))).toEqual([0, 0, 0]);
    tf.dispose([m, l]);
  });

  it('gaussianLogLikelihood matches the normal log-density', async () => {
    const x = tf.tensor2d([1, 2, -1, 0.5], [2, 2]);
    const mu = tf.tensor2d([0, 2.5, -1, 1], [2, 2]);
    const unit = await values(gaussianLogLikelihood(x, mu, 0, 'none'));
    expect(unit[0]).toBeCloseTo(-0.5 * (1 + 0.25) - Math.log(2 * Math.PI), 5);
    expect(unit[1]).toBeCloseTo(-0.5 * (0 + 0.25) - Math.log(2 * Math.PI), 5);
    // σ² = e^{lv}: log N(1; 0, e^{lv}) + log N(2; 2.5, e^{lv}) for lv = ln 4.
    const lv = Math.log(4);
    const wide = await values(gaussianLogLikelihood(x, mu, lv, 'none'));
    expect(wide[0]).toBeCloseTo(-0.5 * ((1 + 0.25) / 4 + 2 * lv + 2 * Math.log(2 * Math.PI)), 5);
    tf.dispose([x, mu]);
  });

  it('bernoulliLogLikelihood is −Σ BCE per example', async () => {
    const z = tf.tensor2d([0, 2, -1, 0.5], [2, 2]);
    const x = tf.tensor2d([1, 0, 0.5, 1], [2, 2]);
    const ls = (zz: number) => -Math.log1p(Math.exp(-zz)); // log σ(z)
    const want0 = ls(0) + (ls(2) - 2);
    const got = await values(bernoulliLogLikelihood(z, x, 'none'));
    expect(got[0]).toBeCloseTo(want0, 5);
    tf.dispose([z, x]);
  });

  it('ELBO gradients through encoder, sample and decoder match finite differences', async () => {
    const rng = Rng.fromSeed(41);
    const pm = new ParamMap();
    initGaussianEncoder(rng.stream('init'), enc, pm);
    initDecoder(rng.stream('init'), dec, pm);
    const x = randomUniform(rng, [3, 6]);
    // The same ε at every evaluation: finite differences need a deterministic function of θ.
    const noise = rng.stream('noise').getState();
    const negElbo = (p: Record<string, tf.Tensor>) =>
      tf.tidy(() => {
        const { mean, logvar } = applyGaussianEncoder(p, x, enc);
        const z = reparameterize(mean, logvar, Rng.fromState(noise));
        const recon = bernoulliLogLikelihood(applyDecoder(p, z, dec), x);
        return tf.sub(gaussianKl(mean, logvar), recon) as tf.Scalar;
      });
    const before = tf.memory().numTensors;
    const r = await gradientCheck(negElbo, pm.tensors(), { rng: rng.stream('check'), coordinates: 6 });
    expect(tf.memory().numTensors).toBe(before);
    expect(Math.abs(r.comparisons[0]!.analytic)).toBeGreaterThan(1e-2);
    expect(gradientMismatches(r)).toEqual([]);
    const gaussian = (p: Record<string, tf.Tensor>) =>
      tf.tidy(() => {
        const { mean } = applyGaussianEncoder({ ...pm.tensors(), ...p }, x, enc);
        return tf.neg(gaussianLogLikelihood(x, applyDecoder(p, mean, dec), tf.scalar(-0.5))) as tf.Scalar;
      });
    // The logvar head does not reach this loss (tfjs refuses gradients of unconnected inputs), so it
    // enters as a constant.
    const used = Object.fromEntries(
      Object.entries(pm.tensors()).filter(([n]) => !n.startsWith('enc.logvar')),
    );
    const r2 = await gradientCheck(gaussian, used, { rng: rng.stream('check2'), coordinates: 4 });
    expect(gradientMismatches(r2)).toEqual([]);
    x.dispose();
    pm.dispose();
  });
});
