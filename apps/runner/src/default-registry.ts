import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Discovery, discoverPackages } from './discover.js';
import type { ExperimentPackage } from './registry.js';

/** Where the CLI's experiments come from when no `--registry` is given. */
export interface DefaultRegistry {
  readonly packages: readonly ExperimentPackage[];
  /** Registry module URL for worker threads and sweep children; null: the monorepo's registry. */
  readonly url: string | null;
  /** Set when the packages were discovered (installed CLI); null for the monorepo's static list. */
  readonly discovery: Discovery | null;
}

/**
 * The monorepo's static registry (registry.ts, which imports every paper package of the workspace)
 * when this build has one; the published `@paperkit/cli` ships without it and discovers the
 * installed `@paperkit/*` packages in `cwd` instead.
 */
export async function defaultRegistry(cwd: string): Promise<DefaultRegistry> {
  const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
  if (existsSync(here('./registry.js')) || existsSync(here('./registry.ts'))) {
    const mod = (await import('./registry.js')) as { packages: readonly ExperimentPackage[] };
    return { packages: mod.packages, url: null, discovery: null };
  }
  const discovery = await discoverPackages(cwd);
  const url = new URL('./installed.js', import.meta.url);
  url.searchParams.set('cwd', cwd);
  return { packages: discovery.packages, url: url.href, discovery };
}
