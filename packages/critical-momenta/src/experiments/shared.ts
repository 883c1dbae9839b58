import type { PaperRef } from '@paperkit/tensor-core';
import { z } from 'zod';
import { AdamCG64 } from '../float64/adam-cg64.js';
import { AdamCM64 } from '../float64/adam-cm64.js';
import type { CriticalBuffer64 } from '../float64/critical64.js';

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

/** Display names of {@link METHODS}. */
export const METHOD_LABEL: Record<Method, string> = {
  adam: 'Adam',
  'adam-cg': 'Adam+CG',
  'adam-cm': 'Adam+CM',
};

/** Cell filters of the three methods, for claims. */
export const ADAM = { method: 'adam' };
/** See {@link ADAM}. */
export const CG = { method: 'adam-cg' };
/** See {@link ADAM}. */
export const CM = { method: 'adam-cm' };

/**
 * Config field: a learning rate in the range where these problems train. Above `max` every method
 * diverges (a typo, not a setting), and the verdicts would be about overflow.
 */
export const lrField = (max: number) => z.number().positive().max(max);

/** The buffered methods' settings (C of Adam+CM and Adam+CG, decay λ) with the reference defaults. */
export const bufferFields = {
  topC: z.int().min(1).max(100).default(5), // C of Adam+CM
  cgTopC: z.int().min(1).max(100).default(10), // C of Adam+CG
  decay: z.number().gt(0).lt(1).default(0.7), // priority decay λ
};

/**
 * A Float64 optimizer for a toy run (learning rate, C of Adam+CM `topC` and of Adam+CG `cgTopC`, decay
 * λ). Adam is AdamCM64 in clean mode with C = 0 and the gradient's second moment, which the tests
 * prove equal to tensor-core's Adam; the buffered methods run in reference mode, as the spec's table
 * was computed.
 */
export function toyOptimizer(
  method: Method,
  s: Readonly<{ lr: number; topC: number; cgTopC: number; decay: number }>,
): CriticalBuffer64 {
  if (method === 'adam')
    return new AdamCM64({ lr: s.lr, compat: 'clean', topC: 0, secondMoment: 'gradient' });
  if (method === 'adam-cg') return new AdamCG64({ lr: s.lr, topC: s.cgTopC, decay: s.decay });
  return new AdamCM64({ lr: s.lr, topC: s.topC, decay: s.decay });
}
