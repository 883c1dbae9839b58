import {
  abortPoint,
  checkInRange,
  checkInteger,
  checkMatrix,
  checkPositive,
  DivergenceError,
  type Matrix,
  type MatrixLike,
  PaperkitInputError,
  type Rng,
  SGD,
  throwIfAborted,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { alphaWeights } from './alpha.js';
import type { LinearRecovery } from './angle-search.js';
import { axisAlignmentLoss } from './criterion.js';
import { referenceLinearMap } from './datasets.js';
import { checkFullRank, conditionRatio, RANK_TOLERANCE } from './linear-maps.js';

/**
 * The paper's recovery: gradient descent on a linear map W (z' = W·x, no bias) with the loss
 * −Σ α_i ‖v̂_i‖_∞ per batch, SGD with momentum (reference notebooks `results_*.ipynb`).
 */

/** Per-epoch report of {@link trainLinearUnmixing}. */
export interface EpochReport {
  /** Epoch number, from 1. */
  readonly epoch: number;
  /** Mean batch loss over the epoch. */
  readonly loss: number;
  /** W at the end of the epoch. */
  readonly unmixing: Matrix;
}

/** Options of {@link trainLinearUnmixing}. Defaults are the notebooks'. */
export interface TrainLinearOptions {
  /** Parzen σ; default 0.1. */
  readonly sigma?: number;
  /** Point weights over the whole dataset; default {@link alphaWeights} of `x` (computed once, as the paper). */
  readonly alpha?: ArrayLike<number>;
  /**
   * Learning rate; default 0.1 (the notebooks'). The step scales with the α mass of a batch, which is
   * batchSize/n when α is normalised over all n points: the notebooks' 0.1 at n = 50 000 and batches of
   * 5000 is the step of lr = 0.01·n/batchSize elsewhere (five times larger steps at n = 10 000 freeze W:
   * its norm grows until the scale-invariant loss barely moves it).
   */
  readonly lr?: number;
  /** Heavy-ball momentum (PyTorch semantics); default 0.9. */
  readonly momentum?: number;
  /** Batch size (capped at n); default 5000. */
  readonly batchSize?: number;
  /** Epochs; default 50 (the non-factorised notebook; the factorised one runs 200). */
  readonly epochs?: number;
  /**
   * `false` (default, the notebooks' DataLoader without shuffling): fixed consecutive batches,
   * ⌊n/batch⌋ per epoch (the last partial batch dropped). `true`: a fresh random batch every step
   * (the spec's recommendation at small n).
   */
  readonly shuffle?: boolean;
  /** Initial W; default {@link referenceLinearMap} drawn from `rng` (the notebooks' init). */
  readonly init?: MatrixLike;
  /** Return the W of the epoch with the lowest mean loss instead of the last; default false (the paper's). */
  readonly keepBest?: boolean;
  /** Re-initialisations allowed when W becomes rank deficient or the loss non-finite; default 3. */
  readonly maxReinitializations?: number;
  /** σ_min/σ_max of W below which it counts as rank deficient; default {@link RANK_TOLERANCE} (1e-6). */
  readonly rankTolerance?: number;
  /** Query rows per kernel block; default `defaultChunkSize(n)`. */
  readonly chunkSize?: number;
  /** Called after every epoch (one host read per epoch). */
  readonly onEpoch?: (report: EpochReport) => void;
  /** Stops between steps. */
  readonly signal?: AbortSignal;
}

/** What {@link trainLinearUnmixing} returns. */
export interface GradientRecovery extends LinearRecovery {
  readonly method: 'gradient';
  /** Mean batch loss per epoch. */
  readonly losses: readonly number[];
  /** Times W was re-initialised after becoming rank deficient. */
  readonly reinitializations: number;
  /** Epoch whose W is returned. */
  readonly epoch: number;
}

/**
 * Trains W by SGD with momentum on the criterion. α is computed once on the whole (standardised)
 * dataset, so a batch's weights sum to its share of the data, as in the paper (≈ 0.1 per batch of
 * 5000 out of 50 000). W and the epoch's summed loss are read back once per epoch; when W has become
 * rank deficient (σ_min/σ_max < `rankTolerance`, where the criterion is undefined and gives NaN) or the loss is
 * not finite, W is re-drawn from `rng` and the optimizer restarted, at most `maxReinitializations`
 * times.
 */
export async function trainLinearUnmixing(
  x: MatrixLike,
  rng: Rng,
  options: TrainLinearOptions = {},
): Promise<GradientRecovery> {
  checkMatrix('x', x);
  const { rows: n, cols: d } = x;
  const sigma = checkPositive('sigma', options.sigma ?? 0.1);
  const lr = checkPositive('lr', options.lr ?? 0.1);
  const momentum = checkInRange('momentum', options.momentum ?? 0.9, 0, 1, '[)');
  const batch = Math.min(n, checkInteger('batchSize', options.batchSize ?? 5000, 2));
  const epochs = checkInteger('epochs', options.epochs ?? 50, 1);
  const maxReinit = checkInteger('maxReinitializations', options.maxReinitializations ?? 3, 0);
  const rankTolerance = checkInRange('rankTolerance', options.rankTolerance ?? RANK_TOLERANCE, 0, 1, '[)');
  const chunk = options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize };
  if (options.init !== undefined) {
    checkFullRank('init', options.init);
    if (options.init.rows !== d) throw new PaperkitInputError('init', options.init, `a ${d}×${d} matrix`);
  }
  const alpha = options.alpha ?? (await alphaWeights(x, { sigma, ...chunk })).alpha;
  if (alpha.length !== n) throw new PaperkitInputError('alpha', alpha, `an array of ${n} weights`);
  const initRng = rng.stream('init');
  const batchRng = rng.stream('batches');
  const draw = (): Matrix => {
    for (let tries = 0; tries < 100; tries++) {
      const w = referenceLinearMap(initRng, d);
      if (conditionRatio(w) >= RANK_TOLERANCE) return w;
    }
    throw new Error('could not draw a full-rank initial W');
  };
  const xT = tf.tensor2d(Float32Array.from(x.data), [n, d]);
  const alphaT = tf.tensor1d(Float32Array.from(alpha));
  const start = options.init ?? draw();
  const w = tf.tidy(() => tf.variable(tf.tensor2d(Float32Array.from(start.data), [d, d]), true));
  let opt = new SGD({ lr, momentum });
  const stepsPerEpoch = Math.floor(n / batch);
  const losses: number[] = [];
  let reinitializations = 0;
  let best: { loss: number; w: Matrix; epoch: number } | null = null;
  let last: Matrix = { rows: d, cols: d, data: Float64Array.from(start.data) };
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      let sum: tf.Scalar = tf.scalar(0);
      for (let s = 0; s < stepsPerEpoch; s++) {
        if (options.signal) throwIfAborted(options.signal);
        const idx = options.shuffle ? batchRng.sampleWithoutReplacement(n, batch) : null;
        const loss = opt.minimize(
          () =>
            tf.tidy(() => {
              const xb = idx
                ? tf.gather(xT, tf.tensor1d(idx, 'int32'))
                : tf.slice(xT, [s * batch, 0], [batch, d]);
              const ab = idx
                ? tf.gather(alphaT, tf.tensor1d(idx, 'int32'))
                : tf.slice(alphaT, [s * batch], [batch]);
              const z = tf.matMul(xb, w, false, true) as tf.Tensor2D;
              return axisAlignmentLoss(z, { sigma, alpha: ab as tf.Tensor1D, ...chunk });
            }),
          { W: w },
        );
        const next = tf.add(sum, loss) as tf.Scalar;
        tf.dispose([sum, loss]);
        sum = next;
      }
      const meanLoss = (await sum.data())[0]! / stepsPerEpoch;
      sum.dispose();
      const current: Matrix = { rows: d, cols: d, data: Float64Array.from(await w.data()) };
      if (!Number.isFinite(meanLoss) || conditionRatio(current) < rankTolerance) {
        if (reinitializations >= maxReinit)
          throw new DivergenceError(
            epoch * stepsPerEpoch,
            meanLoss,
            losses.at(-1) ?? null,
            `W became rank deficient or the loss non-finite ${reinitializations + 1} times (maxReinitializations ${maxReinit})`,
          );
        reinitializations++;
        const fresh = draw();
        tf.tidy(() => w.assign(tf.tensor2d(Float32Array.from(fresh.data), [d, d])));
        opt.dispose();
        opt = new SGD({ lr, momentum });
        losses.push(Number.NaN);
        last = fresh;
        await abortPoint(options.signal ?? new AbortController().signal);
        continue;
      }
      losses.push(meanLoss);
      last = current;
      if (!best || meanLoss < best.loss) best = { loss: meanLoss, w: current, epoch };
      options.onEpoch?.({ epoch, loss: meanLoss, unmixing: current });
      await abortPoint(options.signal ?? new AbortController().signal);
    }
  } finally {
    opt.dispose();
    w.dispose();
    tf.dispose([xT, alphaT]);
  }
  const keep = options.keepBest && best ? best : { loss: losses.at(-1)!, w: last, epoch: epochs };
  return {
    method: 'gradient',
    unmixing: keep.w,
    loss: keep.loss,
    evaluations: epochs * stepsPerEpoch,
    losses,
    reinitializations,
    epoch: keep.epoch,
  };
}
