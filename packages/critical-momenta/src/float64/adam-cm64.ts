import { firstMoment64 } from '@paperkit/tensor-core';
import { type AdamCMOptions, type ResolvedAdamCM, resolveAdamCM } from '../adam-cm.js';
import { CriticalBuffer64, type Float64OptimizerConfig, type State64 } from './critical64.js';

/** Configuration of {@link AdamCM64}. */
export interface AdamCM64Config extends Float64OptimizerConfig, AdamCMOptions {}

/**
 * {@link AdamCM} on Float64Arrays: the same algorithm, settings and buffer decisions, in double
 * precision and without tensors. Use it for exact small problems (the toy landscapes, hand tables).
 */
export class AdamCM64 extends CriticalBuffer64 {
  readonly name = 'AdamCM64';
  declare readonly settings: ResolvedAdamCM;

  constructor(config: AdamCM64Config = {}) {
    super(config, resolveAdamCM(config));
  }

  protected update(p: Float64Array, g: Float64Array, st: State64, pi: number, lr: number): void {
    const c = this.settings;
    const wd = 1 - lr * c.weightDecay;
    if (c.weightDecay !== 0) for (let i = 0; i < p.length; i++) p[i]! *= wd;
    const fresh = st.keys === undefined;
    const keys = this.ensureKeys(st);
    if (keys && fresh && c.compat === 'reference') {
      // Q1: seed with the raw gradient; m, v stay zero and nothing moves.
      this.store(st, 0, g, pi);
      return;
    }
    for (let i = 0; i < p.length; i++) st.m[i] = firstMoment64(st.m[i]!, g[i]!, c.beta1);
    const u = Float64Array.from(st.m);
    if (keys && keys.size > 0) {
      const total = this.bufferTotal(st, new Float64Array(p.length));
      const k = this.kappaWeight;
      for (let i = 0; i < p.length; i++) u[i]! += (total[i]! / keys.size) * k;
    }
    if (keys) this.offer(st, st.m, pi);
    this.adamStep(p, u, c.secondMoment === 'gradient' ? g : u, st, lr);
  }
}
