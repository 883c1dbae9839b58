import { checkInRange, checkInteger, PaperkitInputError, type Rng } from '@paperkit/tensor-core';
import type { Graph } from './graph.js';

/** Configuration of {@link randomGraph}. */
export interface RandomGraphConfig {
  /** `action` (d_z×d_a) or `temporal` (d_z×d_z with every diagonal entry forced to 1). */
  readonly kind: 'action' | 'temporal';
  /** d_z. */
  readonly latentDim: number;
  /** d_a (action graphs); default latentDim. */
  readonly actionDim?: number;
  /** Edge probability p ∈ [0, 1]. */
  readonly density: number;
}

/**
 * A random graph as the reference draws them (`--rand_g_density`): every entry is Bernoulli(p),
 * except the diagonal of a temporal graph, which is always 1 (edge probability min(1, I + p)). Entries
 * are drawn row-major from `rng` (the reference seeds numpy with 45321 + seed; streams differ).
 */
export function randomGraph(rng: Rng, config: RandomGraphConfig): Graph {
  if (config === null || typeof config !== 'object')
    throw new PaperkitInputError('config', config, 'an object { kind, latentDim, actionDim?, density }');
  if (config.kind !== 'action' && config.kind !== 'temporal')
    throw new PaperkitInputError('kind', config.kind, '"action" or "temporal"');
  const d = checkInteger('latentDim', config.latentDim, 1);
  const cols = config.kind === 'temporal' ? d : checkInteger('actionDim', config.actionDim ?? d, 1);
  if (config.kind === 'temporal' && config.actionDim !== undefined)
    throw new PaperkitInputError('actionDim', config.actionDim, 'absent for a temporal graph');
  const p = checkInRange('density', config.density, 0, 1);
  const data = new Float64Array(d * cols);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < cols; j++) {
      const u = rng.next();
      data[i * cols + j] = config.kind === 'temporal' && i === j ? 1 : u < p ? 1 : 0;
    }
  return { rows: d, cols, data };
}
