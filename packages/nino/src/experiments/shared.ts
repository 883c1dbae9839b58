import type { PaperRef, Reference } from '@paperkit/tensor-core';

/** The paper every experiment of this package reproduces. */
export const PAPER: PaperRef = {
  title: 'Accelerating Training with Neuron Interaction and Nowcasting Networks',
  authors: 'Knyazev, Moudgil, Lajoie, Belilovsky, Lacoste-Julien',
  venue: 'ICLR 2025',
  year: 2025,
  url: 'https://arxiv.org/abs/2409.04434',
};

/**
 * A number of this package's calibration runs (seeds from 1000 on, which the runner's seeds do not
 * use; wasm+blas), recorded in the README's Reproduction section.
 */
export const calibration = (value: number | string, what: string, seeds = '1000–1004'): Reference => ({
  provenance: 'derived',
  value,
  source: `our calibration run, seeds ${seeds} (${what})`,
});

/** The paper's statement without a number we can compare. */
export const qualitative = (source: string): Reference => ({ provenance: 'qualitative', source });

/** A method or network name as a claim id fragment (`wnn+-public` → `wnn-plus-public`). */
export const slug = (s: string): string => s.replace(/\+/g, '-plus').replace(/[^a-z0-9-]/g, '-');
