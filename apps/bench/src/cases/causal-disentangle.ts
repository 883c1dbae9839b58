/**
 * Benchmarks of @paperkit/causal-disentangle's hot path against the issue's targets (#16):
 * - one training step of the masked VAE at the small scale (d_z = 4, d_x = 8, batch 256, encoder and
 *   decoder 2×64, transition 2×32 per latent, learned action masks under the sparsity constraint on
 *   nupi, and the unregularised baseline with frozen masks): target ≤ 20 ms on wasm, ≤ 8 ms on
 *   wasm+blas;
 * - the transition networks' forward + backward as one product per layer for all latents, against the
 *   same networks run as d_z separate MLPs (one model per latent), timed in pairs in one process.
 * Runs on wasm with the stock kernels, then again with the BLAS kernels when they load. Every figure
 * is a median wall time in ms (plus the process CPU time per step, robust to other jobs); lower is
 * better. Register with
 *   { name: 'causal-disentangle', run: (quick) => benchCausalDisentangle({ quick }) }
 */
import {
  applyTransition,
  SMALL_ARCHITECTURE,
  SparsityTrainer,
  syntheticDataset,
  type TransitionShape,
} from '@paperkit/causal-disentangle';
import { initBackend, Rng } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { BenchFigure } from '../figures.js';
import { measurePaired } from '../measure.js';

/** Options of {@link benchCausalDisentangle}. */
export interface CausalDisentangleBenchOptions {
  /** Tiny budgets (CI smoke run). */
  readonly quick?: boolean;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median wall time and mean process CPU time per step over `reps` steps, after `warmup` steps. */
function stepMs(step: () => void, reps: number, warmup: number): { wall: number; cpu: number } {
  for (let i = 0; i < warmup; i++) step();
  const walls: number[] = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    step();
    walls.push(performance.now() - t0);
  }
  const c = process.cpuUsage(c0);
  return { wall: median(walls), cpu: (c.user + c.system) / 1000 / reps };
}

const D = 4;
const DX = 8;
const BATCH = 256;

/** The transition networks as d_z separate MLPs (slices of the stacked weights), the baseline. */
function perLatent(
  p: Record<string, tf.Tensor>,
  a: tf.Tensor2D,
  mask: tf.Tensor2D,
  s: TransitionShape,
): tf.Tensor {
  const outs: tf.Tensor[] = [];
  const h0 = s.hidden[0]!;
  for (let i = 0; i < s.latentDim; i++) {
    const u = tf.mul(a, tf.slice(mask, [i, 0], [1, -1]));
    const w = tf.reshape(tf.slice(p['trans.inA.weight']!, [0, i, 0], [-1, 1, -1]), [s.actionDim, h0]);
    let h: tf.Tensor = tf.leakyRelu(
      tf.add(tf.matMul(u, w as tf.Tensor2D), tf.slice(p['trans.in.bias']!, [i, 0], [1, -1])),
      s.slope,
    );
    const layers = [...Array.from({ length: s.hidden.length - 1 }, (_, k) => `trans.fc${k}`), 'trans.out'];
    layers.forEach((name, k) => {
      const wk = p[`${name}.weight`]!;
      const wi = tf.reshape(tf.slice(wk, [i, 0, 0], [1, -1, -1]), wk.shape.slice(1) as [number, number]);
      const bi = tf.reshape(tf.slice(p[`${name}.bias`]!, [i, 0, 0], [1, -1, -1]), [1, -1]);
      h = tf.add(tf.matMul(h as tf.Tensor2D, wi as tf.Tensor2D), bi);
      if (k < layers.length - 1) h = tf.leakyRelu(h, s.slope);
    });
    outs.push(h);
  }
  return tf.concat(outs, 1);
}

/** Runs every causal-disentangle figure on wasm (stock kernels, then BLAS when it loads). */
export async function benchCausalDisentangle(
  options: CausalDisentangleBenchOptions = {},
): Promise<BenchFigure[]> {
  const quick = options.quick ?? false;
  const reps = quick ? 5 : 100;
  const warmup = quick ? 2 : 20;
  const figures: BenchFigure[] = [];
  const ds = syntheticDataset(Rng.fromSeed(1).stream('bench'), {
    setting: 'action',
    latentDim: D,
    observedDim: DX,
    splits: { train: 4096 },
  });
  const tr = ds.splits.train!;
  const data = {
    observations: { rows: tr.count, cols: DX, data: tr.x },
    actions: { rows: tr.count, cols: D, data: tr.actions! },
  };
  for (const blas of ['off', 'auto'] as const) {
    const info = await initBackend({ prefer: 'wasm', blas });
    if (blas === 'auto' && !info.accelerated) break;
    const target = blas === 'off' ? 20 : 8;
    for (const method of ['constraint', 'unregularised'] as const) {
      const trainer = new SparsityTrainer(data, {
        latentDim: D,
        architecture: SMALL_ARCHITECTURE,
        sparsity:
          method === 'constraint'
            ? { kind: 'constraint', action: 2 * D, annealSteps: 1000 }
            : { kind: 'none' },
        ...(method === 'unregularised' ? { masks: { action: 'ones' as const } } : {}),
        steps: 10_000,
        batchSize: BATCH,
        lr: 1e-3,
        maskLr: 1e-2,
        seed: 1,
      });
      // Reading the loss back flushes the step (wasm/cpu kernels are synchronous anyway).
      const { wall, cpu } = stepMs(
        () => {
          const l = trainer.step();
          l.dataSync();
          l.dispose();
        },
        reps,
        warmup,
      );
      trainer.dispose();
      figures.push({
        name: `[${info.label}] training step, ${method} (d_z=${D}, d_x=${DX}, batch ${BATCH}, 2×64 enc/dec, 2×32 transition)`,
        value: wall,
        unit: 'ms',
        baseline: target,
        ratio: wall / target,
        note: `target ≤ ${target} ms on ${info.label} (issue #16); baseline = the target; process CPU ${cpu.toFixed(2)} ms/step`,
      });
    }
    // Transition networks: one product per layer for all latents vs one MLP per latent.
    const trainer = new SparsityTrainer(data, {
      latentDim: D,
      architecture: SMALL_ARCHITECTURE,
      sparsity: { kind: 'none' },
      steps: 1,
      batchSize: BATCH,
      seed: 2,
    });
    const s: TransitionShape = {
      latentDim: D,
      actionDim: D,
      temporal: false,
      hidden: SMALL_ARCHITECTURE.transitionHidden,
      slope: 0.2,
    };
    const p = trainer.model.params.tensors();
    const names = Object.keys(p).filter((n) => n.startsWith('trans.'));
    const a = tf.tensor2d(tr.actions!.subarray(0, BATCH * D), [BATCH, D]);
    const mask = tf.sigmoid(tf.fill([D, D], 2)) as tf.Tensor2D;
    const target2 = tf.randomNormal([BATCH, D], 0, 1, 'float32', 3);
    const grads = (f: () => tf.Tensor) => () => {
      const { value, grads: g } = tf.variableGrads(
        () => tf.tidy(() => tf.mean(tf.square(tf.sub(f(), target2))) as tf.Scalar),
        names.map((n) => p[n] as tf.Variable),
      );
      tf.dispose([value, ...Object.values(g)]);
    };
    const paired = measurePaired(
      grads(() => perLatent(p, a, mask, s)),
      grads(() => applyTransition(p, { actions: a, actionMask: mask }, s)),
      { ms: quick ? 30 : 2000, maxIterations: quick ? 5 : 2000 },
    );
    figures.push({
      name: `[${info.label}] transition forward + backward, d_z=${D} latents, one product per layer`,
      value: paired.variant,
      unit: 'ms',
      baseline: paired.baseline,
      ratio: paired.ratio,
      note: `baseline = the same networks as ${D} separate MLPs (one model per latent), paired rounds: ${paired.rounds}`,
    });
    tf.dispose([a, mask, target2]);
    trainer.dispose();
  }
  return figures;
}
