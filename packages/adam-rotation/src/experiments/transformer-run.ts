import {
  type CellContext,
  type CellResult,
  zipfLanguageModelFields,
  zipfLanguageModelTask,
} from '@paperkit/tensor-core';
import { z } from 'zod';
import type { RotationScope } from '../rotation.js';
import { type ScopeSettings, trainAdamW } from './shared.js';

/** Config fields of the tiny-transformer setting, bounded by what trains in minutes on this machine. */
export const transformerFields = {
  ...zipfLanguageModelFields,
  warmup: z.int().min(0).max(1_000_000).default(150), // linear warmup, then cosine decay to a tenth (nanoGPT)
  beta2: z.number().gt(0).lt(1).default(0.95), // AdamW β₂ (β₁ = 0.9)
  weightDecay: z.number().min(0).max(1).default(0.1), // decoupled
  clipNorm: z.number().positive().max(1e6).default(1), // global-norm clipping
  blockSize: z.int().min(1).max(4096).default(64), // n of the global and layer rotations
  svdEvery: z.int().min(1).max(1_000_000).default(100), // SVD recompute period F
};

/** The tiny-transformer setting. */
export type TransformerSetup = z.output<z.ZodObject<typeof transformerFields>>;

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
): Promise<CellResult<keyof typeof TRANSFORMER_METRICS>> {
  const task = zipfLanguageModelTask(ctx.rng, c);
  try {
    const { beta2, weightDecay, clipNorm } = c;
    const setup = { ...c, ...s, lr, adamw: { beta2, weightDecay, clipNorm } };
    const { trainLoss, loss } = await trainAdamW(ctx, task.params, scope, setup, (opt, i) =>
      task.step(opt, i),
    );
    return { metrics: { trainLoss, evalLoss: await task.heldOutLoss() }, series: { loss } };
  } finally {
    task.dispose();
  }
}
