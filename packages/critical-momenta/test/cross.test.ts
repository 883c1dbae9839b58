import { initBackend } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AdamCG,
  AdamCG64,
  type AdamCGConfig,
  AdamCM,
  AdamCM64,
  type AdamCMConfig,
  type CriticalBuffer64,
  type CriticalBufferOptimizer,
} from '../src/index.js';
import { multiProblem } from './helpers.js';

beforeAll(() => initBackend({ prefer: 'wasm', blas: 'off' }));

/**
 * Feeds the same gradient sequence (computed from the Float64 iterate, rounded to float32) to the
 * tensor and the Float64 implementation; they must agree to float32 precision, steps and buffers alike.
 */
function compare(tensorOpt: CriticalBufferOptimizer, f64: CriticalBuffer64, calls = 30): void {
  const prob = multiProblem();
  const p64: Record<string, Float64Array> = {};
  const vars: Record<string, tf.Variable> = {};
  for (const [n, v] of Object.entries(prob.init)) {
    p64[n] = Float64Array.from(v);
    vars[n] = tf.variable(tf.tensor(Array.from(v), prob.shapes[n]!));
  }
  for (let t = 0; t < calls; t++) {
    const g = prob.grad(p64);
    for (const n of Object.keys(g)) g[n] = Float64Array.from(Float32Array.from(g[n]!));
    const gt: Record<string, tf.Tensor> = {};
    for (const [n, v] of Object.entries(g)) gt[n] = tf.tensor(Array.from(v), prob.shapes[n]!);
    tensorOpt.step(vars, gt);
    tf.dispose(Object.values(gt));
    f64.step(p64, g);
    for (const n of Object.keys(vars)) {
      const a = vars[n]!.dataSync();
      p64[n]!.forEach((x, i) => {
        if (!(Math.abs(a[i]! - x) <= 2e-5 * (1 + Math.abs(x))))
          throw new Error(`call ${t + 1}, ${n}[${i}]: ${a[i]} vs ${x}`);
      });
      const bt = tensorOpt.inspectBuffer(n);
      const b64 = f64.inspectBuffer(n);
      expect(bt?.steps ?? null).toEqual(b64?.steps ?? null);
      tf.dispose(bt?.values ?? []);
      bt?.sum?.dispose();
    }
  }
  tf.dispose(Object.values(vars));
  tensorOpt.dispose();
}

const CM_CASES: [string, AdamCMConfig][] = [
  ['reference defaults', {}],
  ['reference C=3, λ=0.9, amsgrad, wd', { topC: 3, decay: 0.9, amsgrad: true, weightDecay: 0.1 }],
  ['reference, globalNorm, recomputed sum', { topC: 4, priority: 'globalNorm', bufferSum: 'recompute' }],
  ['reference perTensor, critical_test 0.4', { topC: 3, priority: 'perTensor', criticalTest: 0.4, seed: 5 }],
  ['clean C=2 aggregate', { compat: 'clean', topC: 2 }],
  [
    'clean kappa 0.5, gradient moment, critical_test 0.3',
    { compat: 'clean', kappa: 0.5, secondMoment: 'gradient', criticalTest: 0.3 },
  ],
  ['clean running sum, perTensor', { compat: 'clean', topC: 3, bufferSum: 'running', priority: 'perTensor' }],
];

const CG_CASES: [string, AdamCGConfig][] = [
  ['reference sum', { topC: 3 }],
  ['reference mid, wd, amsgrad', { topC: 4, aggregator: 'mid', weightDecay: 0.05, amsgrad: true }],
  ['reference mean, critical_test 0.5', { topC: 3, aggregator: 'mean', criticalTest: 0.5, seed: 2 }],
  ['clean mean, kappa 2', { compat: 'clean', topC: 3, aggregator: 'mean', kappa: 2 }],
  ['clean sum C=0', { compat: 'clean', topC: 0 }],
];

describe('tensor and Float64 implementations agree', () => {
  for (const [label, cfg] of CM_CASES)
    it(`AdamCM: ${label}`, () =>
      compare(new AdamCM({ lr: 0.05, ...cfg }), new AdamCM64({ lr: 0.05, ...cfg })));
  for (const [label, cfg] of CG_CASES)
    it(`AdamCG: ${label}`, () =>
      compare(new AdamCG({ lr: 0.05, ...cfg }), new AdamCG64({ lr: 0.05, ...cfg })));
});
