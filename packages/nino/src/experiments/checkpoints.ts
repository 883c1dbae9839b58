import type { NinoModel } from '../model/model.js';
import type { ShippedCheckpoint } from '../node/index.js';

/** Loads a shipped checkpoint by name. */
export type CheckpointSource = (name: ShippedCheckpoint) => Promise<NinoModel>;

let source: CheckpointSource | null = null;

/**
 * Replaces where the experiments read the shipped checkpoints from. In Node the default reads the
 * package's files; a browser host (the playground) registers a source that fetches the same files
 * and calls `loadCheckpoint(json, arrayBuffer)`.
 */
export function setCheckpointSource(fn: CheckpointSource | null): void {
  source = fn;
}

/** A shipped checkpoint through the registered source (default: the Node reader, imported on demand). */
export async function shippedCheckpoint(name: ShippedCheckpoint): Promise<NinoModel> {
  if (source) return source(name);
  const node = await import('../node/index.js');
  return node.loadShippedCheckpoint(name);
}
