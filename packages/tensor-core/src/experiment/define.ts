import { z } from 'zod';
import { PaperkitInputError } from '../validate/errors.js';
import type { CellContext, CellResult } from './cell.js';
import { type Cell, type CellParams, checkCells } from './cells.js';
import { type Claim, checkClaim } from './claims.js';
import { checkPaperRef, type PaperRef } from './paper.js';
import type { PlotView } from './views.js';

/** How a metric is shown. */
export interface MetricSpec {
  /** Column/axis title. */
  readonly label: string;
  readonly unit?: string;
  /** Digits after the decimal point in tables; default 3 significant digits. */
  readonly digits?: number;
  /** Which direction is better, for tables and fronts. */
  readonly better?: 'higher' | 'lower';
}

/** A preset: overrides of the experiment's base config (every key must exist in the schema). */
export type Preset<S extends z.ZodObject> = Partial<z.input<S>>;

/**
 * An experiment as data: a config schema, a base config with presets that override it, a sweep of
 * named cells, declared metrics, claims and plot views, plus one science function per cell. The
 * runner (or the browser playground) owns seeds, the sweep loop, progress, files, caching/resume,
 * statistics and verdicts.
 */
export interface Experiment<
  S extends z.ZodObject = z.ZodObject,
  P extends CellParams = CellParams,
  M extends string = string,
> {
  /** `package/name`, e.g. `nupi/oscillator`. */
  readonly id: string;
  readonly paper: PaperRef;
  /** One line for `paperkit list`. */
  readonly title: string;
  /** Whether `paperkit repro` runs it (one per package). */
  readonly headline?: boolean;
  /**
   * The science does not depend on the seed (exact simulations, closed forms): one run gives the exact
   * values, so the runner runs a single seed and verdicts need no interval.
   */
  readonly deterministic?: boolean;
  /** Strict config schema (`z.strictObject`: typos are rejected). */
  readonly schema: S;
  /**
   * The config every preset overrides, beyond the schema's own defaults: a field declared with
   * `.default(v)` needs no entry here (one line per field), so `base` holds only the fields without a
   * default, or other values than the defaults of a shared field set. Omit it when every field has one.
   */
  readonly base?: z.input<S>;
  /** Named presets; `quick` (~1–3 min here) and `full` (closer to the paper) are required. */
  readonly presets: { readonly quick: Preset<S>; readonly full: Preset<S> } & Readonly<
    Record<string, Preset<S>>
  >;
  /** Seeds the runner uses per preset when the user gives none; default 3 (1 when deterministic). */
  readonly seeds?: Readonly<Record<string, number>>;
  /** The sweep: named cells (methods × settings) for a resolved config. */
  cells(config: z.output<S>): readonly Cell<P>[];
  /** The metrics every cell returns (exactly these). */
  readonly metrics: Readonly<Record<M, MetricSpec>>;
  /** The science of one cell at `ctx.seed`: compute, never loop over seeds, never write files. */
  cell(config: z.output<S>, params: P, ctx: CellContext): Promise<CellResult<M>> | CellResult<M>;
  /** Numeric claims judged across seeds (may depend on the config). */
  claims?(config: z.output<S>): readonly Claim[];
  /** Plot views of the results (may depend on the config). */
  plots?(config: z.output<S>): readonly PlotView[];
  /** Fidelity notes shown with the results (scale differences, stand-ins, known deviations). */
  readonly notes?: readonly string[];
}

const ID = /^[a-z0-9-]+\/[a-z0-9-]+$/;
const PLOT_ID = /^[A-Za-z0-9-]+$/;

function presetKeys(e: Experiment, name: string, preset: unknown): void {
  if (preset === null || typeof preset !== 'object' || Array.isArray(preset))
    throw new PaperkitInputError(`${e.id}: preset '${name}'`, preset, 'an object of config overrides');
  const keys = Object.keys(e.schema.shape);
  for (const k of Object.keys(preset))
    if (!keys.includes(k))
      throw new PaperkitInputError(
        `${e.id}: preset '${name}' field '${k}'`,
        k,
        `a config field (${keys.join(', ')})`,
      );
}

/** The number of seeds the runner uses for `preset` when the user gives none. */
export function defaultSeeds(e: Experiment, preset: string): number {
  if (e.deterministic) return 1;
  return e.seeds?.[preset] ?? 3;
}

/**
 * Resolves the schema's defaults ⊕ base ⊕ preset ⊕ overrides into a validated config; errors name the
 * experiment and the field.
 */
export function resolveConfig<S extends z.ZodObject>(
  e: Experiment<S>,
  preset: string,
  overrides: Readonly<Record<string, unknown>> = {},
): z.output<S> {
  const p = (e.presets as Record<string, unknown>)[preset];
  if (p === undefined || !Object.hasOwn(e.presets, preset))
    throw new PaperkitInputError(`${e.id}: preset`, preset, `one of ${Object.keys(e.presets).join(', ')}`);
  const keys = Object.keys(e.schema.shape);
  for (const k of Object.keys(overrides))
    if (!keys.includes(k))
      throw new PaperkitInputError(`${e.id}: config field '${k}'`, k, `a config field (${keys.join(', ')})`);
  const merged = { ...(e.base as object), ...(p as object), ...overrides };
  const r = e.schema.safeParse(merged);
  if (!r.success) {
    const first = r.error.issues[0]!;
    const field = first.path.map(String).join('.') || '(config)';
    // The offending value itself, also inside a list or tuple field (path `widths.0`).
    const value = first.path.reduce<unknown>(
      (v, k) =>
        v !== null && typeof v === 'object'
          ? (v as Record<PropertyKey, unknown>)[k as PropertyKey]
          : undefined,
      merged,
    );
    throw new PaperkitInputError(`${e.id}: config field '${field}'`, value, first.message);
  }
  return r.data;
}

/**
 * Declares an experiment and checks everything that can be checked before a run, at import time:
 * the id form, a strict schema, the paper reference, every preset (known fields only, and the
 * resolved config parses), and for each preset's config: the cells (unique keys, one set of
 * parameter names), the claims (declared metrics only; a reference always carries its provenance and
 * source; explicit margins) and the plot views (unique file-safe ids). Errors name the experiment and
 * the field.
 */
export function defineExperiment<
  const S extends z.ZodObject,
  const P extends CellParams,
  const M extends string,
>(e: Experiment<S, P, M>): Experiment<S, P, M> {
  if (e === null || typeof e !== 'object')
    throw new PaperkitInputError('experiment', e, 'an experiment object');
  if (typeof e.id !== 'string' || !ID.test(e.id))
    throw new PaperkitInputError('id', e.id, 'of the form "package/name" (lowercase, digits, -)');
  checkPaperRef(e.id, e.paper);
  if (typeof e.title !== 'string' || e.title.trim() === '')
    throw new PaperkitInputError(`${e.id}.title`, e.title, 'a one-line description');
  const probe = e.schema.safeParse({ __unknown_key__: 1 });
  if (probe.success || !probe.error.issues.some((i) => i.code === 'unrecognized_keys'))
    throw new PaperkitInputError(
      `${e.id}.schema`,
      'a non-strict object',
      'a z.strictObject so unknown keys are rejected',
    );
  if (!e.presets || typeof e.presets !== 'object' || !e.presets.quick || !e.presets.full)
    throw new PaperkitInputError(
      `${e.id}.presets`,
      e.presets && Object.keys(e.presets),
      "an object with at least 'quick' and 'full'",
    );
  const metrics = Object.keys(e.metrics ?? {});
  if (metrics.length === 0)
    throw new PaperkitInputError(`${e.id}.metrics`, e.metrics, 'at least one declared metric');
  for (const [m, spec] of Object.entries<MetricSpec>(e.metrics as Record<string, MetricSpec>)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(m))
      throw new PaperkitInputError(`${e.id}.metrics`, m, 'identifier names');
    if (!spec || typeof spec.label !== 'string')
      throw new PaperkitInputError(`${e.id}.metrics.${m}.label`, spec?.label, 'a string');
  }
  for (const [name, n] of Object.entries(e.seeds ?? {}))
    if (!Number.isInteger(n) || n < 1 || n > 100)
      throw new PaperkitInputError(`${e.id}.seeds.${name}`, n, 'an integer in [1, 100]');
  if (e.base !== undefined && (e.base === null || typeof e.base !== 'object'))
    throw new PaperkitInputError(`${e.id}.base`, e.base, 'the base config object (or none)');
  for (const [name, preset] of Object.entries(e.presets)) {
    presetKeys(e as unknown as Experiment, name, preset);
    const r = e.schema.safeParse({ ...(e.base as object), ...(preset as object) });
    if (!r.success)
      throw new PaperkitInputError(
        `${e.id}: preset '${name}'`,
        'its resolved config',
        `valid:\n${z.prettifyError(r.error)}`,
      );
    const config = r.data as z.output<S>;
    const cells = e.cells(config);
    checkCells(`${e.id} (preset ${name})`, cells);
    const claims = e.claims?.(config) ?? [];
    const ids = new Set<string>();
    for (const c of claims) {
      checkClaim(e.id, c, metrics);
      if (ids.has(c.id)) throw new PaperkitInputError(`${e.id}.claims`, c.id, 'unique claim ids');
      ids.add(c.id);
    }
    const plotIds = new Set<string>();
    for (const v of e.plots?.(config) ?? []) {
      if (typeof v.id !== 'string' || !PLOT_ID.test(v.id) || plotIds.has(v.id))
        throw new PaperkitInputError(`${e.id}.plots`, v.id, 'unique ids of letters, digits and -');
      plotIds.add(v.id);
      for (const m of viewMetrics(v))
        if (!metrics.includes(m))
          throw new PaperkitInputError(
            `${e.id}.plots[${v.id}]`,
            m,
            `a declared metric (${metrics.join(', ')})`,
          );
    }
  }
  return e;
}

function viewMetrics(v: PlotView): string[] {
  switch (v.kind) {
    case 'bars':
    case 'grid':
      return [v.metric];
    case 'scatter':
      return [v.x.metric, v.y.metric];
    default:
      return [];
  }
}
