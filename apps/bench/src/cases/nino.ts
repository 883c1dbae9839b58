/**
 * Benchmarks of @paperkit/nino (issue 14, performance):
 * - neural-graph construction for a ~1e6-parameter MLP (target < 1 s);
 * - one nowcast of a ~1e5-parameter MLP with NiNo-small (target < 2 s on wasm+blas, < 6 s on stock
 *   wasm), timed as `PreparedNowcast.run` (scaling, edge features, the GNN forward pass, unscaling):
 *   the Laplacian encoding and the device graph are computed once per architecture and reported
 *   separately. Beside it, one Adam step of the same model (batch 64) in the same process: the ratio is
 *   how many training steps a nowcast costs.
 */
import {
  buildNeuralGraph,
  graphFromParamMap,
  laplacianPE,
  mlpLayers,
  type NinoModel,
  prepareNowcast,
} from '@paperkit/nino';
import { loadShippedCheckpoint } from '@paperkit/nino/node';
import {
  Adam,
  applyMlp,
  currentBackend,
  initBackend,
  initMlp,
  Rng,
  softmaxCrossEntropy,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { BenchFigure } from '../figures.js';

/** Options of {@link benchNino}. */
export interface NinoBenchOptions {
  /** Small sizes that only check the benchmark starts (CI). */
  readonly quick?: boolean;
  /** Timed repetitions per figure (median reported); default 5 (quick 2). */
  readonly rounds?: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timeAsync(rounds: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

const paramsOf = (sizes: readonly number[]) => sizes.slice(1).reduce((n, w, i) => n + (sizes[i]! + 1) * w, 0);

/** Graph construction, LPE, nowcast and Adam-step figures on the wasm backend with and without BLAS. */
export async function benchNino(options: NinoBenchOptions = {}): Promise<BenchFigure[]> {
  const quick = options.quick ?? false;
  const rounds = options.rounds ?? (quick ? 2 : 5);
  const previous = currentBackend();
  const figures: BenchFigure[] = [];
  // 1024-768-256-10: 986,634 parameters (≈1e6); 256-256-128-10: 99,978 (≈1e5).
  const big = quick ? [64, 48, 10] : [1024, 768, 256, 10];
  const small = quick ? [32, 32, 10] : [256, 256, 128, 10];

  const buildMs = await timeAsync(rounds, () => buildNeuralGraph(mlpLayers(big)));
  figures.push({
    name: `nino: graph construction, MLP ${big.join('-')} (${paramsOf(big)} params)`,
    value: buildMs,
    unit: 'ms',
    baseline: 1000,
    ratio: buildMs / 1000,
    note: 'target < 1 s (issue 14)',
  });

  const rng = Rng.fromSeed(14);
  const setups: { label: string; blas: 'auto' | 'off'; target: number }[] = [
    { label: 'wasm+blas', blas: 'auto', target: 2000 },
    { label: 'wasm', blas: 'off', target: 6000 },
  ];
  let nino: NinoModel | null = null;
  try {
    for (const s of setups) {
      const info = await initBackend({ prefer: 'wasm', blas: s.blas });
      if (info.label !== s.label) {
        figures.push({
          name: `nino: nowcast on ${s.label}`,
          value: Number.NaN,
          unit: 'ms',
          note: `n/a (got ${info.label})`,
        });
        continue;
      }
      nino ??= await loadShippedCheckpoint('nino_small');
      const params = initMlp(rng.stream('model'), { sizes: small });
      const graph = graphFromParamMap(params);
      const theta = await params.flatten();
      const drift = rng.stream('drift').fillNormal(new Float32Array(theta.length), 0, 1e-3);
      const history = Array.from({ length: 5 }, (_, t) => theta.map((x, i) => x + t * drift[i]!));
      const t0 = performance.now();
      const lpe = laplacianPE(graph);
      const lpeMs = performance.now() - t0;
      const prepared = prepareNowcast(nino, graph, { lpe });
      const nowcastMs = await timeAsync(rounds, () => prepared.run(history, 10));
      prepared.dispose();
      const opt = new Adam({ lr: 1e-3 });
      const x = tf.randomNormal([64, small[0]!], 0, 1, 'float32', 1);
      const y = tf.tensor1d(
        Int32Array.from({ length: 64 }, (_, i) => i % small.at(-1)!),
        'int32',
      );
      const vars = params.tensors();
      const stepMs = await timeAsync(rounds * 4, async () => {
        const l = opt.minimize(
          () => softmaxCrossEntropy(applyMlp(vars, x, { sizes: small }), y) as tf.Scalar,
          vars,
        );
        await l.data();
        l.dispose();
      });
      opt.dispose();
      tf.dispose([x, y]);
      params.dispose();
      figures.push(
        {
          name: `nino: nowcast with NiNo-small, MLP ${small.join('-')} (${theta.length} params) on ${s.label}`,
          value: nowcastMs,
          unit: 'ms',
          baseline: s.target,
          ratio: nowcastMs / s.target,
          note: `target < ${s.target / 1000} s; ${graph.numEdges} edges; LPE (once per architecture) ${lpeMs.toFixed(0)} ms`,
        },
        {
          name: `nino: Adam step of the same MLP, batch 64, on ${s.label}`,
          value: stepMs,
          unit: 'ms',
          ratio: nowcastMs / stepMs,
          note: 'ratio = one nowcast in Adam steps (step savings are not wall-clock savings at this size)',
        },
      );
    }
  } finally {
    nino?.dispose();
    if (previous) await initBackend({ prefer: previous.name, blas: previous.accelerated ? 'auto' : 'off' });
  }
  return figures;
}
