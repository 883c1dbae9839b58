import type { PaperRef, Reference, Rng, SeedTable } from '@paperkit/tensor-core';
import { z } from 'zod';
import { createRotation, PAPER_SVD_EVERY } from '../create-rotation.js';
import type { ParamsDescription } from '../layout.js';
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

/** A reference number from the implementation spec's own float64 numpy simulation of the setting. */
export const spec = (value: number | string, what = 'the spec’s float64 numpy simulation'): Reference => ({
  provenance: 'derived',
  value,
  source: what,
});

/** The paper's statement without a number we can compare. */
export const qualitative = (source: string): Reference => ({ provenance: 'qualitative', source });

/** How the experiments build each scope's rotation. */
export interface ScopeSettings {
  /** Block size of `global` and `layer`. */
  readonly blockSize: number;
  /** SVD recompute period F. */
  readonly svdEvery?: number;
  /** SVD: rotate every 2-D tensor (embeddings too), not only role `weight`. */
  readonly svdAllMatrices?: boolean;
  /** Rotate only the parameters this filter selects (the parameter-type ablation). */
  readonly include?: (p: { readonly name: string }) => boolean;
}

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

/**
 * The best (lowest) value of `metric` over the cells matching `where` in one seed's table, ignoring
 * diverged (non-finite) cells; NaN when every cell diverged.
 */
export function best(t: SeedTable, metric: string, where: Readonly<Record<string, string | number>>): number {
  const v = t.values(metric, where).filter(Number.isFinite);
  return v.length ? Math.min(...v) : Number.NaN;
}
