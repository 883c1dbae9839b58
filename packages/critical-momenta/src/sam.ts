import {
  checkPositive,
  type Optimizer,
  PaperkitInputError,
  type ParamsLike,
  toVariableRecord,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';

/** Options of {@link SAM}. */
export interface SamConfig {
  /** Neighbourhood radius ρ > 0; default 0.05 (the CM paper's grid is {0.01, 0.05, 0.1}, unverified). */
  readonly rho?: number;
}

/**
 * Sharpness-aware minimisation (Foret et al., ICLR 2021) around any tensor-core optimizer: the
 * gradient is taken at θ + ρ·g/‖g‖ (the worst point of a ρ-ball to first order) and handed to the
 * base optimizer, which steps from θ. The CM paper uses it as a baseline and combines it with CM
 * (`new SAM(new AdamCM(...))`). Two forward/backward passes per step, no host sync.
 */
export class SAM {
  /** The wrapped optimizer. */
  readonly base: Optimizer;
  /** Radius ρ. */
  readonly rho: number;

  constructor(base: Optimizer, config: SamConfig = {}) {
    if (!base || typeof (base as Optimizer).step !== 'function')
      throw new PaperkitInputError('base', base, 'a tensor-core Optimizer');
    this.base = base;
    this.rho = checkPositive('rho', config?.rho ?? 0.05);
  }

  /** Steps taken by the base optimizer. */
  get iterations(): number {
    return this.base.iterations;
  }

  /**
   * One SAM step on `loss`; returns the loss at the current (unperturbed) point, which the caller
   * disposes.
   */
  minimize(loss: () => tf.Scalar, params: ParamsLike): tf.Scalar {
    const vars = toVariableRecord(params);
    const entries = Object.entries(vars);
    const list = entries.map(([, v]) => v);
    const first = tf.variableGrads(loss, list);
    const saved: Record<string, tf.Tensor> = {};
    let restored = false;
    // Restore θ exactly (subtracting ε again would leave float32 rounding behind).
    const restore = (): void => {
      for (const [n, v] of entries) if (saved[n]) v.assign(saved[n]!);
      restored = true;
    };
    try {
      tf.tidy(() => {
        const gs = list.map((v) => first.grads[v.name]).filter((g): g is tf.Tensor => g !== undefined);
        const norm = tf.sqrt(tf.addN(gs.map((g) => tf.sum(tf.square(g)))));
        const scale = tf.div(this.rho, tf.add(norm, 1e-12));
        for (const [n, v] of entries) {
          const g = first.grads[v.name];
          if (!g) continue;
          saved[n] = tf.keep(tf.clone(v));
          v.assign(tf.add(v, tf.mul(g, scale)));
        }
      });
      const second = tf.variableGrads(loss, list);
      second.value.dispose();
      restore();
      const byName: Record<string, tf.Tensor> = {};
      for (const [n, v] of entries) {
        const g = second.grads[v.name];
        if (g && saved[n]) byName[n] = g;
      }
      try {
        this.base.step(vars, byName);
      } finally {
        tf.dispose(Object.values(second.grads));
      }
    } catch (err) {
      first.value.dispose();
      throw err;
    } finally {
      if (!restored) restore();
      tf.dispose(Object.values(first.grads));
      tf.dispose(Object.values(saved));
    }
    return first.value;
  }
}
