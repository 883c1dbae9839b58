import { checkInteger, PaperkitInputError, type Rng } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { MaskedVae, VaeBatch } from '../model/masked-vae.js';
import { type CheckedData, checkSequenceData, type SequenceData, uploadData } from './data.js';

/**
 * Model selection without ground truth: train `count` candidates from different initialisations (and
 * minibatch orders and noise) for `screenSteps` steps each, keep the one whose learned graph gives the
 * lowest negative ELBO on held-out data, and continue only that one to `steps`.
 *
 * Why this is legitimate: under the sparsity constraint the true graph is the only one of its size that
 * can reach the maximum likelihood (the paper's identifiability argument), so a run that settled on a
 * wrong graph of the same size is a worse local optimum of the same objective, and the held-out ELBO,
 * computed from the observations alone, ranks it below. It is the usual restart heuristic (as for
 * k-means), not a use of the true latents or graph; `count: 1` (the default) is a single run.
 */
export interface RestartOptions {
  /** Candidates (≥ 1); candidate 0 is the run without restarts, candidate r draws from `rng.stream('restart-r')`. */
  readonly count: number;
  /**
   * Steps each candidate trains before the selection (≥ 1, at most `steps`); the winner continues to
   * `steps`. Default `steps` (complete restarts). A screen must at least cover the bound's annealing,
   * where the graph is chosen; right at its end a candidate still reorganising its encoder can score
   * worse than one settled on a wrong graph (the package README's headline runs), so screen well past it.
   */
  readonly screenSteps?: number;
  /** Held-out data scored by the selection (same dimensions as the training data); default the training data. */
  readonly validation?: SequenceData;
}

/** Validated {@link RestartOptions}. */
export interface ResolvedRestarts {
  readonly count: number;
  readonly screenSteps: number;
  readonly validation: SequenceData | null;
}

/** Validates restart options against the training data's dimensions and the planned steps. */
export function resolveRestarts(
  options: RestartOptions | undefined,
  data: CheckedData,
  steps: number,
): ResolvedRestarts {
  if (options === undefined) return { count: 1, screenSteps: steps, validation: null };
  if (options === null || typeof options !== 'object')
    throw new PaperkitInputError('restarts', options, 'an object { count, screenSteps?, validation? }');
  const count = checkInteger('restarts.count', options.count, 1);
  const screenSteps = checkInteger('restarts.screenSteps', options.screenSteps ?? steps, 1);
  if (screenSteps > steps)
    throw new PaperkitInputError('restarts.screenSteps', screenSteps, `an integer <= steps (${steps})`);
  if (options.validation === undefined) return { count, screenSteps, validation: null };
  const v = checkSequenceData('restarts.validation', options.validation);
  if (v.observedDim !== data.observedDim || v.actionDim !== data.actionDim || v.temporal !== data.temporal)
    throw new PaperkitInputError(
      'restarts.validation',
      `d_x ${v.observedDim}, d_a ${v.actionDim}, ${v.temporal ? 'temporal' : 'not temporal'}`,
      `the training data's dimensions (d_x ${data.observedDim}, d_a ${data.actionDim}, ${data.temporal ? 'temporal' : 'not temporal'})`,
    );
  return { count, screenSteps, validation: options.validation };
}

/**
 * The negative ELBO per observed dimension (the training objective without sparsity term) of `model` on
 * `data`, with the learned graphs as hard masks 1[log α > 0] so that the score is that of the graph the
 * run settled on, not of a mask sample. Encoder noise comes from `rng`; chunks of `chunk` rows are
 * summed on the device and read back once.
 */
export function heldOutLoss(model: MaskedVae, data: SequenceData, rng: Rng, chunk = 4096): number {
  const checked = checkSequenceData('data', data);
  checkInteger('chunk', chunk, 1);
  const device = uploadData(data);
  const n = checked.count;
  let total: tf.Scalar = tf.scalar(0);
  try {
    for (let s = 0; s < n; s += chunk) {
      const rows = Math.min(chunk, n - s);
      const next = tf.tidy(() => {
        const part = (t: tf.Tensor2D) => tf.slice(t, [s, 0], [rows, t.shape[1]]) as tf.Tensor2D;
        const batch: VaeBatch = {
          x: part(device.x),
          ...(device.previous ? { previous: part(device.previous) } : {}),
          ...(device.actions ? { actions: part(device.actions) } : {}),
        };
        const { loss } = model.loss(batch, rng, { hardMasks: true });
        return tf.add(total, tf.mul(loss, rows)) as tf.Scalar;
      });
      total.dispose();
      total = next;
    }
    return total.dataSync()[0]! / n;
  } finally {
    total.dispose();
    device.dispose();
  }
}
