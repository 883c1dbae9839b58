import type { Rng } from '@paperkit/tensor-core';

/** A case made ready on the active backend: `step` is what gets timed. */
export interface Prepared {
  readonly step: () => void;
  readonly dispose: () => void;
}

/** What every case gets when it prepares. */
export interface CaseContext {
  /** Seeded stream for this case's data and initial weights. */
  readonly rng: Rng;
  /** Which Adam the training cases use (see optimizer.ts). */
  readonly optimizer: 'tfjs' | 'paperkit';
}

/** One benchmark case, run on every setup. */
export interface BenchCase {
  /** Unique name, e.g. `matmul 1024`; `--filter` matches it. */
  readonly name: string;
  readonly group: 'matmul' | 'conv2d' | 'adam' | 'mlp' | 'cnn' | 'transformer';
  /** Floating-point operations per step, for GFLOP/s. */
  readonly flops?: number;
  /** Parameters updated per step (the Adam case reports ms per million). */
  readonly params?: number;
  /** Kernels the case needs; a setup lacking one reports n/a instead of failing. */
  readonly kernels?: readonly string[];
  prepare(ctx: CaseContext): Prepared;
}
