import {
  afterStep,
  type GradientTransformation,
  PaperkitInputError,
  type ParamsLike,
  toVariableRecord,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { tieClusters } from '../metrics.js';

/**
 * Retraining with a fixed weight-sharing pattern (code `retrain`, `set_ws`): given cluster ids per
 * parameter (recorded by a {@link WeightSharingProx} with `recordClusters`), every weight is replaced by
 * its cluster mean. Attach {@link TiedRetraining.transform} to an optimizer with R and ℓ1 off, e.g.
 * `wrapOptimizer(new SGD({ lr }), (t) => chain(t, tied.transform))`.
 *
 * Deviation: the reference code ties the weights before every step, so the last step leaves them
 * slightly untied; here they are tied once at {@link TiedRetraining.tie} and after every step (projected
 * gradient descent onto the tied subspace), so the final model shares weights exactly.
 */
export class TiedRetraining {
  private readonly ids: ReadonlyMap<string, Int32Array>;

  /** @param clusters parameter name → cluster id of each (flattened) entry. */
  constructor(clusters: Record<string, Int32Array> | ReadonlyMap<string, Int32Array>) {
    const map = clusters instanceof Map ? clusters : new Map(Object.entries(clusters));
    if (map.size === 0)
      throw new PaperkitInputError('clusters', clusters, 'at least one parameter with cluster ids');
    for (const [name, ids] of map)
      if (!(ids instanceof Int32Array))
        throw new PaperkitInputError(`clusters.${name}`, ids, 'an Int32Array of cluster ids');
    this.ids = map;
  }

  /** A transform that re-ties the clusters after every step (stateless: the ids are fixed). */
  get transform(): GradientTransformation<undefined> {
    return afterStep('tiedRetraining', (params) => this.tie(params as Record<string, tf.Variable>));
  }

  /** Replaces each configured parameter by its cluster means (one host read per parameter). */
  tie(params: ParamsLike): void {
    const vars = toVariableRecord(params);
    tf.tidy(() => {
      for (const [name, ids] of this.ids) {
        const v = vars[name];
        if (!v)
          throw new PaperkitInputError(
            'clusters',
            name,
            `a parameter name (${Object.keys(vars).join(', ')})`,
          );
        if (v.size !== ids.length)
          throw new PaperkitInputError(
            `clusters.${name}`,
            ids,
            `an Int32Array of length ${v.size} (the size of ${name})`,
          );
        const tied = tieClusters(v.dataSync() as Float32Array, ids, new Float32Array(v.size));
        v.assign(tf.tensor(tied, v.shape, 'float32'));
      }
    });
  }
}
