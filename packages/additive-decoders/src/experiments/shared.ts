import {
  type CellContext,
  cellSink,
  PaperkitInputError,
  type PaperRef,
  throwIfAborted,
} from '@paperkit/tensor-core';
import { z } from 'zod';
import type { DeconvConfig } from '../models/deconv.js';
import type { Partition } from '../partition.js';
import { type AutoencoderFit, trainAutoencoder } from '../training/train-autoencoder.js';

/** The paper every experiment of this package reproduces. */
export const PAPER: PaperRef = {
  title: 'Additive Decoders for Latent Variables Identification and Cartesian-Product Extrapolation',
  authors: 'Lachapelle, Mahajan, Mitliagkas, Lacoste-Julien',
  venue: 'NeurIPS 2023',
  year: 2023,
  url: 'https://arxiv.org/abs/2307.02598',
};

/** The two decoders every training experiment compares. */
export const DECODERS = ['additive', 'non-additive'] as const;

/** A decoder kind of the experiments. */
export type DecoderKind = (typeof DECODERS)[number];

/** Schema fields shared by the training experiments (architecture and optimisation). */
export const trainingFields = {
  /** Encoder hidden widths (image → … → latents). */
  encoderHidden: z.array(z.int().min(1)).min(1),
  /** Hidden widths of each block decoder (latents of a block → … → image). */
  decoderHidden: z.array(z.int().min(1)).min(1),
  /** Negative slope of the leaky ReLU. */
  leakySlope: z.number().min(0).lt(1),
  /** Adam steps of the kept model. */
  steps: z.int().min(2).max(1_000_000),
  /** Minibatch size. */
  batchSize: z.int().min(1).max(100_000),
  /** Adam learning rate. */
  lr: z.number().positive().max(10),
  /** Final steps over which the learning rate decays to 0 (half cosine); 0 = constant. */
  decaySteps: z.int().min(0).max(1_000_000),
  /** Independent restarts per cell; the lowest validation reconstruction is kept (unsupervised model selection). */
  restarts: z.int().min(1).max(32),
  /** Steps every restart trains (all together) before only the best continues. */
  screenSteps: z.int().min(1).max(1_000_000),
  /** Steps between validation passes (best-validation checkpoint of the kept model). */
  evalEvery: z.int().min(1).max(1_000_000),
};

/** The resolved training fields. */
export interface TrainingConfig {
  readonly encoderHidden: readonly number[];
  readonly decoderHidden: readonly number[];
  readonly leakySlope: number;
  readonly steps: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly decaySteps: number;
  readonly restarts: number;
  readonly screenSteps: number;
  readonly evalEvery: number;
  /** A transposed-convolution head per block decoder. */
  readonly decoderDeconv?: DeconvConfig;
}

/**
 * Trains the cell's autoencoder on the cell's data: `restarts` initialisations screened together for
 * `screenSteps` steps, the best by validation reconstruction trained on to `steps`; the training
 * curve and validation losses go to the run's log, progress and abort come from the context. Initial
 * weights and minibatch orders come from `ctx.rng.stream('model')`, the same for both decoders at a seed.
 */
export function trainCellModel(
  c: TrainingConfig,
  decoder: 'additive-scalar' | 'non-additive' | Partition,
  data: { train: Float32Array; validation: Float32Array; inputDim: number; latentDim: number },
  ctx: CellContext,
): Promise<AutoencoderFit> {
  throwIfAborted(ctx.signal);
  ctx.progress.start('train', c.steps);
  return trainAutoencoder({
    ...data,
    decoder,
    encoderHidden: c.encoderHidden,
    decoderHidden: c.decoderHidden,
    ...(c.decoderDeconv ? { decoderDeconv: c.decoderDeconv } : {}),
    leakySlope: c.leakySlope,
    steps: c.steps,
    batchSize: c.batchSize,
    lr: c.lr,
    decaySteps: c.decaySteps,
    restarts: c.restarts,
    ...(c.restarts > 1 ? { screenSteps: Math.min(c.screenSteps, c.steps - 1) } : {}),
    evalEvery: c.evalEvery,
    rng: ctx.rng.stream('model'),
    signal: ctx.signal,
    sink: cellSink(ctx),
    onProgress: (p) => ctx.progress.update(p.step, `loss ${p.loss.toExponential(2)}`),
  });
}

/** The training curve of a fit: the screening's mean over restarts, then the kept restart. */
export function trainingCurve(fit: AutoencoderFit): { x: number[]; y: number[] } {
  const points = fit.trainLoss.flat();
  return { x: points.map((p) => p.step), y: points.map((p) => p.loss) };
}

/** Checks a cell parameter against its allowed values (cells built by hand can carry typos). */
export function checkParam<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T))
    throw new PaperkitInputError(
      `params.${name}`,
      value,
      `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`,
    );
  return value as T;
}
