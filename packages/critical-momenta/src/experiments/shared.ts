import { derived as derivedRef, type PaperRef, type Reference } from '@paperkit/tensor-core';
import { z } from 'zod';

export { qualitative } from '@paperkit/tensor-core';

/** The paper every experiment of this package reproduces. */
export const PAPER: PaperRef = {
  title: 'Promoting Exploration in Memory-Augmented Adam using Critical Momenta',
  authors: 'Malviya, Mordido, Baratin, Harikandeh, Huang, Lacoste-Julien, Pascanu, Chandar',
  venue: 'TMLR 2024',
  year: 2024,
  url: 'https://arxiv.org/abs/2307.09638',
};

/** The optimizers the experiments compare. */
export const METHODS = ['adam', 'adam-cg', 'adam-cm'] as const;

/** One of {@link METHODS}. */
export type Method = (typeof METHODS)[number];

/**
 * Config field: a learning rate in the range where these problems train. Above `max` every method
 * diverges (a typo, not a setting), and the verdicts would be about overflow.
 */
export const lrField = (max: number) => z.number().positive().max(max);

/** Shared buffer settings of the buffered methods (C of Adam+CM and Adam+CG, and the decay λ). */
export const bufferFields = {
  topC: z.int().min(1).max(100), // C of Adam+CM (the reference default 5)
  cgTopC: z.int().min(1).max(100), // C of Adam+CG (the reference default 10)
  decay: z.number().gt(0).lt(1), // priority decay λ
};

/** The reference defaults of {@link bufferFields}. */
export const BUFFER_BASE = { topC: 5, cgTopC: 10, decay: 0.7 } as const;

/** A reference number from the implementation spec's float64 numpy simulation of the toy. */
export const derived = (value: number | string, source = "the spec's float64 numpy simulation"): Reference =>
  derivedRef(value, source);
