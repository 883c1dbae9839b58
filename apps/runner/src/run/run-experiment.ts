import type {
  BackendInfo,
  Experiment,
  ExperimentContext,
  MetricRecord,
  ProgressReporter,
} from '@paperkit/tensor-core';
import { Rng } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { MemorySnapshot } from './manifest.js';
import { type RunEnd, serializeError } from './protocol.js';

/** `tf.memory()` reduced to the fields every backend reports. */
export function memorySnapshot(): MemorySnapshot {
  const m = tf.memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes, numDataBuffers: m.numDataBuffers };
}

/** What {@link runExperiment} needs besides the experiment and its config. */
export interface ContextParts {
  readonly seed: number;
  readonly preset: string;
  readonly backend: BackendInfo;
  readonly signal: AbortSignal;
  readonly progress: ProgressReporter;
  /** Receives each metrics record with the time it was written (ms epoch). */
  readonly onMetric: (record: MetricRecord, t: number) => void;
}

/**
 * Builds the ExperimentContext and runs the experiment on this thread's tfjs engine. Never throws:
 * the end is data (result or serialised error, with `tf.memory()` after the run), the same whether
 * it runs in a worker or in-process.
 */
export async function runExperiment(
  experiment: Experiment,
  config: unknown,
  p: ContextParts,
): Promise<RunEnd> {
  const ctx: ExperimentContext = {
    seed: p.seed,
    rng: Rng.fromSeed(p.seed),
    backend: p.backend,
    preset: p.preset,
    signal: p.signal,
    progress: p.progress,
    metrics: {
      write(record: MetricRecord): void {
        p.onMetric(record, Date.now());
      },
    },
  };
  const tensorsBefore = tf.memory().numTensors;
  try {
    const result = await experiment.run(config as never, ctx);
    const finalMemory = memorySnapshot();
    return { type: 'result', result, finalMemory, leaked: finalMemory.numTensors - tensorsBefore };
  } catch (err) {
    let finalMemory: MemorySnapshot | null = null;
    try {
      finalMemory = memorySnapshot();
    } catch {
      // A broken engine must not hide the experiment's own error.
    }
    return { type: 'error', error: serializeError(err), finalMemory };
  }
}
