import {
  type BackendInfo,
  blasStatus,
  type CellResult,
  type Experiment,
  type ProgressReporter,
  runCells,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { MemorySnapshot } from './manifest.js';
import { type CellMessage, type HostBackend, type RunEnd, serializeError } from './protocol.js';

/** `tf.memory()` reduced to the fields every backend reports. */
export function memorySnapshot(): MemorySnapshot {
  const m = tf.memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes, numDataBuffers: m.numDataBuffers };
}

/** The backend and its BLAS thread count (part of a run's identity when native kernels are on). */
export function hostBackend(info: BackendInfo): HostBackend {
  return { info, blasThreads: info.accelerated ? blasStatus().threads : null };
}

/** What {@link runSeed} needs besides the experiment and its config. */
export interface SeedParts {
  readonly seed: number;
  readonly preset: string;
  readonly backend: BackendInfo;
  readonly signal: AbortSignal;
  readonly progress: ProgressReporter;
  readonly cached: ReadonlyMap<string, CellResult>;
  readonly onLog: (
    cell: string,
    step: number,
    values: Readonly<Record<string, number | string>>,
    t: number,
  ) => void;
  readonly onCell: (cell: CellMessage) => void;
}

/**
 * Runs the cells of one seed on this thread's tfjs engine (tensor-core's `runCells`). Never throws:
 * the end is data (done, or a serialised error, with `tf.memory()` after the run), the same whether
 * it runs in a worker or in-process. Completed cells were already reported through `onCell`.
 */
export async function runSeed(experiment: Experiment, config: unknown, p: SeedParts): Promise<RunEnd> {
  const tensorsBefore = tf.memory().numTensors;
  try {
    await runCells(experiment, config, {
      seed: p.seed,
      preset: p.preset,
      backend: p.backend,
      signal: p.signal,
      progress: p.progress,
      cached: p.cached,
      log: (cell, step, values) => p.onLog(cell, step, values, Date.now()),
      onCell: (r, info) =>
        p.onCell({
          type: 'cell',
          key: r.cell.key,
          label: r.cell.label,
          params: r.cell.params,
          result: r.result,
          reused: info.reused,
          wallMs: info.wallMs,
        }),
    });
    const finalMemory = memorySnapshot();
    return { type: 'done', finalMemory, leaked: finalMemory.numTensors - tensorsBefore };
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
