import type { Experiment } from '@paperkit/tensor-core';
import * as registry from '../../../runner/src/registry.js';

/** A package's `/experiments` module: its `experiments`, and whatever else it exports. */
export interface ExperimentsModule {
  readonly experiments: readonly Experiment[];
  readonly [name: string]: unknown;
}

/** A registered package whose experiments load on demand. */
export interface LazyPackage {
  /** npm name, e.g. `@paperkit/nupi`. */
  readonly name: string;
  /** Page slug and asset folder: the name without its scope (`nupi`). */
  readonly slug: string;
  readonly version: string;
  /** Imports the package's `/experiments` module (its own chunk in the site build). */
  loadModule(): Promise<ExperimentsModule>;
  /** The package's main entry, for packages that ship checkpoints (null otherwise). */
  readonly loadMain: (() => Promise<unknown>) | null;
}

// What the site build's lazy-registry plugin (plugins/site-build.ts) turns the runner's registry into:
// each package's `experiments` becomes a loader of its module, and versions and checkpoint entries are appended.
// Outside that build (type checks) the module is the plain registry, handled the same way.
const built = registry as unknown as {
  readonly packages: readonly { readonly name: string; readonly experiments: unknown }[];
  readonly packageVersions?: Readonly<Record<string, string>>;
  readonly checkpointEntries?: Readonly<Record<string, () => Promise<unknown>>>;
};

/** `@paperkit/nupi` → `nupi`. */
export function slugOf(name: string): string {
  return name.replace(/^@[^/]+\//, '');
}

/** Every package of the runner's registry, in registration order. */
export const lazyPackages: readonly LazyPackage[] = built.packages.map((p) => {
  const experiments = p.experiments;
  return {
    name: p.name,
    slug: slugOf(p.name),
    version: built.packageVersions?.[p.name] ?? '0.0.0',
    loadModule: async () =>
      typeof experiments === 'function'
        ? ((await experiments()) as ExperimentsModule)
        : { experiments: experiments as readonly Experiment[] },
    loadMain: built.checkpointEntries?.[p.name] ?? null,
  };
});

/** The registered package of a page slug, or undefined. */
export function packageBySlug(slug: string): LazyPackage | undefined {
  return lazyPackages.find((p) => p.slug === slug);
}
