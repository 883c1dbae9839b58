import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, parse } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Experiment } from '@paperkit/tensor-core';
import type { ExperimentPackage } from './registry.js';

/** The experiment packages found installed, and why others could not be loaded. */
export interface Discovery {
  readonly packages: readonly ExperimentPackage[];
  /** One line per installed package whose `./experiments` export failed to load, with the fix. */
  readonly problems: readonly string[];
}

interface Candidate {
  readonly name: string;
  /** The folder holding the `node_modules` the package was found in (resolution starts there). */
  readonly base: string;
}

/** `node_modules/@paperkit/*` folders visible from `dir` and its ancestors, nearest first. */
function scopeDirs(dir: string): string[] {
  const out: string[] = [];
  let d = dir;
  for (;;) {
    const scope = join(d, 'node_modules', '@paperkit');
    if (existsSync(scope)) out.push(scope);
    const up = dirname(d);
    if (up === d || d === parse(d).root) break;
    d = up;
  }
  return out;
}

function readJson(path: string): Record<string, unknown> | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** Installed `@paperkit/*` packages with an `./experiments` export, nearest installation first. */
function candidates(roots: readonly string[]): Candidate[] {
  const seen = new Set<string>();
  const out: Candidate[] = [];
  for (const root of roots)
    for (const scope of scopeDirs(root))
      for (const entry of readdirSync(scope)) {
        const name = `@paperkit/${entry}`;
        if (seen.has(name)) continue;
        const manifest = readJson(join(scope, entry, 'package.json'));
        const exports = manifest?.exports;
        if (!exports || typeof exports !== 'object' || !('./experiments' in exports)) continue;
        seen.add(name);
        out.push({ name, base: dirname(dirname(scope)) });
      }
  return out;
}

/** The package an ERR_MODULE_NOT_FOUND message names (`Cannot find package 'x' imported from …`). */
function missingPackage(err: unknown): string | null {
  if ((err as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') return null;
  return (
    /Cannot find (?:package|module) '((?:@[^/']+\/)?[^/']+)/.exec(String((err as Error).message))?.[1] ?? null
  );
}

/** Whether `x` is a list of experiments of the contract this CLI runs (defineExperiment's shape). */
function isExperimentList(x: unknown): x is readonly Experiment[] {
  return (
    Array.isArray(x) &&
    x.every((e: Partial<Record<keyof Experiment, unknown>> | null) => {
      return (
        typeof e?.id === 'string' &&
        typeof e.paper === 'object' &&
        typeof e.cells === 'function' &&
        typeof e.cell === 'function'
      );
    })
  );
}

/**
 * Finds the experiments of the `@paperkit/*` packages installed where the CLI runs: every
 * `node_modules/@paperkit/<pkg>` visible from `cwd` (then from the CLI's own installation, as under
 * `npx -p @paperkit/cli -p @paperkit/nupi paperkit …`) whose package.json exports `./experiments`,
 * imported as Node resolves it from there (`besideCli: false` searches `cwd` only). A package whose experiments need a package that is not
 * installed (e.g. `@paperkit/mnist` for the experiments on digits) is reported with the command that
 * adds it, and the others still load.
 */
export async function discoverPackages(
  cwd: string,
  options: { readonly besideCli?: boolean } = {},
): Promise<Discovery> {
  const roots = [cwd];
  if (options.besideCli ?? true) roots.push(dirname(fileURLToPath(import.meta.url)));
  const packages: ExperimentPackage[] = [];
  const problems: string[] = [];
  for (const c of candidates(roots)) {
    if (c.name === '@paperkit/cli') continue;
    let mod: { experiments?: unknown };
    try {
      const file = createRequire(join(c.base, 'noop.js')).resolve(`${c.name}/experiments`);
      mod = (await import(pathToFileURL(file).href)) as typeof mod;
    } catch (err) {
      const missing = missingPackage(err);
      problems.push(
        missing && missing !== c.name
          ? `${c.name}: its experiments need ${missing}, which is not installed (npm install ${missing})`
          : `${c.name}: its experiments failed to load (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`,
      );
      continue;
    }
    if (!isExperimentList(mod.experiments)) {
      problems.push(
        `${c.name}: its ./experiments export is not a list of experiments this CLI can run (install matching versions of ${c.name} and @paperkit/cli)`,
      );
      continue;
    }
    packages.push({ name: c.name, experiments: mod.experiments });
  }
  return { packages, problems };
}

/**
 * The line for an experiment id whose package is not among the loaded ones: which package to add
 * (ids are `<package>/<name>`), or null when the id's package is loaded.
 */
export function missingPackageHint(id: string, discovery: Discovery): string | null {
  const slash = id.indexOf('/');
  if (slash <= 0) return null;
  const name = `@paperkit/${id.slice(0, slash)}`;
  if (discovery.packages.some((p) => p.name === name)) return null;
  const problem = discovery.problems.find((p) => p.startsWith(`${name}:`));
  if (problem) return problem;
  return `experiment '${id}' is in ${name}, which is not installed here: npm install ${name}`;
}
