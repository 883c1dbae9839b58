import type { LazyPackage } from '../shared/registry.js';

type Loader = (json: unknown, data: ArrayBuffer) => unknown;

async function fetchOk(url: string): Promise<Response> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r;
}

/**
 * A package whose experiments read shipped checkpoints (they export `setCheckpointSource`; Node reads
 * the package's `checkpoints/` folder) gets a source that fetches the same files from the site's
 * `checkpoints/<slug>/` copy and decodes them with the main entry's `loadCheckpoint`.
 */
export async function registerCheckpointSource(
  pkg: LazyPackage,
  mod: Readonly<Record<string, unknown>>,
  base: string,
): Promise<void> {
  const set = mod.setCheckpointSource;
  if (typeof set !== 'function' || pkg.loadMain === null) return;
  const main = (await pkg.loadMain()) as { loadCheckpoint?: Loader };
  const load = main.loadCheckpoint;
  if (typeof load !== 'function') return;
  set(async (name: string) => {
    const stem = `${base}${pkg.slug}/${name}`;
    const [json, data] = await Promise.all([
      fetchOk(`${stem}.json`).then((r) => r.json()),
      fetchOk(`${stem}.bin`).then((r) => r.arrayBuffer()),
    ]);
    return load(json, data);
  });
}
