import { initBackend } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamCM, AdamCM64, type AdamCMConfig } from '../src/index.js';
import { multiProblem } from './helpers.js';

beforeAll(() => initBackend({ prefer: 'wasm', blas: 'off' }));

/** Runs tensor AdamCM on the multi-tensor problem, checking invariants after every call. */
async function runWithInvariants(
  cfg: AdamCMConfig,
  calls: number,
): Promise<{ replacements: number; rejections: number }> {
  const prob = multiProblem();
  const opt = new AdamCM({ lr: 0.05, ...cfg });
  const vars: Record<string, tf.Variable> = {};
  for (const [n, v] of Object.entries(prob.init))
    vars[n] = tf.variable(tf.tensor(Array.from(v), prob.shapes[n]!));
  const lambda = opt.settings.decay;
  const C = opt.settings.topC;
  const pis: number[] = [NaN];
  let replacements = 0;
  let rejections = 0;
  for (let t = 1; t <= calls; t++) {
    const host: Record<string, Float64Array> = {};
    for (const [n, v] of Object.entries(vars)) host[n] = Float64Array.from(v.dataSync());
    const g64 = prob.grad(host);
    let pi = 0;
    for (const g of Object.values(g64)) pi += Math.hypot(...Array.from(Math.fround ? g.map(Math.fround) : g));
    pis.push(pi);
    const before = opt.inspectBuffer('a');
    const beforeKeys = before ? before.keys : [];
    const beforeSteps = before ? before.steps : [];
    tf.dispose(before?.values ?? []);
    before?.sum?.dispose();
    const grads: Record<string, tf.Tensor> = {};
    for (const [n, g] of Object.entries(g64)) grads[n] = tf.tensor(Array.from(g), prob.shapes[n]!);
    opt.step(vars, grads);
    tf.dispose(Object.values(grads));
    const snaps = Object.keys(vars).map((n) => opt.inspectBuffer(n)!);
    for (const s of snaps) {
      // |buf| ≤ C, and the size grows by one per call until full.
      expect(s.size).toBe(Math.min(t, C));
      // Every key is π_τ·λ^{age}, age = t − τ + 1 (decay after insertion, every call).
      s.keys.forEach((k, j) => {
        const tau = s.steps[j]!;
        expect(Math.abs(k - pis[tau]! * lambda ** (t - tau + 1))).toBeLessThan(1e-5 * pis[tau]!);
      });
      // S equals the stored values summed.
      const sum = new Float64Array(s.values[0]!.size);
      for (const v of s.values) {
        const d = v.dataSync();
        for (let i = 0; i < d.length; i++) sum[i]! += d[i]!;
      }
      const S = s.sum!.dataSync();
      for (let i = 0; i < sum.length; i++) expect(Math.abs(sum[i]! - S[i]!)).toBeLessThan(1e-5);
    }
    // Synced priorities: every tensor's buffer holds values from the same steps.
    for (const s of snaps) expect(s.steps).toEqual(snaps[0]!.steps);
    // Replacement only when π_t beats the smallest key (before this call's decay).
    if (beforeKeys.length === C) {
      const minKey = Math.min(...beforeKeys);
      const replaced = snaps[0]!.steps.includes(t);
      expect(replaced).toBe(pi > minKey);
      if (replaced) {
        replacements++;
        const j = beforeKeys.indexOf(minKey);
        expect(snaps[0]!.steps[j]).toBe(t);
      } else {
        rejections++;
        expect(snaps[0]!.steps).toEqual(beforeSteps);
      }
    }
    for (const s of snaps) {
      tf.dispose(s.values);
      s.sum?.dispose();
    }
  }
  tf.dispose(Object.values(vars));
  opt.dispose();
  return { replacements, rejections };
}

describe('oracle 4: buffer invariants', () => {
  it('hold on a 3-tensor problem with rising and falling priorities (both branches taken)', async () => {
    const r = await runWithInvariants({ topC: 3, decay: 0.95 }, 40);
    expect(r.replacements).toBeGreaterThan(3);
    expect(r.rejections).toBeGreaterThan(3);
  });

  it('hold in clean mode with a running sum', async () => {
    const r = await runWithInvariants({ topC: 4, compat: 'clean', bufferSum: 'running', decay: 0.9 }, 30);
    expect(r.replacements + r.rejections).toBe(30 - 4);
    expect(r.rejections).toBeGreaterThan(0);
  });
});

describe('oracle 5: priority decay', () => {
  it('with a constant gradient and C = 1, every call replaces the slot (π > λ·π)', () => {
    for (const compat of ['reference', 'clean'] as const) {
      const opt = new AdamCM64({ lr: 0.01, topC: 1, compat });
      const x = Float64Array.of(0);
      for (let t = 1; t <= 10; t++) {
        opt.step({ x }, { x: Float64Array.of(2) });
        const b = opt.inspectBuffer('x')!;
        expect(b.steps).toEqual([t]);
        expect(b.keys[0]).toBeCloseTo(2 * 0.7, 12);
      }
    }
  });

  it('a smaller gradient is rejected until the stored key has decayed below it', () => {
    const opt = new AdamCM64({ lr: 0.01, topC: 1 });
    const x = Float64Array.of(0);
    opt.step({ x }, { x: Float64Array.of(10) });
    // Keys seen by calls 2…6: 7, 4.9, 3.43, 2.401, 1.6807; a gradient of norm 2 first wins at call 6.
    const stored: number[] = [];
    for (let t = 2; t <= 6; t++) {
      opt.step({ x }, { x: Float64Array.of(2) });
      stored.push(opt.inspectBuffer('x')!.steps[0]!);
    }
    expect(stored).toEqual([1, 1, 1, 1, 6]);
  });
});

describe('oracle 6: determinism and critical_test', () => {
  const run = (cfg: AdamCMConfig, calls = 25): { x: Float64Array; steps: number[][] } => {
    const prob = multiProblem();
    const p: Record<string, Float64Array> = {};
    for (const [n, v] of Object.entries(prob.init)) p[n] = Float64Array.from(v);
    const opt = new AdamCM64({ lr: 0.05, topC: 3, ...cfg });
    const steps: number[][] = [];
    for (let t = 0; t < calls; t++) {
      opt.step(p, prob.grad(p));
      steps.push(opt.inspectBuffer('a')!.steps);
    }
    return { x: Float64Array.from([...p.a!, ...p.b!, ...p.c!]), steps };
  };

  it('critical_test = 0 is bitwise repeatable, and so is 0.5 with the same seed', async () => {
    expect(run({})).toEqual(run({}));
    expect(run({ criticalTest: 0.5, seed: 7 })).toEqual(run({ criticalTest: 0.5, seed: 7 }));
    expect(run({ criticalTest: 0.5, seed: 7 }).steps).not.toEqual(run({ criticalTest: 0.5, seed: 8 }).steps);
  });

  it('tensor AdamCM is bitwise repeatable', () => {
    const go = (): number[] => {
      const x = tf.variable(tf.tensor1d([1, -2, 3]));
      const opt = new AdamCM({ lr: 0.1, topC: 3, criticalTest: 0.3, seed: 3 });
      for (let i = 0; i < 20; i++)
        opt.minimize(() => tf.sum(tf.cos(tf.mul(x, tf.tensor1d([1, 2, 3])))) as tf.Scalar, { x }).dispose();
      const out = Array.from(x.dataSync());
      x.dispose();
      opt.dispose();
      return out;
    };
    expect(go()).toEqual(go());
  });

  it('critical_test = 1, reference: every call after filling overwrites the stale argmin slot (0)', () => {
    const { steps } = run({ criticalTest: 1 }, 8);
    expect(steps[2]).toEqual([1, 2, 3]);
    for (let t = 4; t <= 8; t++) expect(steps[t - 1]).toEqual([t, 2, 3]);
  });

  it('critical_test = 1, clean: the oldest slot is overwritten (FIFO, documented deviation)', () => {
    const { steps } = run({ criticalTest: 1, compat: 'clean' }, 8);
    expect(steps[3]).toEqual([4, 2, 3]);
    expect(steps[4]).toEqual([4, 5, 3]);
    expect(steps[5]).toEqual([4, 5, 6]);
    expect(steps[7]).toEqual([7, 8, 6]);
  });

  it('perTensor priorities let tensors keep different steps; sumOfTensorNorms keeps them synced', () => {
    const prob = multiProblem();
    const p: Record<string, Float64Array> = {};
    for (const [n, v] of Object.entries(prob.init)) p[n] = Float64Array.from(v);
    const opt = new AdamCM64({ lr: 0.05, topC: 2, priority: 'perTensor' });
    let differ = false;
    for (let t = 0; t < 30; t++) {
      opt.step(p, prob.grad(p));
      const a = opt.inspectBuffer('a')!.steps;
      const c = opt.inspectBuffer('c')!.steps;
      if (a.join() !== c.join()) differ = true;
    }
    expect(differ).toBe(true);
  });
});

describe('oracle 7: weight decay', () => {
  it('with g ≡ 0, θ_t = (1 − lr·wd)^t θ₀ in both modes, including the reference’s first call', () => {
    for (const compat of ['reference', 'clean'] as const) {
      const opt = new AdamCM({ lr: 0.1, weightDecay: 0.5, compat, topC: 2 });
      const x = tf.variable(tf.tensor1d([2, -4]));
      for (let t = 1; t <= 6; t++) {
        const g = tf.zeros([2]);
        opt.step({ x }, { x: g });
        g.dispose();
        const v = x.dataSync();
        expect(v[0]).toBeCloseTo(2 * 0.95 ** t, 6);
        expect(v[1]).toBeCloseTo(-4 * 0.95 ** t, 6);
      }
      x.dispose();
      opt.dispose();
      const o64 = new AdamCM64({ lr: 0.1, weightDecay: 0.5, compat, topC: 2 });
      const y = Float64Array.of(2);
      for (let t = 1; t <= 6; t++) o64.step({ y }, { y: Float64Array.of(0) });
      expect(y[0]).toBeCloseTo(2 * 0.95 ** 6, 12);
    }
  });
});
