import {
  Adam,
  BatchCursor,
  checkAllFinite,
  checkInteger,
  checkNonNegative,
  checkOneOf,
  checkPositive,
  type MetricRecord,
  type MetricSink,
  type OptimizerState,
  PaperkitInputError,
  Rng,
  type TrainProgress,
  train,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { Autoencoder, type AutoencoderConfig } from '../models/autoencoder.js';
import { checkRows, type HostRows, reconstructionMse } from '../models/host.js';
import { HostBatches } from './host-batches.js';
import { defaultScreenMode, type ScreenMode, type ScreenRun, screenRestarts } from './screen.js';

/** Defaults of {@link trainAutoencoder} (the validated CPU-scale setting, see the README's Fidelity section). */
export const TRAIN_DEFAULTS = {
  /** Optimisation steps (minibatches). */
  steps: 12_000,
  /** Minibatch size (the reference's ScalarLatents batch). */
  batchSize: 64,
  /** Adam learning rate (the reference scripts). */
  lr: 1e-3,
  /**
   * Adam's coupled L2 coefficient. The reference's 5e-4 acts on a loss over 0–255 pixels; on 0–1
   * images the same relative strength is 5e-4/255² ≈ 8e-9, i.e. none.
   */
  weightDecay: 0,
  /** Independent restarts; the lowest validation reconstruction is kept (unsupervised model selection). */
  restarts: 3,
  /** Steps between validation passes (best-validation checkpoint). */
  evalEvery: 500,
  /** Final steps over which the learning rate decays to 0 (half cosine); 0 keeps it constant. */
  decaySteps: 0,
} as const;

/** Options of {@link trainAutoencoder}. */
export interface TrainAutoencoderOptions extends Omit<AutoencoderConfig, 'inputDim'> {
  /** Training images, row-major n × inputDim. */
  readonly train: HostRows;
  /** Validation images (same support, e.g. a quarter of the training size as the reference), m × inputDim. */
  readonly validation: HostRows;
  /** Input size (pixels × channels). */
  readonly inputDim: number;
  /** Seeded stream: `init` draws the weights, `batches` the minibatch order. */
  readonly rng: Rng;
  /** Optimisation steps; default {@link TRAIN_DEFAULTS}.steps. */
  readonly steps?: number;
  /** Minibatch size; default 64. */
  readonly batchSize?: number;
  /** Adam learning rate; default 1e-3. */
  readonly lr?: number;
  /**
   * The last `decaySteps` steps lower the rate to 0 along a half cosine (constant before); default 0.
   * The reference's StepLR (γ 0.75 every 10k epochs) is constant over its 6000 epochs.
   */
  readonly decaySteps?: number;
  /** Adam coupled weight decay; default 0 (see {@link TRAIN_DEFAULTS}). */
  readonly weightDecay?: number;
  /** Independent restarts; default 3. */
  readonly restarts?: number;
  /**
   * Screening: train every restart together for this many steps (see `screenRestarts`: stacked,
   * one batched step for all), then continue only the restart with the lowest validation
   * reconstruction to `steps`. Without it every restart is trained for `steps` steps, one after the
   * other. Whether a run reaches the identifiable solution is decided early (within a few hundred
   * steps here), so screening buys many restarts for the price of a few.
   */
  readonly screenSteps?: number;
  /**
   * How screened restarts are stepped: `stacked` (batched matMuls over the restarts) or `lockstep`
   * (one ordinary step per restart); default the faster on the current backend (`lockstep` on wasm
   * without BLAS). The numbers agree up to float rounding.
   */
  readonly screenMode?: ScreenMode;
  /**
   * `best` (default, the reference's `ValidationHelper`): each restart keeps the parameters of its lowest
   * validation loss seen at the evaluations; `last`: the final parameters.
   */
  readonly checkpoint?: 'best' | 'last';
  /** Steps between validation passes; default 500 (and always after the last step). */
  readonly evalEvery?: number;
  /** Steps between host reads of the loss (divergence guard, progress); default 50. */
  readonly checkEvery?: number;
  /** Stops training between steps (throws an AbortError). */
  readonly signal?: AbortSignal;
  /** Progress callback; steps count across restarts (restart r's step i is r·steps + i). */
  readonly onProgress?: (p: TrainProgress) => void;
  /** Receives `{ step, loss, restart }` records and validation records `{ step, val, restart }`. */
  readonly sink?: MetricSink;
}

/** What {@link trainAutoencoder} returns; dispose it when done. */
export interface AutoencoderFit {
  /** The selected restart (lowest validation reconstruction) at its kept checkpoint. */
  readonly model: Autoencoder;
  /**
   * Every fully trained restart at its kept checkpoint, in restart order: all of them without
   * screening, only the selected one with screening.
   */
  readonly models: readonly Autoencoder[];
  /** Index of the selected restart. */
  readonly selected: number;
  /**
   * Validation MSE of every restart: at its kept checkpoint when fully trained, at the end of the
   * screening for the restarts the screening dropped.
   */
  readonly validationLoss: Float64Array;
  /** With screening: validation MSE of every restart at the end of the screening. */
  readonly screenValidationLoss?: Float64Array;
  /**
   * Training loss (window mean of minibatch MSE) at each check of each fully trained restart, in the
   * order of `models`; with screening, the screening's mean over restarts, then the selected restart.
   */
  readonly trainLoss: readonly (readonly { readonly step: number; readonly loss: number }[])[];
  /** Releases every model. */
  dispose(): void;
}

/**
 * Trains a deterministic autoencoder by minibatch Adam on the mean squared reconstruction error (the
 * reference's `AE.train`), `restarts` times from independent initialisations and minibatch orders
 * (streams `restart-0`, `restart-1`, … of `rng`), each keeping its best-validation checkpoint, and
 * selects the restart with the lowest validation reconstruction: the unsupervised model selection that
 * discards collapsed runs. With `screenSteps`, the restarts are first trained together for that many
 * steps and only the best continues. Nothing is read back from the device between the loop's checks;
 * validation runs every `evalEvery` steps.
 */
export async function trainAutoencoder(o: TrainAutoencoderOptions): Promise<AutoencoderFit> {
  if (o === null || typeof o !== 'object') throw new PaperkitInputError('options', o, 'an options object');
  const inputDim = checkInteger('inputDim', o.inputDim, 1);
  checkRows('train', o.train, inputDim);
  checkRows('validation', o.validation, inputDim);
  const steps = checkInteger('steps', o.steps ?? TRAIN_DEFAULTS.steps, 1);
  const batchSize = checkInteger('batchSize', o.batchSize ?? TRAIN_DEFAULTS.batchSize, 1);
  const lr = checkPositive('lr', o.lr ?? TRAIN_DEFAULTS.lr);
  const weightDecay = checkNonNegative('weightDecay', o.weightDecay ?? TRAIN_DEFAULTS.weightDecay);
  const restarts = checkInteger('restarts', o.restarts ?? TRAIN_DEFAULTS.restarts, 1);
  const checkpoint = checkOneOf('checkpoint', o.checkpoint ?? 'best', ['best', 'last'] as const);
  const evalEvery = checkInteger('evalEvery', o.evalEvery ?? TRAIN_DEFAULTS.evalEvery, 1);
  const checkEvery = checkInteger('checkEvery', o.checkEvery ?? 50, 1);
  const decaySteps = checkInteger('decaySteps', o.decaySteps ?? TRAIN_DEFAULTS.decaySteps, 0);
  if (decaySteps > steps)
    throw new PaperkitInputError('decaySteps', decaySteps, `an integer from 0 to steps (${steps})`);
  const screenSteps = o.screenSteps === undefined ? undefined : checkInteger('screenSteps', o.screenSteps, 1);
  if (screenSteps !== undefined && screenSteps >= steps)
    throw new PaperkitInputError('screenSteps', screenSteps, `an integer below steps (${steps})`);
  if (!(o.rng instanceof Rng)) throw new PaperkitInputError('rng', o.rng, 'an Rng (e.g. Rng.fromSeed(0))');
  checkAllFinite('train', o.train);
  checkAllFinite('validation', o.validation);
  const screenMode = checkOneOf('screenMode', o.screenMode ?? defaultScreenMode(), [
    'stacked',
    'lockstep',
  ] as const);
  const {
    train: _t,
    validation: _v,
    rng,
    steps: _s,
    restarts: _r,
    screenSteps: _sc,
    screenMode: _sm,
    ...rest
  } = o;
  const config: AutoencoderConfig = { ...rest, inputDim };
  // Validates the architecture before any data is uploaded.
  Autoencoder.init(rng.stream('probe'), config).dispose();
  const schedule = decaySchedule(lr, steps, decaySteps);
  const run = { schedule, weightDecay, checkpoint, evalEvery, checkEvery, batchSize, steps };
  // A copy: training awaits between checks, and the caller's array may change meanwhile.
  const data = new HostBatches(Float32Array.from(o.train), inputDim);
  if (screenSteps !== undefined && restarts > 1)
    return await screenThenTrain(o, data, config, { ...run, restarts, screenSteps, screenMode });
  return await trainEach(o, data, config, { ...run, restarts });
}

/** Constant `lr`, then a half cosine to 0 over the last `decaySteps` of `steps` (by 0-based step). */
function decaySchedule(lr: number, steps: number, decaySteps: number): (t: number) => number {
  const start = steps - decaySteps;
  return (t) => (t < start ? lr : 0.5 * lr * (1 + Math.cos((Math.PI * (t - start)) / decaySteps)));
}

interface RunSettings {
  readonly schedule: (t: number) => number;
  readonly weightDecay: number;
  readonly checkpoint: 'best' | 'last';
  readonly evalEvery: number;
  readonly checkEvery: number;
  readonly batchSize: number;
  readonly steps: number;
  readonly restarts: number;
}

function selectLowest(losses: Float64Array): number {
  let selected = 0;
  for (let r = 1; r < losses.length; r++) if (losses[r]! < losses[selected]!) selected = r;
  return selected;
}

function fitOf(
  models: Autoencoder[],
  selected: number,
  validationLoss: Float64Array,
  trainLoss: { step: number; loss: number }[][],
  screenValidationLoss?: Float64Array,
): AutoencoderFit {
  const model = models.length === 1 ? models[0]! : models[selected]!;
  return {
    model,
    models,
    selected,
    validationLoss,
    ...(screenValidationLoss ? { screenValidationLoss } : {}),
    trainLoss,
    dispose: () => {
      for (const m of models) m.dispose();
    },
  };
}

/** Every restart trained for `steps`, one after the other. */
async function trainEach(
  o: TrainAutoencoderOptions,
  data: HostBatches,
  config: AutoencoderConfig,
  s: RunSettings,
): Promise<AutoencoderFit> {
  const models: Autoencoder[] = [];
  const validationLoss = new Float64Array(s.restarts);
  const trainLoss: { step: number; loss: number }[][] = [];
  try {
    for (let r = 0; r < s.restarts; r++) {
      const stream = o.rng.stream(`restart-${r}`);
      const model = Autoencoder.init(stream.stream('init'), config);
      try {
        const one = await trainOne(model, data, o, {
          ...s,
          batches: new BatchCursor(data.count, s.batchSize, stream.stream('batches')),
          restart: r,
          from: 0,
          offset: r * s.steps,
          total: s.restarts * s.steps,
        });
        models.push(one.model);
        validationLoss[r] = one.validationLoss;
        trainLoss.push(one.losses);
      } finally {
        if (!models.includes(model)) model.dispose();
      }
    }
  } catch (e) {
    for (const m of models) m.dispose();
    throw e;
  }
  return fitOf(models, selectLowest(validationLoss), validationLoss, trainLoss);
}

/** Every restart together for `screenSteps` (see `screenRestarts`), then the best alone to `steps`. */
async function screenThenTrain(
  o: TrainAutoencoderOptions,
  data: HostBatches,
  config: AutoencoderConfig,
  s: RunSettings & { readonly screenSteps: number; readonly screenMode: ScreenMode },
): Promise<AutoencoderFit> {
  const runs: ScreenRun[] = [];
  let kept: Autoencoder | null = null;
  try {
    for (let r = 0; r < s.restarts; r++) {
      const stream = o.rng.stream(`restart-${r}`);
      runs.push({
        model: Autoencoder.init(stream.stream('init'), config),
        batches: new BatchCursor(data.count, s.batchSize, stream.stream('batches')),
      });
    }
    const screen = await screenRestarts(runs, data, {
      steps: s.screenSteps,
      mode: s.screenMode,
      schedule: s.schedule,
      weightDecay: s.weightDecay,
      validation: o.validation,
      checkEvery: s.checkEvery,
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.onProgress ? { onProgress: (p: TrainProgress) => o.onProgress!({ ...p, total: s.steps }) } : {}),
      ...(o.sink ? { sink: o.sink } : {}),
    });
    const selected = selectLowest(screen.validationLoss);
    const one = await trainOne(runs[selected]!.model, data, o, {
      ...s,
      batches: runs[selected]!.batches,
      restart: selected,
      from: s.screenSteps,
      offset: 0,
      total: s.steps,
      optimizerState: screen.optimizerStates[selected]!,
    });
    kept = one.model;
    const validationLoss = Float64Array.from(screen.validationLoss);
    validationLoss[selected] = one.validationLoss;
    return fitOf([kept], selected, validationLoss, [screen.losses, one.losses], screen.validationLoss);
  } finally {
    for (const r of runs) if (r.model !== kept) r.model.dispose();
  }
}

interface OneRun extends RunSettings {
  readonly batches: BatchCursor;
  readonly restart: number;
  /** First step (0, or where the screening stopped: the optimizer state continues from there). */
  readonly from: number;
  /** Added to logged and reported steps (restart r of sequential runs starts at r·steps). */
  readonly offset: number;
  /** Total steps reported to `onProgress`. */
  readonly total: number;
  /** Adam state to continue from (after screening). */
  readonly optimizerState?: OptimizerState;
}

/**
 * One restart from step `from` to `steps`: Adam steps on minibatches gathered on the host,
 * validation every `evalEvery` steps, and (checkpoint `best`) a copy of the parameters at each new
 * best validation loss. Returns the model to keep: `model` itself, or its best copy (the caller then
 * disposes `model`); never disposes `model`.
 */
async function trainOne(
  model: Autoencoder,
  data: HostBatches,
  o: TrainAutoencoderOptions,
  run: OneRun,
): Promise<{ model: Autoencoder; validationLoss: number; losses: { step: number; loss: number }[] }> {
  const vars = model.variables();
  const opt = new Adam({ lr: run.schedule, weightDecay: run.weightDecay });
  if (run.optimizerState) opt.setState(run.optimizerState, vars);
  let best: Autoencoder | null = null;
  let bestLoss = Number.POSITIVE_INFINITY;
  const shift = run.offset + run.from;
  const sink = o.sink;
  try {
    const result = await train({
      steps: run.steps - run.from,
      checkEvery: run.checkEvery,
      evalEvery: run.evalEvery,
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.onProgress
        ? {
            onProgress: (p: TrainProgress) => o.onProgress!({ ...p, step: shift + p.step, total: run.total }),
          }
        : {}),
      ...(sink
        ? {
            sink: {
              write: (rec: MetricRecord) =>
                sink.write({ ...rec, step: shift + rec.step, restart: run.restart }),
            },
          }
        : {}),
      step: () => {
        const idx = run.batches.next();
        return tf.tidy(() => {
          const xb = data.batch(idx);
          return opt.minimize(() => model.loss(xb), vars);
        });
      },
      evaluate: async () => {
        const val = await reconstructionMse(model, o.validation);
        if (val < bestLoss) {
          bestLoss = val;
          if (run.checkpoint === 'best') {
            best?.dispose();
            best = model.clone();
          }
        }
        return { val };
      },
    });
    const losses = result.losses.map((l) => ({ step: run.from + l.step, loss: l.loss }));
    if (run.checkpoint === 'best' && best !== null) {
      const kept: Autoencoder = best;
      best = null;
      return { model: kept, validationLoss: bestLoss, losses };
    }
    return { model, validationLoss: await reconstructionMse(model, o.validation), losses };
  } finally {
    opt.dispose();
    (best as Autoencoder | null)?.dispose();
  }
}
