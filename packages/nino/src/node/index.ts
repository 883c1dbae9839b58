/**
 * Node-only helpers of @paperkit/nino (`@paperkit/nino/node`): reading the checkpoints shipped in the
 * package's `checkpoints/` folder and writing new ones. Browsers load the same files with
 * `loadCheckpoint(json, arrayBuffer)` from the main entry.
 * @packageDocumentation
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { PaperkitInputError } from '@paperkit/tensor-core';
import { type CheckpointJson, type LoadCheckpointOptions, loadCheckpoint } from '../model/checkpoint.js';
import type { NinoModel } from '../model/model.js';

/**
 * The checkpoints in the package: the public ones of the official code (MIT, Samsung Electronics;
 * `nino_no_posw` is the NiNo GNN, `nino_mlp`/`nino_mlp_h32` are WNN+) and this package's own
 * meta-trained `nino_small` (NiNo, hid 32) and `wnn_plus_small` (WNN+, hid 32).
 */
export const SHIPPED_CHECKPOINTS = [
  'nino_no_posw',
  'nino_mlp',
  'nino_mlp_h32',
  'nino_small',
  'wnn_plus_small',
] as const;

/** Name of a shipped checkpoint. */
export type ShippedCheckpoint = (typeof SHIPPED_CHECKPOINTS)[number];

/** Absolute path of the package's `checkpoints/` folder. */
export function checkpointDir(): string {
  return fileURLToPath(new URL('../../checkpoints/', import.meta.url));
}

function checkName(name: string): ShippedCheckpoint {
  if (!SHIPPED_CHECKPOINTS.includes(name as ShippedCheckpoint))
    throw new PaperkitInputError('name', name, `one of ${SHIPPED_CHECKPOINTS.join(', ')}`);
  return name as ShippedCheckpoint;
}

/** The JSON half of a shipped checkpoint (configuration, tensor table, provenance). */
export async function readShippedCheckpointJson(name: ShippedCheckpoint): Promise<CheckpointJson> {
  return JSON.parse(await readFile(`${checkpointDir()}${checkName(name)}.json`, 'utf8')) as CheckpointJson;
}

/** Loads a shipped checkpoint from the package's files (no download). */
export async function loadShippedCheckpoint(
  name: ShippedCheckpoint,
  options: LoadCheckpointOptions = {},
): Promise<NinoModel> {
  const json = await readShippedCheckpointJson(name);
  const data = await readFile(`${checkpointDir()}${name}.bin`);
  return loadCheckpoint(json, data, options);
}

/** Writes a checkpoint as `<dir>/<stem>.json` and `<dir>/<stem>.bin`. */
export async function writeCheckpointFiles(
  dir: string,
  stem: string,
  checkpoint: { readonly json: CheckpointJson; readonly data: Uint8Array },
): Promise<void> {
  const base = dir.endsWith('/') ? dir : `${dir}/`;
  await writeFile(`${base}${stem}.json`, `${JSON.stringify(checkpoint.json, null, 1)}\n`);
  await writeFile(`${base}${stem}.bin`, checkpoint.data);
}
