import type { PaperRef, Reference } from '@paperkit/tensor-core';

/** The paper every experiment of this package reproduces. */
export const PAPER: PaperRef = {
  title: 'Weight-Sharing Regularization',
  authors: 'Shakerinava, Sohrabi, Ravanbakhsh, Lacoste-Julien',
  venue: 'AISTATS 2024 (PMLR 238:4204–4212)',
  year: 2024,
  url: 'https://arxiv.org/abs/2311.03096',
};

/** A reference computed by our own analysis or simulation of the paper's setting. */
export const derived = (value: number, source: string): Reference => ({
  provenance: 'derived',
  value,
  source,
});

/** A reference without a number: the paper's statement. */
export const qualitative = (source: string): Reference => ({ provenance: 'qualitative', source });

/** The prox algorithms as a zod enum tuple. */
export const ALGORITHMS = ['pav', 'end', 'imminent', 'search'] as const;
