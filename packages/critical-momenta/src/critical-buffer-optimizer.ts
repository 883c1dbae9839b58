import {
  type BaseOptimizerConfig,
  type GradientTransformation,
  type LearningRate,
  Optimizer,
  type OptimizerSpec,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { bufferActive, type ResolvedBufferConfig } from './config.js';
import { asCriticalState, type CriticalState } from './critical-state.js';

/** Base settings of the tensor optimizers: tensor-core's, with the reference's default lr 1e-3. */
export interface TensorOptimizerConfig extends Omit<BaseOptimizerConfig, 'lr'> {
  /** Learning rate or schedule; default 1e-3 (the reference default). */
  readonly lr?: LearningRate;
}

/** Option names every critical optimizer accepts besides `lr` and `clipNorm`. */
export const BUFFER_CONFIG_KEYS = [
  'compat',
  'beta1',
  'beta2',
  'eps',
  'topC',
  'decay',
  'kappa',
  'weightDecay',
  'amsgrad',
  'criticalTest',
  'seed',
  'priority',
  'bufferSum',
] as const;

/** A read-only view of one tensor's buffer, for tests and diagnostics. */
export interface BufferSnapshot {
  /** Filled slots. */
  readonly size: number;
  /** Capacity C. */
  readonly capacity: number;
  /** Keys of the filled slots. */
  readonly keys: number[];
  /** Call (1-based) at which each filled slot was written. */
  readonly steps: number[];
  /** Copies of the filled slots' values (the caller disposes them). */
  readonly values: tf.Tensor[];
  /** Copy of the running sum S, or null when it is recomputed. */
  readonly sum: tf.Tensor | null;
}

/**
 * Base of {@link AdamCM} and {@link AdamCG}: an `Optimizer` whose chain holds a critical transform
 * (`criticalMomenta` or `criticalGradients`), with read access to that transform's buffers. The
 * buffers, keys, call counts and the `criticalTest` stream live in the transform's state, so
 * `getState`/`setState` carry them like any other state.
 */
export abstract class CriticalBufferOptimizer extends Optimizer {
  /** Validated settings. */
  readonly settings: ResolvedBufferConfig;
  private readonly critical: GradientTransformation<CriticalState>;

  protected constructor(
    spec: OptimizerSpec,
    critical: GradientTransformation<CriticalState>,
    settings: ResolvedBufferConfig,
  ) {
    super(spec);
    this.critical = critical;
    this.settings = settings;
  }

  private buffers(): CriticalState {
    return asCriticalState(this.stateOf(this.critical));
  }

  /** Whether this optimizer keeps a buffer at all. */
  get usesBuffer(): boolean {
    return bufferActive(this.settings);
  }

  /** Copies out the buffer of parameter `name` (null before its first step or without a buffer). */
  inspectBuffer(name: string): BufferSnapshot | null {
    const s = this.buffers();
    const k = s.keys.get(name);
    if (!k || !s.hasSlot(name, 'b0')) return null;
    const values = Array.from({ length: k.size }, (_, j) => tf.clone(s.peekSlot(name, `b${j}`)!));
    const sum = s.peekSlot(name, 'S');
    return {
      size: k.size,
      capacity: k.capacity,
      keys: Array.from(k.keys.subarray(0, k.size)),
      steps: Array.from(k.steps.subarray(0, k.size)),
      values,
      sum: sum ? tf.clone(sum) : null,
    };
  }

  /** Calls that updated parameter `name` so far. */
  callsOf(name: string): number {
    return this.buffers().paramCounter(name, 'count');
  }
}
