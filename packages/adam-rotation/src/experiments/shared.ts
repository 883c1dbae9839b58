import type { Rng } from '@paperkit/tensor-core';
import { createRotation, PAPER_SVD_EVERY } from '../create-rotation.js';
import type { ParamsDescription } from '../layout.js';
import type { Rotation, RotationScope } from '../rotation.js';

/** The paper's title, as experiments cite it. */
export const PAPER_TITLE = 'Understanding Adam Requires Better Rotation Dependent Assumptions';

/** Rounds to `digits` significant decimals for summaries (non-finite values pass through). */
export function round(x: number, digits = 4): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Spearman rank correlation of two equally long samples (average ranks for ties). */
export function spearman(a: readonly number[], b: readonly number[]): number {
  const rank = (x: readonly number[]) => {
    const idx = x.map((v, i) => [v, i] as const).sort((p, q) => p[0] - q[0]);
    const r = new Array<number>(x.length);
    for (let i = 0; i < idx.length; ) {
      let j = i;
      while (j + 1 < idx.length && idx[j + 1]![0] === idx[i]![0]) j++;
      for (let k = i; k <= j; k++) r[idx[k]![1]] = (i + j) / 2;
      i = j + 1;
    }
    return r;
  };
  const ra = rank(a);
  const rb = rank(b);
  const n = a.length;
  const ma = ra.reduce((s, v) => s + v, 0) / n;
  const mb = rb.reduce((s, v) => s + v, 0) / n;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    num += (ra[i]! - ma) * (rb[i]! - mb);
    da += (ra[i]! - ma) ** 2;
    db += (rb[i]! - mb) ** 2;
  }
  return da === 0 || db === 0 ? 0 : num / Math.sqrt(da * db);
}

/** How the small experiments build each scope's rotation. */
export interface ScopeSettings {
  /** Block size of `global` and `layer`. */
  readonly blockSize: number;
  /** SVD recompute period. */
  readonly svdEvery?: number;
  /** SVD: rotate every 2-D tensor (embeddings too), not only role `weight`. */
  readonly svdAllMatrices?: boolean;
}

/** The rotation of `scope` for `params`, with the experiments' conventions. */
export function scopeRotation(
  params: ParamsDescription,
  scope: RotationScope,
  rng: Rng,
  s: ScopeSettings,
): Rotation {
  if (scope === 'svd')
    return createRotation(params, {
      scope,
      every: s.svdEvery ?? PAPER_SVD_EVERY,
      ...(s.svdAllMatrices ? { include: (p) => p.shape.length === 2 } : {}),
    });
  if (scope === 'global' || scope === 'layer')
    return createRotation(params, { scope, blockSize: s.blockSize, rng });
  return createRotation(params, { scope, rng });
}

/** Display names of the scopes in tables and legends. */
export const SCOPE_LABEL: Record<RotationScope, string> = {
  none: 'none',
  global: 'global',
  layer: 'layer',
  fanIn: 'fanIn (per output neuron)',
  fanOut: 'fanOut (per input neuron)',
  tokenLocal: 'tokenLocal',
  svd: 'svd',
};

/** Every k-th point of a series (for plots), always keeping the last. */
export function thin(x: ArrayLike<number>, k: number): { x: number[]; y: number[] } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < x.length; i++)
    if ((i + 1) % k === 0 || i === x.length - 1) {
      xs.push(i + 1);
      ys.push(x[i]!);
    }
  return { x: xs, y: ys };
}
