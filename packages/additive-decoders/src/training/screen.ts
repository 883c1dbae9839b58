import {
  Adam,
  type BatchCursor,
  currentBackend,
  type MetricSink,
  type OptimizerState,
  type SavedTensor,
  type TrainProgress,
  type TransformStateJson,
  train,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { Autoencoder } from '../models/autoencoder.js';
import { type HostRows, reconstructionMse } from '../models/host.js';
import type { HostBatches } from './host-batches.js';

/** One restart of a screening: its model (trained in place) and its minibatch order. */
export interface ScreenRun {
  readonly model: Autoencoder;
  /**
   * Its minibatch order, from its own stream and continued across the screening and the rest of
   * training, so a screened restart sees exactly the batches it would have seen trained alone.
   */
  readonly batches: BatchCursor;
}

/** Settings of {@link screenRestarts}. */
export interface ScreenOptions {
  readonly steps: number;
  /** Learning rate by 0-based step. */
  readonly schedule: (t: number) => number;
  readonly weightDecay: number;
  readonly validation: HostRows;
  readonly checkEvery: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: TrainProgress) => void;
  readonly sink?: MetricSink;
}

/** What {@link screenRestarts} leaves: each restart's validation loss and optimizer state. */
export interface ScreenResult {
  /** Validation MSE of every restart after the screening steps. */
  readonly validationLoss: Float64Array;
  /** Every restart's Adam state, to continue it alone exactly where the screening left it. */
  readonly optimizerStates: OptimizerState[];
  /** Mean training loss over the restarts at each check. */
  readonly losses: { step: number; loss: number }[];
}

/**
 * How restarts are stepped together: `stacked` — parameters stacked along a leading axis and one
 * batched matMul per layer for all restarts (with the BLAS kernels, 8 stacked restarts of the headline
 * cost a fraction of 8 separate steps: these small networks' steps are dominated by per-operation
 * overhead, see apps/bench); `lockstep` — one ordinary step per restart in turn (stock wasm multiplies
 * batched operands with a transposed side, which every gradient has, far slower than plain ones).
 */
export type ScreenMode = 'stacked' | 'lockstep';

/** The faster screening mode on the current backend. */
export function defaultScreenMode(): ScreenMode {
  const info = currentBackend();
  const name = info?.name ?? tf.getBackend();
  return name === 'wasm' && !info?.accelerated ? 'lockstep' : 'stacked';
}

/**
 * Trains K restarts together for `steps` Adam steps, each on its own minibatches with its own
 * gradient and Adam update: equal (up to float rounding of batched products) to training each restart
 * alone for `steps` steps. Leaves the trained parameters in every model and returns their validation
 * losses and optimizer states, so the best can continue alone exactly where it stopped.
 */
export async function screenRestarts(
  runs: readonly ScreenRun[],
  data: HostBatches,
  o: ScreenOptions & { readonly mode: ScreenMode },
): Promise<ScreenResult> {
  const stepper = o.mode === 'stacked' ? stackedStepper(runs, data, o) : lockstepStepper(runs, data, o);
  try {
    const result = await train({
      steps: o.steps,
      checkEvery: o.checkEvery,
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      ...(o.sink ? { sink: { write: (rec) => o.sink!.write({ ...rec, restart: 'all (screening)' }) } } : {}),
      step: () => stepper.step(runs.map((r) => r.batches.next())),
    });
    const optimizerStates = stepper.finish();
    const validationLoss = new Float64Array(runs.length);
    for (const [i, r] of runs.entries()) validationLoss[i] = await reconstructionMse(r.model, o.validation);
    return { validationLoss, optimizerStates, losses: result.losses };
  } finally {
    stepper.dispose();
  }
}

interface Stepper {
  /** One step of every restart on its minibatch; returns the mean loss over restarts. */
  step(batches: readonly Int32Array[]): tf.Scalar;
  /** Writes the parameters back into the models; returns every restart's optimizer state. */
  finish(): OptimizerState[];
  dispose(): void;
}

/**
 * Parameters stacked along a leading axis; the loss is the sum of the restarts' mean squared errors,
 * so each restart gets exactly its own gradient, and Adam, being elementwise, its own update.
 */
function stackedStepper(runs: readonly ScreenRun[], data: HostBatches, o: ScreenOptions): Stepper {
  const k = runs.length;
  const first = runs[0]!.model;
  const names = Object.keys(first.variables());
  const stacked: Record<string, tf.Variable> = {};
  for (const name of names)
    stacked[name] = tf.tidy(() => tf.variable(tf.stack(runs.map((r) => r.model.variables()[name]!)), true));
  const opt = new Adam({ lr: o.schedule, weightDecay: o.weightDecay });
  return {
    step: (batches) =>
      tf.tidy(() => {
        // Restarts share the data size and batch size, so their batches have equal lengths.
        const x = data.stacked(batches);
        const total = opt.minimize(() => {
          const y = first.decoder.applyWith(stacked, first.encoder.applyWith(stacked, x) as tf.Tensor3D);
          // Σ_k mean_k: the mean over every entry times K.
          return tf.mul(tf.mean(tf.square(tf.sub(y, x))), k) as tf.Scalar;
        }, stacked);
        return tf.div(total, k) as tf.Scalar;
      }),
    finish: () => {
      for (const name of names) {
        const slices = tf.unstack(stacked[name]!);
        for (const [i, r] of runs.entries()) r.model.variables()[name]!.assign(slices[i]!);
        tf.dispose(slices);
      }
      const state = opt.getState();
      return runs.map((_, i) => sliceState(state, i));
    },
    dispose: () => {
      opt.dispose();
      tf.dispose(Object.values(stacked));
    },
  };
}

/** One ordinary Adam step per restart in turn, on the models' own variables. */
function lockstepStepper(runs: readonly ScreenRun[], data: HostBatches, o: ScreenOptions): Stepper {
  const opts = runs.map(() => new Adam({ lr: o.schedule, weightDecay: o.weightDecay }));
  const vars = runs.map((r) => r.model.variables());
  return {
    step: (batches) =>
      tf.tidy(() => {
        const losses = runs.map((r, i) => {
          const x = data.batch(batches[i]!);
          return opts[i]!.minimize(() => r.model.loss(x), vars[i]!);
        });
        return tf.div(tf.addN(losses), runs.length) as tf.Scalar;
      }),
    finish: () => opts.map((opt) => opt.getState()),
    dispose: () => {
      for (const opt of opts) opt.dispose();
    },
  };
}

/** Restart `i`'s part of an optimizer state saved over parameters stacked along a leading axis. */
export function sliceState(state: OptimizerState, i: number): OptimizerState {
  const params: Record<string, number[]> = {};
  for (const [name, shape] of Object.entries(state.params)) params[name] = shape.slice(1);
  return { ...state, params, transform: sliceTransform(state.transform, i) };
}

function sliceTransform(t: TransformStateJson, i: number): TransformStateJson {
  const out: { -readonly [K in keyof TransformStateJson]: TransformStateJson[K] } = { ...t };
  if (t.params)
    out.params = Object.fromEntries(
      Object.entries(t.params).map(([name, p]) => [
        name,
        p.slots
          ? {
              ...p,
              slots: Object.fromEntries(Object.entries(p.slots).map(([s, v]) => [s, sliceTensor(v, i)])),
            }
          : p,
      ]),
    );
  if (t.children)
    out.children = Object.fromEntries(
      Object.entries(t.children).map(([key, c]) => [key, sliceTransform(c, i)]),
    );
  return out;
}

function sliceTensor(v: SavedTensor, i: number): SavedTensor {
  const shape = v.shape.slice(1);
  const size = shape.reduce((a, b) => a * b, 1);
  return { shape, data: v.data.slice(i * size, (i + 1) * size) };
}
