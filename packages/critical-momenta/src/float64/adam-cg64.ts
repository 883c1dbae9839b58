import { firstMoment64 } from '@paperkit/tensor-core';
import { type AdamCGOptions, type ResolvedAdamCG, resolveAdamCG } from '../adam-cg.js';
import { CriticalBuffer64, type Float64OptimizerConfig, type State64 } from './critical64.js';

/** Configuration of {@link AdamCG64}. */
export interface AdamCG64Config extends Float64OptimizerConfig, AdamCGOptions {}

/** {@link AdamCG} on Float64Arrays (same algorithm, settings and buffer decisions). */
export class AdamCG64 extends CriticalBuffer64 {
  readonly name = 'AdamCG64';
  declare readonly settings: ResolvedAdamCG;

  constructor(config: AdamCG64Config = {}) {
    super(config, resolveAdamCG(config));
  }

  protected update(p: Float64Array, g: Float64Array, st: State64, pi: number, lr: number): void {
    const c = this.settings;
    const keys = this.ensureKeys(st);
    const agg = Float64Array.from(g);
    if (keys && keys.size > 0) {
      const total = this.bufferTotal(st, new Float64Array(p.length));
      const k = this.kappaWeight;
      const n = keys.size;
      for (let i = 0; i < p.length; i++) {
        if (c.aggregator === 'mean') agg[i] = (g[i]! + total[i]! * k) / (n + 1);
        else agg[i] = (g[i]! + (total[i]! / n) * k) * (c.aggregator === 'mid' ? 0.5 : 1);
      }
    }
    if (keys) this.offer(st, g, pi);
    if (c.weightDecay !== 0) for (let i = 0; i < p.length; i++) agg[i]! += c.weightDecay * p[i]!;
    for (let i = 0; i < p.length; i++) st.m[i] = firstMoment64(st.m[i]!, agg[i]!, c.beta1);
    this.adamStep(p, st.m, agg, st, lr);
  }
}
