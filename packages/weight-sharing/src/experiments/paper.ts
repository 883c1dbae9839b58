import type { PaperRef } from '@paperkit/tensor-core';

/** The paper every experiment of this package reproduces. */
export const PAPER: PaperRef = {
  title: 'Weight-Sharing Regularization',
  authors: 'Shakerinava, Sohrabi, Ravanbakhsh, Lacoste-Julien',
  venue: 'AISTATS 2024 (PMLR 238:4204–4212)',
  year: 2024,
  url: 'https://arxiv.org/abs/2311.03096',
};
