// Pure (no Node imports): the browser playground lays out the run folders it zips the same way.

/**
 * The backend part of a run's identity: the label (`wasm`, `wasm+blas`, `cpu`, `tensorflow`) and,
 * with native BLAS kernels, their thread count, which changes the rounding of every product.
 */
export function backendSlug(label: string, blasThreads: number | null): string {
  const base = label.replace(/[^A-Za-z0-9+._-]+/g, '-');
  return blasThreads !== null && blasThreads > 0 ? `${base}-${blasThreads}t` : base;
}

/**
 * A run folder's path relative to the output root, `/`-separated:
 * `<package>/<name>/<hash8>/<backendId>/seed-<n>` (what `runFolderPath` joins under `out`).
 */
export function runFolderRel(
  experimentId: string,
  configHash: string,
  backendId: string,
  seed: number,
): string {
  return [...experimentId.split('/'), configHash.slice(0, 8), backendId, `seed-${seed}`].join('/');
}
