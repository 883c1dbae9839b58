import { z } from 'zod';

/**
 * Config fields of `zipfLanguageModelTask` for an experiment schema, bounded by what trains in minutes
 * on a laptop CPU (the `steps × batch` sequences are drawn up front: ≤ 10 000 × 64 × 129 int32 tokens).
 */
export const zipfLanguageModelFields = {
  vocab: z.int().min(2).max(1024), // V of the Zipfian Markov chain
  exponent: z.number().min(0).max(5), // Zipf exponent of the chain
  branching: z.int().min(1).max(1024), // successors per token
  length: z.int().min(3).max(129), // tokens per sequence (the model sees length − 1 inputs)
  dModel: z.int().min(2).max(256),
  heads: z.int().min(1).max(16),
  layers: z.int().min(1).max(6),
  batch: z.int().min(1).max(64), // sequences per step, a fresh batch each
  steps: z.int().min(25).max(10_000),
  evalSequences: z.int().min(1).max(4096), // held-out sequences of the same chain
};

/** A tiny transformer on Zipfian Markov text that trains in a few minutes: 2 blocks, d = 64, 1 500 steps. */
export const ZIPF_LM_BASE = {
  vocab: 128,
  exponent: 1.1,
  branching: 16,
  length: 33,
  dModel: 64,
  heads: 4,
  layers: 2,
  batch: 16,
  steps: 1500,
  evalSequences: 512,
} as const;

/** Overrides of {@link ZIPF_LM_BASE} for a quick preset: a 4× smaller model and text, 400 steps. */
export const ZIPF_LM_QUICK = {
  vocab: 64,
  branching: 8,
  length: 17,
  dModel: 32,
  heads: 2,
  batch: 8,
  steps: 400,
  evalSequences: 256,
} as const;
