import {
  AdamW,
  type CellContext,
  type CellResult,
  cellSink,
  train,
  warmupCosineSchedule,
  zipfLanguageModelFields,
  zipfLanguageModelTask,
} from '@paperkit/tensor-core';
import { z } from 'zod';
import { rotated } from '../rotated-optimizer.js';
import type { RotationScope } from '../rotation.js';
import { type ScopeSettings, scopeRotation, tailMean } from './shared.js';

/** Config fields of the tiny-transformer setting, bounded by what trains in minutes on this machine. */
export const transformerFields = {
  ...zipfLanguageModelFields,
  warmup: z.int().min(0).max(1_000_000), // linear warmup, then cosine decay to a tenth (nanoGPT)
  beta2: z.number().gt(0).lt(1), // AdamW β₂ (β₁ = 0.9)
  weightDecay: z.number().min(0).max(1), // decoupled
  clipNorm: z.number().positive().max(1e6), // global-norm clipping
  blockSize: z.int().min(1).max(4096), // n of the global and layer rotations
  svdEvery: z.int().min(1).max(1_000_000), // SVD recompute period F
};

/** The tiny-transformer setting. */
export type TransformerSetup = z.output<z.ZodObject<typeof transformerFields>>;

/** The metrics every transformer cell returns. */
export type TransformerMetric = 'trainLoss' | 'evalLoss';

/** Metric declarations of the transformer experiments. */
export const TRANSFORMER_METRICS = {
  trainLoss: { label: 'training loss, last 20% of steps (nats)', better: 'lower', digits: 4 },
  evalLoss: { label: 'held-out loss (nats)', better: 'lower', digits: 4 },
} as const;

/**
 * Trains tensor-core's pre-LN causal transformer (fused QKV, split into Q, K, V by the layer scope)
 * with AdamW (warmup + cosine, β₂, decoupled weight decay, clipping) on Zipfian Markov text, in the
 * basis of `scope`. Data from `ctx.rng.stream('data' | 'train' | 'eval')`, weights from `init`, the
 * rotation from `rotation`: every cell of a seed sees the same text and starts from the same weights.
 */
export async function trainTransformer(
  c: TransformerSetup,
  scope: RotationScope,
  lr: number,
  ctx: CellContext,
  s: Partial<ScopeSettings> = {},
): Promise<CellResult<TransformerMetric>> {
  const task = zipfLanguageModelTask(ctx.rng, c);
  const params = task.params;
  const rot = scopeRotation(params, scope, ctx.rng.stream('rotation'), {
    blockSize: c.blockSize,
    svdEvery: c.svdEvery,
    ...s,
  });
  const schedule = warmupCosineSchedule({
    peak: lr,
    warmupSteps: c.warmup,
    totalSteps: c.steps,
    minLr: lr / 10,
  });
  const adamw = new AdamW({ lr: schedule, beta2: c.beta2, weightDecay: c.weightDecay, clipNorm: c.clipNorm });
  const opt = rotated(adamw, rot);
  try {
    ctx.progress.start('training', c.steps);
    const r = await train({
      steps: c.steps,
      checkEvery: 25,
      signal: ctx.signal,
      sink: cellSink(ctx),
      onProgress: (p) => ctx.progress.update(p.step, `loss ${p.loss.toFixed(3)}`),
      step: (i) => task.step(opt, i),
    });
    const evalLoss = await task.heldOutLoss();
    return {
      metrics: { trainLoss: tailMean(r.losses, Math.ceil(c.steps / 5)), evalLoss },
      series: { loss: { x: r.losses.map((l) => l.step), y: r.losses.map((l) => l.loss) } },
    };
  } finally {
    opt.dispose();
    task.dispose();
  }
}
