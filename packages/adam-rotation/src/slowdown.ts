import { PaperkitInputError } from '@paperkit/tensor-core';

/** A loss curve: `loss` after `step` steps. */
export type LossCurve = { step: number; loss: number }[];

/**
 * First step at which the running minimum of `c` reaches `target`, interpolating linearly between
 * evaluations; Infinity when it never does.
 */
function reach(c: LossCurve, target: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < c.length; i++) {
    const next = Math.min(best, c[i]!.loss);
    if (next <= target) {
      if (i === 0) return c[0]!.step;
      const f = (best - target) / (best - next);
      return c[i - 1]!.step + f * (c[i]!.step - c[i - 1]!.step);
    }
    best = next;
  }
  return Number.POSITIVE_INFINITY;
}

/**
 * Training slowdown of `run` against `base` (the paper's Fig. 1 reading: the extra fraction of steps
 * a rotated run needs to reach the same loss), on the running minimum of each curve, so that noise
 * between evaluations cannot decide it (pass exact or held-out losses, not minibatch ones). The target
 * is the worse of the two runs' best losses, which both reach: slowdown = (steps `run` takes to reach
 * it) / (steps `base` takes) − 1, so 0 for the same curve, > 0 when slower, < 0 when faster. Infinity
 * when the run never improved on its starting loss.
 */
export function slowdown(base: LossCurve, run: LossCurve): number {
  for (const [name, c] of [
    ['base', base],
    ['run', run],
  ] as const)
    if (!Array.isArray(c) || c.length === 0 || c.some((p) => !Number.isFinite(p?.step)))
      throw new PaperkitInputError(name, c, 'a non-empty loss curve of { step, loss } points');
  const runBest = Math.min(...run.map((p) => p.loss));
  if (runBest >= run[0]!.loss) return Number.POSITIVE_INFINITY;
  const target = Math.max(runBest, Math.min(...base.map((p) => p.loss)));
  return reach(run, target) / reach(base, target) - 1;
}
