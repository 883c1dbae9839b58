import { defineExperiment, grid } from '@paperkit/tensor-core';
import { z } from 'zod';
import { syntheticDataset } from '../synthetic/dataset.js';
import { MECHANISM_VARIANTS } from '../synthetic/mechanisms.js';
import {
  estimatorFields,
  PAPER,
  TRAINED_METRICS,
  TRAINING_BASE,
  trainCell,
  trainingFields,
} from './shared.js';
import { type SettingReference, sparsityClaims, trainedPlots } from './trained-views.js';

const schema = z.strictObject({
  /** Mechanism variants of the datasets (cells); d_a = d_z. */
  variants: z.array(z.enum(MECHANISM_VARIANTS)).min(1),
  ...trainingFields,
  ...estimatorFields,
});

/** Config of {@link actionSparsity}. */
export type ActionSparsityConfig = z.output<typeof schema>;

/** The reference's logs for the action datasets (constraint at ‖G‖₀ against masks frozen at all-ones). */
const REFERENCES: Readonly<Record<string, SettingReference>> = {
  trivial: { mcc: 0.999, unregularised: 0.614, shd: 0 },
  non_trivial: { mcc: 0.998, unregularised: 0.758, shd: 0.4 },
  'k=2': { mcc: 0.982, unregularised: 0.695 },
  no_suff_var: { mcc: 0.857, unregularised: 0.618 },
};

/**
 * `causal-disentangle/action-sparsity` (headline): latents that depend sparsely on observed actions
 * are recovered (MCC) when the learned action graph is constrained to the true number of edges, and
 * not when the masks are frozen at all-ones (the paper's "unregularised" baseline).
 */
export const actionSparsity = defineExperiment({
  id: 'causal-disentangle/action-sparsity',
  paper: PAPER,
  title:
    'sparse action graphs: the sparsity constraint ‖Ĝᵃ‖₀ ≤ ‖Gᵃ‖₀ disentangles where the dense model does not',
  headline: true,
  schema,
  // The CPU recipe (quick and full): the spec's small-scale run made to act within a few thousand steps
  // (see the README): a shorter schedule (the bound held for 20% of the steps, then annealed over 30%),
  // twice its learning rates, and prior variances fixed at 1e-3 (the reference's `--var_p_mode fixed`,
  // there at 1e-4) instead of learned per latent.
  base: {
    ...TRAINING_BASE,
    variants: ['non_trivial'],
    methods: ['constraint', 'unregularised'],
    latentDim: 6,
    observedDim: 12,
    trainSize: 40_000,
    testSize: 4000,
    steps: 5000,
    lr: 2e-3,
    maskLr: 2e-2,
    holdFraction: 0.2,
    annealFraction: 0.3,
    penalty: 4,
    beta: 1,
    maskLogitInit: 5,
    gumbelTemperature: 1,
    learnPriorVariance: false,
    priorVariance: 1e-3,
    dualMethod: 'gradientAscent',
    dualKp: 0,
    // One run per cell. `restarts: 2` (complete runs, the lower held-out ELBO kept) lifted seed 0 of quick
    // from MCC 0.909 to 0.933 but kept seed 1's SHD-4 run, left every verdict as it was and costs 1.5× the
    // preset; selecting after a screen of half the steps picked a wrong graph (see the README).
    restarts: 1,
    screenFraction: 1,
    validSize: 2000,
  },
  presets: {
    // The spec's small-scale setting (d_z = d_a = 4, d_x = 8, 20k samples) at the `paperkit repro` budget:
    // two cells of 2500 steps per seed, ≈ 14 s of CPU each with BLAS.
    quick: {
      latentDim: 4,
      observedDim: 8,
      trainSize: 20_000,
      testSize: 2000,
      steps: 2500,
    },
    // d_z = 6, where the dense model entangles more than at d_z = 4; 40k steps, ≈ 5 min of CPU with BLAS.
    full: {},
    // The playground's preset (≤ 20 s on plain wasm for both seeds): d_z = d_a = 3, d_x = 6 (the cyclic graph
    // still satisfies the criterion), half-width networks, 700 steps of 128 at 1.5× the learning rates.
    // Too short for the masks to settle on the true graph: it shows the mechanism, not the verdicts.
    browser: {
      latentDim: 3,
      observedDim: 6,
      trainSize: 5000,
      testSize: 1000,
      steps: 700,
      batchSize: 128,
      lr: 3e-3,
      maskLr: 3e-2,
      encoderHidden: [32, 32],
      transitionHidden: [16, 16],
      evalEvery: 350,
    },
  },
  seeds: { quick: 3, full: 4, browser: 2 },
  cells: (c) => grid({ variant: c.variants, method: c.methods }),
  metrics: TRAINED_METRICS,
  cell: (c, { variant, method }, ctx) =>
    trainCell(
      syntheticDataset(ctx.rng.stream('data').stream(variant), {
        setting: 'action',
        variant,
        latentDim: c.latentDim,
        observedDim: c.observedDim,
        splits: {
          train: c.trainSize,
          test: c.testSize,
          ...(c.restarts !== undefined && c.restarts > 1 ? { valid: c.validSize ?? c.testSize } : {}),
        },
      }),
      method,
      c,
      ctx,
    ),
  claims: (c) => sparsityClaims('variant', c.variants, c.methods, REFERENCES),
  plots: (c) => trainedPlots('variant', c.variants, c.methods, { context: 'a' }),
  notes: [
    'CPU scale: d_z = d_a = 4 (quick) or 6 (full) instead of 10, 2×64 encoder/decoder and 2×32 transition networks instead of 6×512 / 5×512, thousands of steps instead of 300k, and a second Adam learning rate for the mask logits (10× the networks’).',
    'Prior variances fixed at 1e-3 (the reference’s `--var_p_mode fixed`, which keeps them at 1e-4) instead of learned per latent: with learned variances a latent whose parents are cut pays only ½·log v_i for its misfit, which rewards giving one latent 3–4 parents and another none, a wrong graph the short runs do not leave.',
    'Reference numbers are the reference code’s logs at d_z = 10 (reference-code); the paper prints them as figures, so none is labelled paper.',
  ],
});
