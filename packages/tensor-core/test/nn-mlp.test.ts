import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { gatherBatch, teacherStudent } from '../src/data/index.js';
import {
  ACTIVATIONS,
  type Activation,
  activate,
  applyMlp,
  gradientCheck,
  gradientMismatches,
  initMlp,
  meanSquaredError,
  softmaxCrossEntropy,
} from '../src/nn/index.js';
import { fans } from '../src/params/index.js';
import { Rng, randomNormal } from '../src/random/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

async function host(t: tf.Tensor): Promise<Float32Array> {
  return (await t.data()) as Float32Array;
}

describe('initMlp', () => {
  it('names, shapes, roles, layouts and groups', () => {
    const pm = initMlp(Rng.fromSeed(1), { sizes: [4, 8, 3] });
    expect(pm.names()).toEqual(['fc0.weight', 'fc0.bias', 'fc1.weight', 'fc1.bias']);
    expect(pm.info('fc0.weight')).toEqual({
      role: 'weight',
      shape: [4, 8],
      layout: { outAxis: 1, inAxis: 0 },
      group: 'fc0',
    });
    expect(pm.info('fc1.bias')).toEqual({ role: 'bias', shape: [3], group: 'fc1' });
    expect(fans(pm.info('fc1.weight'))).toEqual({ fanIn: 8, fanOut: 3 });
    expect(pm.size).toBe(4 * 8 + 8 + 8 * 3 + 3);
    pm.dispose();
  });

  it('composes blocks in one map by prefix, and bias: false drops biases', () => {
    const rng = Rng.fromSeed(2);
    const pm = initMlp(rng, { sizes: [3, 5], prefix: 'a.' });
    initMlp(rng, { sizes: [5, 2], prefix: 'b.', bias: false }, pm);
    expect(pm.names()).toEqual(['a.fc0.weight', 'a.fc0.bias', 'b.fc0.weight']);
    expect(() => initMlp(rng, { sizes: [3, 5], prefix: 'a.' }, pm)).toThrow(/not already in the map/);
    // Applying with a config that expects a bias the map lacks fails loudly instead of skipping it.
    expect(() => applyMlp(pm.tensors(), tf.ones([1, 5]), { sizes: [5, 2], prefix: 'b.' })).toThrow(
      /params must be a map containing "b\.fc0\.bias"/,
    );
    pm.dispose();
  });

  it('same seed gives identical parameters; each tensor has its own sub-stream', async () => {
    const a = initMlp(Rng.fromSeed(7), { sizes: [6, 10, 4] });
    const b = initMlp(Rng.fromSeed(7), { sizes: [6, 10, 4] });
    const c = initMlp(Rng.fromSeed(8), { sizes: [6, 10, 4] });
    // Widening the output layer must not change the first layer's draws.
    const d = initMlp(Rng.fromSeed(7), { sizes: [6, 10, 9] });
    const fa = await a.flatten();
    expect(await b.flatten()).toEqual(fa);
    expect(await c.flatten()).not.toEqual(fa);
    expect(await host(d.get('fc0.weight'))).toEqual(await host(a.get('fc0.weight')));
    expect(await host(d.get('fc0.bias'))).toEqual(await host(a.get('fc0.bias')));
    for (const m of [a, b, c, d]) m.dispose();
  });

  it('init schemes have their documented ranges and scales', async () => {
    const fanIn = 400;
    const fanOut = 300;
    const stats = async (init: Parameters<typeof initMlp>[1]['init']) => {
      const pm = initMlp(Rng.fromSeed(3), { sizes: [fanIn, fanOut], ...(init ? { init } : {}) });
      const w = await host(pm.get('fc0.weight'));
      const b = await host(pm.get('fc0.bias'));
      pm.dispose();
      let s2 = 0;
      let maxAbs = 0;
      for (const x of w) {
        s2 += x * x;
        maxAbs = Math.max(maxAbs, Math.abs(x));
      }
      return { std: Math.sqrt(s2 / w.length), maxAbs, b };
    };
    // 120 000 draws: the sample std is within ~0.5% of the truth; 2% margins cannot flake.
    const torch = await stats(undefined);
    const bound = 1 / Math.sqrt(fanIn);
    expect(torch.maxAbs).toBeLessThanOrEqual(bound);
    expect(Math.abs(torch.std / (bound / Math.sqrt(3)) - 1)).toBeLessThan(0.02);
    expect(Math.max(...torch.b.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(torch.b.some((x) => x !== 0)).toBe(true);
    const he = await stats('he');
    expect(Math.abs(he.std / Math.sqrt(2 / fanIn) - 1)).toBeLessThan(0.02);
    expect(he.b.every((x) => x === 0)).toBe(true);
    const xavier = await stats('xavier');
    const xb = Math.sqrt(6 / (fanIn + fanOut));
    expect(xavier.maxAbs).toBeLessThanOrEqual(xb);
    expect(Math.abs(xavier.std / (xb / Math.sqrt(3)) - 1)).toBeLessThan(0.02);
    const normal = await stats({ normal: 0.05 });
    expect(Math.abs(normal.std / 0.05 - 1)).toBeLessThan(0.02);
  });

  it('rejects bad configs naming the parameter', () => {
    const rng = Rng.fromSeed(1);
    expect(() => initMlp(rng, { sizes: [3] })).toThrow(/sizes must be an array of at least two/);
    expect(() => initMlp(rng, { sizes: [3, 0] })).toThrow(/sizes\[1\] must be an integer >= 1/);
    expect(() => initMlp(rng, { sizes: [3, 4, 2], activation: ['relu'] })).toThrow(
      /one activation per layer/,
    );
    expect(() => initMlp(rng, { sizes: [3, 4], activation: 'swish' as Activation })).toThrow(
      /activation must be one of/,
    );
    expect(() => initMlp(rng, { sizes: [3, 4], init: { normal: -1 } })).toThrow(/init\.normal/);
  });
});

describe('activations', () => {
  const xs = [-3, -1.5, -0.5, -0.1, 0.1, 0.5, 1, 2.5];
  // Host oracles; gelu values are x·Φ(x) from the normal CDF table (Φ(1) = 0.841344746…).
  const oracle: Record<Activation, (x: number) => number> = {
    relu: (x) => Math.max(0, x),
    tanh: Math.tanh,
    gelu: (x) => x * normalCdf(x),
    sigmoid: (x) => 1 / (1 + Math.exp(-x)),
    leakyRelu: (x) => (x > 0 ? x : 0.01 * x),
    elu: (x) => (x > 0 ? x : Math.expm1(x)),
    softplus: (x) => Math.log1p(Math.exp(x)),
    identity: (x) => x,
  };

  it('match host formulas', async () => {
    expect(normalCdf(1)).toBeCloseTo(0.8413447460685429, 12);
    for (const a of ACTIVATIONS) {
      const y = await host(tf.tidy(() => activate(tf.tensor1d(xs), a)));
      xs.forEach((x, i) => {
        expect(y[i], `${a}(${x})`).toBeCloseTo(oracle[a](x), 6);
      });
    }
  });

  it('derivatives match central differences away from kinks', async () => {
    // Every x is ≥ 0.1 from the kinks at 0, so [x − h, x + h] with h = 1e-2 stays on one piece.
    const h = 1e-2;
    for (const a of ACTIVATIONS) {
      const g = await host(tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(activate(x, a)))(tf.tensor1d(xs))));
      xs.forEach((x, i) => {
        const fd = (oracle[a](x + h) - oracle[a](x - h)) / (2 * h);
        // Float64 oracle: only the h²/6·f‴ truncation error (≤ 2e-5 here) separates them.
        expect(Math.abs(g[i]! - fd), `${a}'(${x})`).toBeLessThan(1e-4);
      });
    }
  });
});

/** Φ(x) via erfc's continued fraction-free series (Abramowitz–Stegun 7.1.26 is too coarse for 1e-12). */
function normalCdf(x: number): number {
  // Taylor series of erf, converging fast for |x/√2| ≤ 3.
  const z = x / Math.SQRT2;
  let term = z;
  let sum = z;
  for (let n = 1; n < 200; n++) {
    term *= (-z * z) / n;
    sum += term / (2 * n + 1);
  }
  return 0.5 * (1 + (2 / Math.sqrt(Math.PI)) * sum);
}

describe('applyMlp', () => {
  it('matches a float64 host forward pass', async () => {
    const cfg = { sizes: [3, 4, 2], activation: 'tanh' } as const;
    const pm = initMlp(Rng.fromSeed(5), cfg);
    const xv = [0.5, -1, 2, 1.5, 0.25, -0.75];
    const y = await host(tf.tidy(() => applyMlp(pm.tensors(), tf.tensor2d(xv, [2, 3]), cfg)));
    const [w0, b0, w1, b1] = await Promise.all(pm.variables().map(host));
    for (let r = 0; r < 2; r++) {
      const hid = Array.from({ length: 4 }, (_, j) => {
        let s = b0![j]!;
        for (let i = 0; i < 3; i++) s += xv[r * 3 + i]! * w0![i * 4 + j]!;
        return Math.tanh(s);
      });
      for (let k = 0; k < 2; k++) {
        let s = b1![k]!;
        for (let j = 0; j < 4; j++) s += hid[j]! * w1![j * 2 + k]!;
        expect(y[r * 2 + k]).toBeCloseTo(s, 5);
      }
    }
    pm.dispose();
  });

  it('supports per-layer activations and leading batch axes', () => {
    const cfg = { sizes: [3, 4, 2], activation: ['tanh', 'sigmoid'] } as const;
    const pm = initMlp(Rng.fromSeed(5), cfg);
    const y = tf.tidy(() => applyMlp(pm.tensors(), tf.ones([2, 5, 3]), cfg));
    expect(y.shape).toEqual([2, 5, 2]);
    const v = y.dataSync();
    expect(v.every((s) => s > 0 && s < 1)).toBe(true);
    y.dispose();
    pm.dispose();
  });

  it.each(['tanh', 'gelu', 'sigmoid', 'elu', 'softplus'] as const)(
    'gradients match finite differences (%s)',
    async (activation) => {
      const rng = Rng.fromSeed(11);
      const cfg = { sizes: [5, 7, 6, 3], activation };
      const pm = initMlp(rng.stream('init'), cfg);
      const x = randomNormal(rng, [4, 5]);
      const y = randomNormal(rng, [4, 3]);
      const before = tf.memory().numTensors;
      const r = await gradientCheck(
        (p) => meanSquaredError(applyMlp(p, x, cfg), y) as tf.Scalar,
        pm.tensors(),
        { rng: rng.stream('check'), coordinates: 4 },
      );
      expect(tf.memory().numTensors).toBe(before);
      expect(r.comparisons).toHaveLength(5);
      expect(Math.abs(r.comparisons[0]!.analytic)).toBeGreaterThan(1e-2);
      expect(gradientMismatches(r)).toEqual([]);
      tf.dispose([x, y]);
      pm.dispose();
    },
  );

  it('plain gradient descent learns a teacher–student task', async () => {
    const data = teacherStudent(Rng.fromSeed(12), { count: 256, inputDim: 8, hidden: [16], classes: 3 });
    const cfg = { sizes: [8, 32, 3], activation: 'tanh' } as const;
    const pm = initMlp(Rng.fromSeed(13), cfg);
    const { x, y } = gatherBatch(
      data,
      Int32Array.from({ length: 256 }, (_, i) => i),
    );
    const loss = () => softmaxCrossEntropy(applyMlp(pm.tensors(), x, cfg), y) as tf.Scalar;
    const first = (await tf.tidy(loss).data())[0]!;
    for (let step = 0; step < 60; step++)
      tf.tidy(() => {
        const { grads } = tf.variableGrads(loss);
        for (const v of pm.variables()) v.assign(tf.sub(v, grads[v.name]!));
      });
    const last = (await tf.tidy(loss).data())[0]!;
    // Chance level is ln 3 ≈ 1.10; 60 full-batch steps (lr 1) on this realisable task reach 0.13.
    expect(first).toBeGreaterThan(0.9);
    expect(last).toBeLessThan(0.3);
    tf.dispose([x, y]);
    pm.dispose();
  });

  it('forward + variableGrads leaks no tensors', () => {
    const cfg = { sizes: [5, 8, 3], activation: 'gelu' } as const;
    const pm = initMlp(Rng.fromSeed(4), cfg);
    const x = tf.ones([2, 5]);
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(
      () => tf.sum(applyMlp(pm.tensors(), x, cfg)) as tf.Scalar,
      pm.variables(),
    );
    expect(Object.keys(grads).length).toBe(4);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    pm.dispose();
  });
});
