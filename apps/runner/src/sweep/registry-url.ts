import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ExperimentPackage } from '../registry.js';
import { UsageError } from '../usage-error.js';

/**
 * Loads experiment packages from a module (`--registry file.mjs` or a URL) exporting `packages`
 * (ExperimentPackage[]) or `experiments`: other registries than the runner's own, for tests and for
 * users whose experiments live in their own package.
 */
export async function loadRegistry(
  spec: string,
  cwd: string,
): Promise<{ url: string; packages: readonly ExperimentPackage[] }> {
  const url = /^[a-z][a-z0-9+.-]+:/.test(spec) ? spec : pathToFileURL(resolve(cwd, spec)).href;
  let mod: { packages?: unknown; experiments?: unknown };
  try {
    mod = (await import(url)) as typeof mod;
  } catch (err) {
    throw new UsageError(
      `--registry: cannot import '${spec}' (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`,
    );
  }
  if (Array.isArray(mod.packages)) return { url, packages: mod.packages as ExperimentPackage[] };
  if (Array.isArray(mod.experiments))
    return { url, packages: [{ name: '@paperkit/registry', experiments: mod.experiments as never }] };
  throw new UsageError(`--registry: '${spec}' exports neither 'packages' nor 'experiments'`);
}
