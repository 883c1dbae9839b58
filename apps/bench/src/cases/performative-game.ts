/**
 * Benchmarks of @paperkit/performative-game's hot paths against the targets (#6):
 * - the Fig. 5 anarchic heat map, 100 α × 23 N × 5 BA graphs (networkx seeds 0–4), target < 1 s;
 * - 10⁴ repeated-risk-minimisation trials on BA(20, 2, seed 0), target < 1 s;
 * - one training epoch (20 rounds, N = 20, the reference MLP, Adam) on wasm, target < 100 ms, for the
 *   group, accuracy and multitask objectives, beside the same MLP's forward + backward + Adam step on
 *   the 20 batched rounds alone (the part of the epoch that is not the game), measured in the same
 *   process. With the BLAS kernels available, the epoch is measured again on wasm+blas.
 * Every figure is a median wall time in ms; lower is better.
 */

import {
  anarchicHeatmap,
  barabasiAlbertNetworkx,
  CRD,
  completeGraph,
  createMlpPredictor,
  DifferentiableGame,
  rrmPopulation,
  rrmSummary,
  type TrainingObjective,
  trainPredictor,
} from '@paperkit/performative-game';
import { Adam, initBackend, Rng } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { BenchFigure } from '../figures.js';

/** Options of {@link benchPerformativeGame}. */
export interface PerformativeGameBenchOptions {
  /** Fewer repetitions and epochs (CI smoke run). */
  readonly quick?: boolean;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timeMs(fn: () => void, reps: number): number {
  fn();
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

/**
 * Median wall and process-CPU time of one `trainPredictor` epoch over `epochs` epochs after `warmup`
 * epochs. CPU time is reported too because on a shared machine wall time mostly measures the other
 * jobs; stock wasm is single-threaded, so its CPU time is its compute time.
 */
async function epochMs(
  game: DifferentiableGame,
  objective: TrainingObjective,
  epochs: number,
  warmup: number,
): Promise<{ wall: number; cpu: number }> {
  const predictor = createMlpPredictor(game.n, Rng.fromSeed(0).stream('bench'));
  const wall: number[] = [];
  const cpu: number[] = [];
  let lastWall = performance.now();
  let lastCpu = process.cpuUsage();
  await trainPredictor({
    game,
    predictor,
    objective,
    epochs: warmup + epochs,
    onEpoch: () => {
      const now = performance.now();
      const c = process.cpuUsage();
      wall.push(now - lastWall);
      cpu.push((c.user + c.system - lastCpu.user - lastCpu.system) / 1000);
      lastWall = now;
      lastCpu = c;
    },
  });
  predictor.dispose();
  return { wall: median(wall.slice(warmup)), cpu: median(cpu.slice(warmup)) };
}

/** The reference MLP's step on 20 batched token rows, without the game: forward, backward, Adam. */
async function mlpStepMs(n: number, rounds: number, reps: number): Promise<number> {
  const predictor = createMlpPredictor(n, Rng.fromSeed(0).stream('bench-mlp'));
  const opt = new Adam({ lr: 1e-4 });
  const tokens = tf.tensor2d(
    Int32Array.from({ length: rounds * n }, (_, i) => (i * 7) % 3),
    [rounds, n],
    'int32',
  );
  const idx = Array.from({ length: rounds }, (_, t) => t);
  const step = async () => {
    const { value, grads } = tf.variableGrads(
      () => tf.sum(predictor.predict(tokens, idx, true)) as tf.Scalar,
      predictor.params.variables(),
    );
    const byName: Record<string, tf.Tensor> = {};
    for (const [name, v] of Object.entries(predictor.params.tensors())) byName[name] = grads[v.name]!;
    opt.step(predictor.params, byName);
    await value.data();
    tf.dispose([value, grads]);
  };
  await step();
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await step();
    samples.push(performance.now() - t0);
  }
  tokens.dispose();
  opt.dispose();
  predictor.dispose();
  return median(samples);
}

/** Runs the performative-game benchmarks and returns their figures. */
export async function benchPerformativeGame(
  options: PerformativeGameBenchOptions = {},
): Promise<BenchFigure[]> {
  const quick = options.quick ?? false;
  const figures: BenchFigure[] = [];

  // Fig. 5: the heat map as the reference computes it, graphs included.
  const fig5 = new CRD({ e: 1, r: 0.6, c: 0.1, threshold: 0.5 });
  const alphas = Array.from({ length: 100 }, (_, i) => (i === 99 ? 1 : i * (1 / 99)));
  const sizes = Array.from({ length: 23 }, (_, i) => i + 3);
  const seeds = [0, 1, 2, 3, 4];
  const heatmapWithGraphs = () =>
    anarchicHeatmap({
      alphas,
      sizes,
      crd: fig5,
      graphs: (n) => seeds.map((s) => barabasiAlbertNetworkx(n, 2, s)),
    });
  const heatMs = timeMs(() => void heatmapWithGraphs(), quick ? 1 : 7);
  figures.push({
    name: 'Fig. 5 anarchic heat map, 100 α × 23 N × 5 BA graphs (graphs built inside)',
    value: heatMs,
    unit: 'ms',
    baseline: 1000,
    ratio: heatMs / 1000,
    note: 'target < 1 s (issue #6); baseline = the target',
  });
  const complete = timeMs(
    () => void anarchicHeatmap({ alphas, sizes, crd: fig5, graphs: (n) => [completeGraph(n)] }),
    quick ? 1 : 7,
  );
  figures.push({
    name: 'Fig. 5 anarchic heat map, complete graphs (100 α × 23 N)',
    value: complete,
    unit: 'ms',
  });

  // 10⁴ RRM trials on the training graph.
  const trials = quick ? 1000 : 10_000;
  const pop = rrmPopulation(barabasiAlbertNetworkx(20, 2, 0), new CRD());
  let seed = 0;
  const rrmMs = timeMs(() => void rrmSummary(pop, Rng.fromSeed(seed++), trials), quick ? 1 : 5);
  figures.push({
    name: `${trials} RRM trials on BA(20, 2, seed 0), T = 0.5`,
    value: rrmMs,
    unit: 'ms',
    baseline: 1000,
    ratio: rrmMs / 1000,
    note: 'target < 1 s for 10⁴ trials (issue #6); baseline = the target',
  });

  // One training epoch on wasm (stock kernels, then BLAS kernels when they load).
  const graph = barabasiAlbertNetworkx(20, 2, 0);
  const epochs = quick ? 2 : 12;
  const warmup = quick ? 1 : 3;
  for (const blas of ['off', 'auto'] as const) {
    const info = await initBackend({ prefer: 'wasm', blas });
    if (blas === 'auto' && !info.accelerated) break;
    const game = new DifferentiableGame({ graph, crd: new CRD({ threshold: 0.5 }), rounds: 20 });
    const mlp = await mlpStepMs(20, 20, quick ? 2 : 10);
    figures.push({
      name: `[${info.label}] reference MLP alone: forward + backward + Adam on 20 batched rounds`,
      value: mlp,
      unit: 'ms',
      note: '1.6M parameters (Embedding 3×128 per agent → 2560 → 512 → 512 → 20)',
    });
    for (const objective of ['group', 'accuracy', 'multitask'] as const) {
      const { wall, cpu } = await epochMs(game, objective, epochs, warmup);
      figures.push({
        name: `[${info.label}] training epoch, ${objective} objective (20 rounds, N = 20, reference MLP)`,
        value: wall,
        unit: 'ms',
        baseline: mlp,
        ratio: wall / mlp,
        note: `target < 100 ms (issue #6); baseline = the MLP step alone${objective === 'multitask' ? ' (multitask differentiates two losses)' : ''}`,
      });
      figures.push({
        name: `[${info.label}] training epoch, ${objective} objective, process CPU time`,
        value: cpu,
        unit: 'ms',
        note: 'CPU time of the process per epoch (robust to other jobs on a shared machine; BLAS threads add up)',
      });
    }
    game.dispose();
  }
  return figures;
}
