import type { PaperRef, Reference } from '@paperkit/tensor-core';
import { z } from 'zod';

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
  /** C of Adam+CM (the reference default 5). */
  topC: z.int().min(1).max(100),
  /** C of Adam+CG (the reference default 10). */
  cgTopC: z.int().min(1).max(100),
  /** Priority decay λ. */
  decay: z.number().gt(0).lt(1),
};

/** The paper's statement without a number we can compare. */
export const qualitative = (source: string): Reference => ({ provenance: 'qualitative', source });

/** A reference number from the implementation spec's float64 numpy simulation of the toy. */
export const derived = (
  value: number | string,
  source = "the spec's float64 numpy simulation",
): Reference => ({
  provenance: 'derived',
  value,
  source,
});
