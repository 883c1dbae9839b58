import type { Experiment } from '@paperkit/tensor-core';
import { resolveConfig } from '@paperkit/tensor-core';
import type { ExperimentPackage } from './registry.js';
import { didYouMean } from './suggest.js';
import { UsageError } from './usage-error.js';

/** An experiment with the package that provides it. */
export interface RegisteredExperiment {
  readonly experiment: Experiment;
  readonly packageName: string;
}

/** Flattens packages into an id-indexed map; two experiments with one id are a registration bug. */
export function indexExperiments(packages: readonly ExperimentPackage[]): Map<string, RegisteredExperiment> {
  const map = new Map<string, RegisteredExperiment>();
  for (const p of packages)
    for (const experiment of p.experiments) {
      const prev = map.get(experiment.id);
      if (prev)
        throw new Error(
          `experiment id '${experiment.id}' is registered twice (${prev.packageName} and ${p.name})`,
        );
      map.set(experiment.id, { experiment, packageName: p.name });
    }
  return map;
}

/** Looks an id up; an unknown id is a {@link UsageError} that suggests the nearest registered id. */
export function findExperiment(index: Map<string, RegisteredExperiment>, id: string): RegisteredExperiment {
  const hit = index.get(id);
  if (hit) return hit;
  const ids = [...index.keys()];
  const inPackage = ids.filter((k) => k.startsWith(`${id}/`));
  if (inPackage.length > 0)
    throw new UsageError(`'${id}' is a package, not an experiment; its experiments: ${inPackage.join(', ')}`);
  throw new UsageError(`unknown experiment '${id}'${didYouMean(id, ids)} (see 'paperkit list')`);
}

/** One line from zod issues: `path: message; path: message`. */
function zodLine(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .map((i) => `${i.path.length ? `${i.path.map(String).join('.')}: ` : ''}${i.message}`)
    .join('; ');
}

/**
 * The validated config of `e` at `preset` with `--set` overrides, through tensor-core's
 * {@link resolveConfig}. Bad preset names, unknown keys (with a near-miss suggestion) and ill-typed
 * values become one-line {@link UsageError}s.
 */
export function planConfig(e: Experiment, preset: string, sets: Readonly<Record<string, unknown>>): unknown {
  const presets = Object.keys(e.presets);
  if (!Object.hasOwn(e.presets, preset))
    throw new UsageError(
      `unknown preset '${preset}' for ${e.id}${didYouMean(preset, presets)} (presets: ${presets.join(', ')})`,
    );
  const keys = Object.keys(e.schema.shape);
  for (const k of Object.keys(sets))
    if (!keys.includes(k))
      throw new UsageError(
        `unknown config key '${k}' for ${e.id}${didYouMean(k, keys)} (keys: ${keys.join(', ')})`,
      );
  try {
    return resolveConfig(e, preset, { ...sets });
  } catch (err) {
    const r = e.schema.safeParse({ ...(e.base as object), ...(e.presets[preset] as object), ...sets });
    const detail = !r.success
      ? zodLine(r.error.issues)
      : err instanceof Error
        ? err.message.replace(/\s*\n\s*/g, ' ')
        : String(err);
    throw new UsageError(`invalid config for ${e.id}: ${detail}`);
  }
}
