import {
  type CellParams,
  type Experiment,
  evaluateClaim,
  type Optimizer,
  type ResultRow,
  SeedTable,
  type Verdict,
} from '@paperkit/tensor-core';
import { fakeCellContext } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import type { CriticalBuffer64 } from '../src/index.js';

/** f = ½θ² from θ₀ = 1 (the spec's oracle problem): the iterates after each call, tensor optimizer. */
export function halfSquareTensor(opt: Optimizer, calls: number, theta0 = 1): number[] {
  const x = tf.variable(tf.tensor1d([theta0]));
  const out: number[] = [];
  for (let i = 0; i < calls; i++) {
    opt.minimize(() => tf.mul(0.5, tf.sum(tf.square(x))) as tf.Scalar, { x }).dispose();
    out.push(x.dataSync()[0]!);
  }
  x.dispose();
  return out;
}

/** Same with a Float64 optimizer. */
export function halfSquare64(opt: CriticalBuffer64, calls: number, theta0 = 1): number[] {
  const x = Float64Array.of(theta0);
  const out: number[] = [];
  for (let i = 0; i < calls; i++) {
    opt.step({ x }, { x: Float64Array.of(x[0]!) });
    out.push(x[0]!);
  }
  return out;
}

/** A small multi-tensor least-squares problem with fixed data: loss = Σ_ℓ ½‖A_ℓ θ_ℓ − b_ℓ‖² + coupling. */
export interface MultiProblem {
  readonly shapes: Record<string, number[]>;
  readonly init: Record<string, Float64Array>;
  /** Gradient at the given (float64) parameters. */
  grad(p: Record<string, Float64Array>): Record<string, Float64Array>;
}

/**
 * Deterministic problem with three tensors of different sizes and curvatures, and a time-varying
 * forcing term so priorities rise and fall (which exercises insertion and rejection).
 */
export function multiProblem(): MultiProblem {
  const shapes = { a: [3], b: [2, 2], c: [5] };
  const init: Record<string, Float64Array> = {
    a: Float64Array.of(1, -2, 0.5),
    b: Float64Array.of(0.3, 0.7, -1.1, 2),
    c: Float64Array.of(-0.4, 0.9, 1.5, -2.5, 0.05),
  };
  let call = 0;
  return {
    shapes,
    init,
    grad(p) {
      call++;
      const f = Math.sin(call * 0.9) * 2;
      const out: Record<string, Float64Array> = {};
      for (const [n, v] of Object.entries(p)) {
        const g = new Float64Array(v.length);
        for (let i = 0; i < v.length; i++)
          g[i] = (1 + i) * v[i]! + f * (i % 2 === 0 ? 1 : -0.5) + 0.1 * n.charCodeAt(0) * 0.01;
        out[n] = g;
      }
      return out;
    },
  };
}

/**
 * Runs every cell of `e` (or those `keep` selects) at each seed as the runner would (a fresh root
 * stream of the seed per cell) and judges the experiment's claims across those seeds.
 */
export async function judgeOverSeeds(
  e: Experiment,
  config: Readonly<Record<string, unknown>>,
  seeds: readonly number[],
  keep: (params: CellParams) => boolean = () => true,
): Promise<{ verdicts: Record<string, Verdict>; tables: SeedTable[] }> {
  const tables: SeedTable[] = [];
  for (const seed of seeds) {
    const rows: ResultRow[] = [];
    for (const cell of e.cells(config as never).filter((c) => keep(c.params))) {
      const r = await e.cell(config as never, cell.params, fakeCellContext(seed));
      rows.push({ seed, cell: cell.key, label: cell.label, params: cell.params, metrics: r.metrics });
    }
    tables.push(new SeedTable(seed, rows));
  }
  const verdicts: Record<string, Verdict> = {};
  for (const c of e.claims?.(config as never) ?? [])
    verdicts[c.id] = evaluateClaim(c, tables, e.deterministic);
  return { verdicts, tables };
}
