import type * as tf from '@tensorflow/tfjs-core';
import { fusedAdamUpdate, fusedMomentumUpdate, fusedUpdatesAvailable } from '../backend/fused-adam.js';
import type { TransformState } from './state.js';
import type { StepContext } from './transform.js';

/**
 * A whole optimizer step in one native pass per parameter (update and write), for chains whose
 * arithmetic a fused kernel reproduces bit for bit. Returns false, having changed nothing, when the
 * kernels are not available here (no addon, stock kernels, another backend): the optimizer then runs
 * the chain's phases. It is checked once per step, so a step is never half fused.
 */
export type FusedStep = (
  params: Readonly<Record<string, tf.Variable>>,
  grads: Readonly<Record<string, tf.Tensor>>,
  state: TransformState,
  ctx: StepContext,
) => boolean;

/**
 * The fused form of `[addWeightDecay?] → scaleByAdam (no AMSGrad) → scaleByLearningRate →
 * [decoupledWeightDecay?]` (Adam and AdamW without clipping): the per-parameter step counts and the
 * `m`/`v` slots are the chain's own, so saved state, resume and the unfused path are unchanged.
 */
export function fusedAdamStep(o: {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly decoupled: boolean;
}): FusedStep {
  return (params, grads, state, ctx) => {
    if (!fusedUpdatesAvailable()) return false;
    const s = state.child('scaleByAdam');
    for (const n of ctx.names) {
      const g = grads[n]!;
      const t = s.paramCounter(n, 't') + 1;
      const m = s.slot(n, 'm', g);
      const v = s.slot(n, 'v', g);
      fusedAdamUpdate(params[n]!, g, m, v, { lr: ctx.lr, t, ...o });
      s.setParamCounter(n, 't', t);
    }
    return true;
  };
}

/**
 * The fused form of `[addWeightDecay?] → traceMomentum → scaleByLearningRate` (momentum SGD without
 * clipping), PyTorch's first step included (the buffer is the gradient when it does not exist yet).
 */
export function fusedMomentumStep(o: {
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
}): FusedStep {
  return (params, grads, state, ctx) => {
    if (!fusedUpdatesAvailable()) return false;
    const s = state.child('traceMomentum');
    for (const n of ctx.names) {
      const g = grads[n]!;
      const first = !s.hasSlot(n, 'momentum');
      const buf = s.slot(n, 'momentum', g);
      fusedMomentumUpdate(params[n]!, g, buf, { lr: ctx.lr, first, ...o });
    }
    return true;
  };
}
