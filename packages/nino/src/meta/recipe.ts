import { checkInteger, PaperkitInputError, Rng } from '@paperkit/tensor-core';
import { type CheckpointJson, saveCheckpoint } from '../model/checkpoint.js';
import type { NinoModel } from '../model/model.js';
import { type NowcastErrors, nowcastErrors } from './evaluate.js';
import { type MetaTrainConfig, metaTrain } from './meta-train.js';
import { generateTrajectories, type Trajectory, type TrajectoryConfig } from './trajectories.js';

/** Everything that determines a meta-trained checkpoint besides the seed. */
export interface MetaRecipe {
  /** Training trajectories. */
  readonly trajectories: TrajectoryConfig;
  /** Held-out trajectories for the reported nowcast errors (none when absent). */
  readonly heldOut?: TrajectoryConfig;
  /** NiNo meta-training. */
  readonly nino: MetaTrainConfig;
  /** WNN+ meta-training on the same data (skipped when absent). */
  readonly wnn?: MetaTrainConfig;
}

/**
 * The recipe of the shipped `nino_small` and `wnn_plus_small`: 64 Adam runs (lr 1e-3, batch 64,
 * 5000 steps, a snapshot every 100) of the in-distribution family (MLP 16-32-32-8 on tanh teachers)
 * plus narrower 16-16-16-8 and 16-24-24-8 students, then NiNo-small (hid 32, F_max 1) and WNN+
 * (hid 32) trained on 4 trajectories × 4 windows per step with the paper's optimiser settings.
 */
export const NINO_SMALL_RECIPE: MetaRecipe = {
  trajectories: {
    groups: [
      { sizes: [16, 32, 32, 8], runs: 40 },
      { sizes: [16, 16, 16, 8], runs: 12 },
      { sizes: [16, 24, 24, 8], runs: 12 },
    ],
    steps: 5000,
    snapshotEvery: 100,
    batchSize: 64,
    lr: 1e-3,
  },
  heldOut: { groups: [{ sizes: [16, 32, 32, 8], runs: 4 }], steps: 5000, snapshotEvery: 100 },
  nino: { model: { kind: 'nino', hidden: 32, maxFeatureSize: 1 }, iterations: 1500 },
  wnn: { model: { kind: 'wnn+', hidden: 32 }, iterations: 1500 },
};

/** A tiny recipe on the same code path, for the bit-for-bit reproduction test. */
export const NINO_TINY_RECIPE: MetaRecipe = {
  trajectories: {
    groups: [{ sizes: [4, 6, 3], runs: 3, task: { trainSize: 256 } }],
    steps: 120,
    snapshotEvery: 10,
    batchSize: 16,
    lr: 1e-2,
  },
  nino: {
    model: { kind: 'nino', hidden: 8, maxFeatureSize: 1, horizons: 4, layers: 3 },
    iterations: 6,
    trajectoriesPerBatch: 2,
    windowsPerTrajectory: 2,
  },
  wnn: {
    model: { kind: 'wnn+', hidden: 8, horizons: 4 },
    iterations: 6,
    trajectoriesPerBatch: 2,
    windowsPerTrajectory: 2,
  },
};

/** What {@link runMetaRecipe} produces. */
export interface MetaRecipeResult {
  readonly nino: NinoModel;
  readonly wnn: NinoModel | null;
  readonly ninoLosses: readonly { iteration: number; loss: number }[];
  readonly wnnLosses: readonly { iteration: number; loss: number }[];
  readonly trajectories: readonly Trajectory[];
  readonly heldOut: { readonly nino: NowcastErrors; readonly wnn: NowcastErrors | null } | null;
}

/** Options of {@link runMetaRecipe}. */
export interface MetaRecipeOptions {
  readonly signal?: AbortSignal;
  /** Progress lines (phase, done, total). */
  readonly onProgress?: (phase: string, done: number, total: number) => void;
}

/**
 * Runs a recipe at `seed`: trajectories from `Rng.fromSeed(seed).stream('trajectories')`, held-out
 * ones from `…stream('held-out')`, NiNo from `…stream('nino')`, WNN+ from `…stream('wnn+')`. The same
 * seed, recipe and backend give the same weights bit for bit.
 */
export async function runMetaRecipe(
  seed: number,
  recipe: MetaRecipe,
  options: MetaRecipeOptions = {},
): Promise<MetaRecipeResult> {
  checkInteger('seed', seed, 0);
  if (!recipe || typeof recipe !== 'object') throw new PaperkitInputError('recipe', recipe, 'a MetaRecipe');
  const root = Rng.fromSeed(seed);
  const signal = options.signal;
  const trajectories = await generateTrajectories(root.stream('trajectories'), recipe.trajectories, {
    ...(signal ? { signal } : {}),
    onProgress: (p) => options.onProgress?.(`trajectories group ${p.group}`, p.step, p.total),
  });
  const held = recipe.heldOut
    ? await generateTrajectories(root.stream('held-out'), recipe.heldOut, signal ? { signal } : {})
    : null;
  const train = (name: string, cfg: MetaTrainConfig) =>
    metaTrain(root.stream(name), trajectories, cfg, {
      ...(signal ? { signal } : {}),
      onLog: (i, _l) => options.onProgress?.(name, i, cfg.iterations ?? 1000),
    });
  const nino = await train('nino', recipe.nino);
  const wnn = recipe.wnn ? await train('wnn+', recipe.wnn) : null;
  const heldOut = held
    ? { nino: await nowcastErrors(nino.model, held), wnn: wnn ? await nowcastErrors(wnn.model, held) : null }
    : null;
  return {
    nino: nino.model,
    wnn: wnn?.model ?? null,
    ninoLosses: nino.losses,
    wnnLosses: wnn?.losses ?? [],
    trajectories,
    heldOut,
  };
}

/** Serialises a recipe's networks with their provenance (recipe, seed, backend, command). */
export async function recipeCheckpoints(
  result: MetaRecipeResult,
  provenance: {
    readonly seed: number;
    readonly recipe: MetaRecipe;
    readonly backend: string;
    readonly command: string;
  },
  names: { readonly nino: string; readonly wnn: string } = { nino: 'nino_small', wnn: 'wnn_plus_small' },
): Promise<{
  nino: { json: CheckpointJson; data: Uint8Array };
  wnn: { json: CheckpointJson; data: Uint8Array } | null;
}> {
  const meta = {
    ...provenance,
    heldOut: result.heldOut,
    finalLoss: { nino: result.ninoLosses.at(-1)?.loss ?? null, wnn: result.wnnLosses.at(-1)?.loss ?? null },
  };
  const source = '@paperkit/nino meta-training (runMetaRecipe), see provenance';
  return {
    nino: await saveCheckpoint(result.nino, {
      name: names.nino,
      source,
      provenance: { ...meta, network: 'nino' },
    }),
    wnn: result.wnn
      ? await saveCheckpoint(result.wnn, {
          name: names.wnn,
          source,
          provenance: { ...meta, network: 'wnn+' },
        })
      : null,
  };
}
