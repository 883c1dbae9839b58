import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, it } from 'vitest';
import {
  Adam,
  AdamW,
  clipByGlobalNorm,
  initBackend,
  Momentum,
  type Optimizer,
  Rng,
  randomNormal,
  SGD,
  warmupCosineSchedule,
} from '../src/index.js';
import { expectBitIdentical } from '../src/testing/index.js';

beforeAll(() => initBackend({ prefer: 'cpu', blas: 'off' }));

/**
 * The optimizers as chains of transforms must take exactly the steps of the previous one-class
 * implementation (kept here, op for op, as the oracle): PyTorch's Adam/AdamW/SGD semantics, the
 * host-side bias corrections folded into one `lr / (1 − β₁ᵗ)` multiplication, AdamW's
 * p·(1 − lr·wd) − u, PyTorch momentum with its first-step buffer, clipping first.
 */
interface Cfg {
  readonly kind: 'adam' | 'adamw' | 'sgd';
  readonly lr: number | ((s: number) => number);
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
  readonly weightDecay?: number;
  readonly amsgrad?: boolean;
  readonly momentum?: number;
  readonly dampening?: number;
  readonly nesterov?: boolean;
  readonly clipNorm?: number;
}

class Reference {
  private t = 0;
  private readonly slots = new Map<string, tf.Variable>();
  constructor(private readonly c: Cfg) {}
  private slot(key: string, like: tf.Tensor): tf.Variable {
    let v = this.slots.get(key);
    if (!v) {
      v = tf.tidy(() => tf.variable(tf.zerosLike(like), false));
      this.slots.set(key, v);
    }
    return v;
  }
  step(vars: Record<string, tf.Variable>, grads: Record<string, tf.Tensor>): void {
    const c = this.c;
    const t = this.t + 1;
    const lr = typeof c.lr === 'function' ? c.lr(this.t) : c.lr;
    tf.tidy(() => {
      let g = grads;
      if (c.clipNorm !== undefined) g = clipByGlobalNorm(g, c.clipNorm).grads;
      const u: Record<string, tf.Tensor> = {};
      for (const n of Object.keys(g)) {
        const p = vars[n]!;
        let gr = g[n]!;
        if (c.kind === 'sgd') {
          const wd = c.weightDecay ?? 0;
          if (wd !== 0) gr = tf.add(gr, tf.mul(p, wd));
          const mu = c.momentum ?? 0;
          if (mu !== 0) {
            const first = !this.slots.has(`${n}/b`);
            const buf = this.slot(`${n}/b`, p);
            const next = first ? gr : tf.add(tf.mul(buf, mu), tf.mul(gr, 1 - (c.dampening ?? 0)));
            buf.assign(next);
            gr = c.nesterov ? tf.add(gr, tf.mul(next, mu)) : next;
          }
          u[n] = tf.mul(gr, lr);
          continue;
        }
        const b1 = c.beta1 ?? 0.9;
        const b2 = c.beta2 ?? 0.999;
        const wd = c.weightDecay ?? (c.kind === 'adamw' ? 1e-2 : 0);
        if (c.kind === 'adam' && wd !== 0) gr = tf.add(gr, tf.mul(p, wd));
        const m = this.slot(`${n}/m`, p);
        const v = this.slot(`${n}/v`, p);
        const mNext = tf.add(tf.mul(m, b1), tf.mul(gr, 1 - b1));
        const vNext = tf.add(tf.mul(v, b2), tf.mul(tf.square(gr), 1 - b2));
        m.assign(mNext);
        v.assign(vNext);
        let vUse: tf.Tensor = vNext;
        if (c.amsgrad) {
          const vMax = this.slot(`${n}/vMax`, p);
          vUse = tf.maximum(vMax, vNext);
          vMax.assign(vUse);
        }
        const bc1 = 1 - b1 ** t;
        const bc2 = 1 - b2 ** t;
        const denom = tf.add(tf.div(tf.sqrt(vUse), Math.sqrt(bc2)), c.eps ?? 1e-8);
        u[n] = tf.mul(tf.div(mNext, denom), lr / bc1);
      }
      for (const n of Object.keys(g)) {
        const p = vars[n]!;
        const wd = c.weightDecay ?? 1e-2;
        const decayed = c.kind === 'adamw' && wd !== 0 ? tf.mul(p, 1 - lr * wd) : p;
        p.assign(tf.sub(decayed, u[n]!));
      }
    });
    this.t = t;
  }
  dispose(): void {
    for (const v of this.slots.values()) v.dispose();
  }
}

function build(c: Cfg): Optimizer {
  const { kind, ...rest } = c;
  const lr = c.lr;
  if (kind === 'adam') return new Adam({ ...rest, lr } as never);
  if (kind === 'adamw') return new AdamW({ ...rest, lr } as never);
  return c.momentum ? new Momentum({ ...rest, lr } as never) : new SGD({ ...rest, lr } as never);
}

const cosine = warmupCosineSchedule({ peak: 0.05, warmupSteps: 5, totalSteps: 30, minLr: 1e-3 });
const CASES: [string, Cfg][] = [
  ['Adam', { kind: 'adam', lr: 0.01 }],
  [
    'Adam, coupled wd, AMSGrad, β₂ 0.95',
    { kind: 'adam', lr: 0.02, weightDecay: 0.05, amsgrad: true, beta2: 0.95 },
  ],
  ['Adam, schedule, clip', { kind: 'adam', lr: cosine, clipNorm: 0.5 }],
  ['AdamW (default wd)', { kind: 'adamw', lr: 0.01 }],
  ['AdamW wd 0.1, AMSGrad, ε 1e-6', { kind: 'adamw', lr: 0.03, weightDecay: 0.1, amsgrad: true, eps: 1e-6 }],
  ['AdamW wd 0', { kind: 'adamw', lr: 0.01, weightDecay: 0 }],
  ['SGD', { kind: 'sgd', lr: 0.05 }],
  ['SGD, coupled wd, clip', { kind: 'sgd', lr: 0.05, weightDecay: 0.01, clipNorm: 1 }],
  ['heavy ball', { kind: 'sgd', lr: 0.02, momentum: 0.9 }],
  ['heavy ball, dampening, wd', { kind: 'sgd', lr: 0.02, momentum: 0.8, dampening: 0.3, weightDecay: 0.01 }],
  ['Nesterov, schedule', { kind: 'sgd', lr: cosine, momentum: 0.9, nesterov: true }],
];

describe('the chains take the previous implementation’s steps bit for bit (25 steps, 3 tensors)', () => {
  for (const [label, cfg] of CASES)
    it(label, () => {
      const rng = Rng.fromSeed(3);
      const shapes: Record<string, number[]> = { w: [4, 3], b: [3], s: [] };
      const init = Object.fromEntries(
        Object.entries(shapes).map(([n, s]) => [n, randomNormal(rng.stream(n), s)]),
      );
      const a = Object.fromEntries(Object.entries(init).map(([n, t]) => [n, tf.variable(t)]));
      const b = Object.fromEntries(Object.entries(init).map(([n, t]) => [n, tf.variable(t)]));
      const ours = build(cfg);
      const ref = new Reference(cfg);
      const gr = rng.stream('grads');
      for (let i = 0; i < 25; i++) {
        // Gradients that depend on the iterate (so a wrong step changes later ones too).
        const grads = tf.tidy(() =>
          Object.fromEntries(
            Object.entries(a).map(([n, v]) => [n, tf.add(tf.mul(v, 1.5), randomNormal(gr, v.shape, 0, 0.3))]),
          ),
        );
        ours.step(a, grads);
        ref.step(b, grads);
        tf.dispose(Object.values(grads));
        for (const n of Object.keys(a)) expectBitIdentical(a[n]!.dataSync(), b[n]!.dataSync());
      }
      ours.dispose();
      ref.dispose();
      tf.dispose([...Object.values(init), ...Object.values(a), ...Object.values(b)]);
    });
});
