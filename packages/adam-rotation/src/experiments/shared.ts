import {
  type AdamConfig,
  AdamW,
  type CellContext,
  curves,
  derived,
  type LinesView,
  type Optimizer,
  type PaperRef,
  type ParamMap,
  type Reference,
  type Rng,
  trainInCell,
  warmupCosineSchedule,
  type XY,
} from '@paperkit/tensor-core';
import type * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { createRotation, PAPER_SVD_EVERY } from '../create-rotation.js';
import type { ParamsDescription } from '../layout.js';
import { rotated } from '../rotated-optimizer.js';
import { ROTATION_SCOPES, type Rotation, type RotationScope } from '../rotation.js';

/** The paper every experiment of this package reproduces. */
export const PAPER: PaperRef = {
  title: 'Understanding Adam Requires Better Rotation Dependent Assumptions',
  authors: 'Zhang, Maes, Milligan, Jolicoeur-Martineau, Mitliagkas, Scieur, Lacoste-Julien, Guille-Escuret',
  venue: 'NeurIPS 2025',
  year: 2025,
  url: 'https://arxiv.org/abs/2410.19964',
};

/** Config field: a rotation scope. */
export const scopeField = z.enum(ROTATION_SCOPES as [RotationScope, ...RotationScope[]]);

/** A learning rate inside the range where these small models train (a larger one is a typo, not a setting). */
export const lrField = (max: number) => z.number().positive().max(max);

/** `schema.refine(...including('scopes', 'none'))`: a list field must hold these values (the baselines). */
export const including = <K extends string>(field: K, ...values: string[]) =>
  [
    (c: Record<K, readonly string[]>) => values.every((v) => c[field].includes(v)),
    { message: `${field} must include ${values.map((v) => `'${v}'`).join(' and ')}` },
  ] as const;

export { qualitative } from '@paperkit/tensor-core';

/** A reference number from the implementation spec's own float64 numpy simulation of the setting. */
export const spec = (value: number | string, what: string): Reference => derived(value, what);

/**
 * Config fields of the bigram setting, bounded by what trains in minutes on this machine; the defaults
 * are the implementation spec's Tier 1 setting, shared by the bigram experiments.
 */
export const bigramFields = {
  vocab: z.int().min(2).max(2048).default(256), // V
  dim: z.int().min(1).max(256).default(32), // d: E ∈ R^{V×d}, W ∈ R^{d×V}
  exponent: z.number().positive().max(5).default(1.3), // Zipf exponent of the marginal and of every row
  batch: z.int().min(1).max(512).default(64),
  steps: z.int().min(50).max(10_000).default(1000),
  adamLr: lrField(1).default(1e-2),
  blockSize: z.int().min(1).max(4096).default(16), // n of the global and layer rotations
  svdEvery: z.int().min(1).max(1_000_000).default(50), // SVD recompute period F
  lastSteps: z.int().min(25).max(1_000_000).multipleOf(25).default(200), // final loss = mean minibatch loss of the last steps
};

/**
 * How the experiments build each scope's rotation: the block size of `global` and `layer`, the SVD
 * recompute period F, whether the SVD rotates every 2-D tensor (embeddings too, not only role `weight`),
 * and a filter of the parameters to rotate (the parameter-type ablation).
 */
export type ScopeSettings = Readonly<{
  blockSize: number;
  svdEvery?: number;
  svdAllMatrices?: boolean;
  include?: (p: { readonly name: string }) => boolean;
}>;

/** The rotation of `scope` for `params`, with the experiments' conventions. */
export function scopeRotation(
  params: ParamsDescription,
  scope: RotationScope,
  rng: Rng,
  s: ScopeSettings,
): Rotation {
  const include = s.include ? { include: s.include } : {};
  if (scope === 'svd')
    return createRotation(params, {
      scope,
      every: s.svdEvery ?? PAPER_SVD_EVERY,
      ...(s.svdAllMatrices ? { include: (p) => p.shape.length === 2 } : include),
    });
  if (scope === 'global' || scope === 'layer')
    return createRotation(params, { scope, blockSize: s.blockSize, rng, ...include });
  return createRotation(params, { scope, rng, ...include });
}

/** Mean of the last `k` steps of window-mean losses (each window ends at its `step`). */
export function tailMean(losses: readonly { step: number; loss: number }[], k: number): number {
  const last = losses.at(-1)!.step;
  const tail = losses.filter((l) => l.step > last - k);
  return tail.reduce((a, l) => a + l.loss, 0) / tail.length;
}

/** The AdamW runs of the transformer and the CNN: peak learning rate, warmup, budget, other options. */
export type AdamWSetup = ScopeSettings &
  Readonly<{ lr: number; warmup: number; steps: number; adamw: Omit<AdamConfig, 'lr'> }>;

/**
 * Trains `params` with AdamW in the basis of `scope` (rotation from `ctx.rng.stream('rotation')`), the
 * learning rate warmed up linearly, then cosine-decayed to a tenth (nanoGPT); `step(opt, i)` takes
 * step i. Returns the mean loss of the last 20% of steps and the curve of 25-step window means.
 */
export async function trainAdamW(
  ctx: CellContext,
  params: ParamMap,
  scope: RotationScope,
  s: AdamWSetup,
  step: (opt: Optimizer, i: number) => tf.Scalar,
): Promise<{ trainLoss: number; loss: XY }> {
  const rot = scopeRotation(params, scope, ctx.rng.stream('rotation'), s);
  const lr = warmupCosineSchedule({
    peak: s.lr,
    warmupSteps: s.warmup,
    totalSteps: s.steps,
    minLr: s.lr / 10,
  });
  const opt = rotated(new AdamW({ ...s.adamw, lr }), rot);
  try {
    const r = await trainInCell(ctx, { steps: s.steps, checkEvery: 25, step: (i) => step(opt, i) });
    const loss = { x: r.losses.map((l) => l.step), y: r.losses.map((l) => l.loss) };
    return { trainLoss: tailMean(r.losses, Math.ceil(s.steps / 5)), loss };
  } finally {
    opt.dispose();
  }
}

/** Caption of a training-loss curve. */
export const WINDOWS = 'Mean minibatch loss over 25-step windows';

/** The `loss` curves of {@link trainAdamW}, one per value of the cell parameter `by` (or per cell). */
export function lossCurves(
  title: string,
  by: string | undefined,
  o: { caption?: string; log?: boolean } = {},
): LinesView {
  const y = { label: 'training loss (nats)', ...(o.log ? { log: true } : {}) };
  return curves('loss', title, o.caption ?? WINDOWS, 'loss', y, by ? { by } : {});
}
