/**
 * Benchmarks of @paperkit/critical-momenta: the AdamCM step (C = 5) against tensor-core's Adam on a
 * 1e6-parameter model in the same process (target: ≤ 1.6× Adam's step time), and the optimizer state
 * memory (target: (C + 3)·d floats).
 */
import { AdamCM } from '@paperkit/critical-momenta';
import {
  Adam,
  currentBackend,
  initBackend,
  median,
  type Optimizer,
  Rng,
  randomNormal,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { BenchFigure } from '../figures.js';

/** Options of {@link benchCriticalMomenta}. */
export interface CriticalMomentaBenchOptions {
  /** Model size d (split over three tensors like a two-layer MLP); default 1e6. */
  readonly params?: number;
  /** Buffer capacity C; default 5. */
  readonly topC?: number;
  /** Interleaved single-step rounds per method; default 40. */
  readonly rounds?: number;
}

type Grads = Record<string, tf.Tensor>;

function model(d: number, rng: Rng): { vars: Record<string, tf.Variable>; grads: Grads[] } {
  // w1 [800, 1000], b1 [1000], w2 [1000, k] with k chosen so the total is d (1e6 → k = 199).
  const k = Math.max(1, Math.round((d - 801_000) / 1000));
  const shapes: Record<string, number[]> = { w1: [800, 1000], b1: [1000], w2: [1000, k] };
  const vars: Record<string, tf.Variable> = {};
  const base: Grads = {};
  for (const [n, s] of Object.entries(shapes)) {
    vars[n] = tf.tidy(() => tf.variable(randomNormal(rng, s, 0, 0.05)));
    base[n] = randomNormal(rng, s, 0, 1e-2);
  }
  // Four gradient sets of different norms, cycled: fresh memory every step (as in training) and
  // priorities that rise and fall, so the buffer both replaces and rejects.
  const grads = [1, 0.6, 1.4, 0.9].map((f) => {
    const g: Grads = {};
    for (const [n, t] of Object.entries(base)) g[n] = tf.mul(t, f);
    return g;
  });
  tf.dispose(Object.values(base));
  return { vars, grads };
}

/** CPU time (user + system) and wall time of one step, in ms. */
function timeStep(
  opt: Optimizer,
  vars: Record<string, tf.Variable>,
  grads: Grads,
): { cpu: number; wall: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  opt.step(vars, grads);
  // Flush asynchronous backends before stopping the clock.
  vars.b1!.dataSync();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1000, wall };
}

/**
 * Step time and state memory of AdamCM (reference mode, C = 5) against tensor-core's Adam, same
 * process, same parameters and gradients, steps interleaved one by one. Step time is reported as
 * process CPU time (robust to other load on the machine) and as wall time.
 */
export async function benchCriticalMomenta(
  options: CriticalMomentaBenchOptions = {},
): Promise<BenchFigure[]> {
  if (!currentBackend()) await initBackend({ prefer: 'wasm' });
  const d = options.params ?? 1_000_000;
  const topC = options.topC ?? 5;
  const rounds = options.rounds ?? 40;
  const { vars, grads } = model(d, Rng.fromSeed(1).stream('bench'));
  const size = Object.values(vars).reduce((a, v) => a + v.size, 0);
  const adam = new Adam({ lr: 1e-3 });
  const cm = new AdamCM({ lr: 1e-3, topC });
  // State memory: the largest growth of live tensor bytes over the first C + 3 steps (fills the buffer).
  const stateFloats = (opt: Optimizer): number => {
    const before = tf.memory().numBytes;
    let peak = 0;
    for (let i = 0; i < topC + 3; i++) {
      opt.step(vars, grads[i % grads.length]!);
      peak = Math.max(peak, tf.memory().numBytes - before);
    }
    return peak / 4;
  };
  const adamFloats = stateFloats(adam);
  const cmFloats = stateFloats(cm);
  const t = {
    adam: { cpu: [] as number[], wall: [] as number[] },
    cm: { cpu: [] as number[], wall: [] as number[] },
  };
  for (let r = 0; r < rounds; r++) {
    const g = grads[r % grads.length]!;
    // Alternate the order so neither method always runs right after the other's allocations.
    const order: ('adam' | 'cm')[] = r % 2 === 0 ? ['adam', 'cm'] : ['cm', 'adam'];
    for (const m of order) {
      const x = timeStep(m === 'adam' ? adam : cm, vars, g);
      t[m].cpu.push(x.cpu);
      t[m].wall.push(x.wall);
    }
  }
  adam.dispose();
  cm.dispose();
  tf.dispose([...Object.values(vars), ...grads.flatMap((g) => Object.values(g))]);
  const backend = currentBackend()?.label ?? tf.getBackend();
  const [ac, cc, aw, cw] = [median(t.adam.cpu), median(t.cm.cpu), median(t.adam.wall), median(t.cm.wall)];
  return [
    {
      name: `critical-momenta: AdamCM step, CPU time (C = ${topC}, d = ${size}, ${backend})`,
      value: cc,
      unit: 'ms/step',
      baseline: ac,
      ratio: cc / ac,
      note: 'median process CPU time per step; target ratio ≤ 1.6 against tensor-core Adam',
    },
    {
      name: `critical-momenta: AdamCM step, wall time (C = ${topC}, d = ${size}, ${backend})`,
      value: cw,
      unit: 'ms/step',
      baseline: aw,
      ratio: cw / aw,
      note: 'median wall time per step (sensitive to other load on the machine)',
    },
    {
      name: `critical-momenta: AdamCM state memory (C = ${topC}, d = ${size})`,
      value: cmFloats / size,
      unit: 'floats per parameter',
      baseline: adamFloats / size,
      ratio: cmFloats / adamFloats,
      note: `target ≤ C + 3 = ${topC + 3} (Adam: 2)`,
    },
  ];
}
