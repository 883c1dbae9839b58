import { lstatSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { CellStatistic, Experiment, MetricSpec, PlotSpec } from '@paperkit/tensor-core';
import { z } from 'zod';
import { type GroupAggregates, type GroupSummary, readGroupRuns, summarizeGroup } from '../results/group.js';
import { configHash } from '../run/config-hash.js';
import { errorLine, type RunManifest } from '../run/manifest.js';
import { readJsonFile } from '../run/safe-read.js';

/** An experiment the report can re-aggregate from its seed folders (the CLI's registry). */
export interface KnownExperiment {
  readonly experiment: Experiment;
  readonly packageSpec: string;
}

/** One group folder as the report shows it. */
export interface ReportGroup {
  /** Path relative to the report's root, `/`-separated. */
  readonly rel: string;
  readonly summary: GroupSummary | null;
  /** Every seed folder found, completed or not. */
  readonly runs: readonly { readonly seed: number; readonly rel: string; readonly manifest: RunManifest }[];
  /** Attempts left behind by a killed process or a full disk (hidden `.seed-N.tmp-*` folders). */
  readonly stale: readonly string[];
  readonly warnings: readonly string[];
  /** SVGs rendered while re-aggregating this group (by plot id): the report inlines them as they are. */
  readonly svgs?: ReadonlyMap<string, string>;
}

const SEED_DIR = /^seed-\d+$/;
const TEMP_DIR = /^\.seed-\d+\.(tmp|old)-[0-9a-f]{8}$/;
const MAX_DEPTH = 8;

/**
 * Group folders under `out`: directories holding `seed-<n>` folders (or only stale attempts of them).
 * Symlinked directories are never entered; `node_modules` and other hidden folders are skipped.
 */
export function findGroupDirs(out: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number): void => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    const seeds = entries.some((d) => d.isDirectory() && (SEED_DIR.test(d.name) || TEMP_DIR.test(d.name)));
    if (seeds) {
      found.push(dir);
      return;
    }
    if (depth >= MAX_DEPTH) return;
    for (const d of entries)
      if (d.isDirectory() && !d.name.startsWith('.') && d.name !== 'node_modules')
        walk(join(dir, d.name), depth + 1);
  };
  walk(out, 0);
  return found.sort();
}

const verdict = z.object({
  claim: z.string(),
  status: z.enum(['holds', 'fails', 'inconclusive']),
  reason: z.string(),
  values: z.array(z.unknown()),
  seeds: z.array(z.number()),
  summary: z.object({
    n: z.number(),
    mean: z.unknown(),
    std: z.unknown(),
    ci95: z.array(z.unknown()).length(2),
  }),
});

/** The shape a stored group summary must have before the report trusts any of it. */
const groupSummarySchema = z.object({
  schemaVersion: z.literal(1),
  experiment: z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/),
  title: z.string(),
  paper: z.string(),
  package: z.string(),
  preset: z.string(),
  configHash: z.string().regex(/^[0-9a-f]{64}$/),
  backend: z.string(),
  backendId: z.string(),
  deterministic: z.boolean(),
  config: z.unknown(),
  seeds: z.array(z.number().int()),
  incomplete: z.array(z.object({ seed: z.number(), status: z.string(), error: z.string().nullable() })),
  wallMs: z.number(),
  metrics: z.record(z.string(), z.object({ label: z.string() }).passthrough()),
  statistics: z.array(
    z.object({ cell: z.string(), label: z.string(), metric: z.string(), n: z.number() }).passthrough(),
  ),
  claims: z.array(
    z.object({
      id: z.string(),
      statement: z.string(),
      metric: z.string(),
      expect: z.object({ op: z.string() }).passthrough(),
      reference: z
        .object({
          provenance: z.enum(['paper', 'reference-code', 'derived', 'qualitative']),
          source: z.string(),
        })
        .passthrough()
        .nullable(),
      digits: z.number().nullable(),
      verdict,
    }),
  ),
  plots: z.array(
    z.object({
      spec: z
        .object({
          kind: z.enum(['line', 'scatter', 'bar', 'heatmap', 'images']),
          id: z.string(),
          title: z.string(),
          caption: z.string(),
        })
        .passthrough(),
      svg: z.string(),
      png: z.string().nullable(),
    }),
  ),
  warnings: z.array(z.string()),
  notes: z.array(z.string()),
});

function decode(v: unknown): unknown {
  if (v === 'NaN') return Number.NaN;
  if (v === 'Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (Array.isArray(v)) return v.map(decode);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)]));
  return v;
}

/** A stored `summary.json`, validated; null with the reason when it is missing or damaged. */
export function readGroupSummary(dir: string): { summary: GroupSummary | null; error: string | null } {
  const r = readJsonFile(join(dir, 'summary.json'));
  if (!r.ok) return { summary: null, error: `summary.json ${r.error}` };
  const p = groupSummarySchema.safeParse(r.value);
  if (!p.success) {
    const i = p.error.issues[0]!;
    return { summary: null, error: `summary.json field '${i.path.map(String).join('.')}': ${i.message}` };
  }
  return { summary: decode(p.data) as GroupSummary, error: null };
}

/**
 * Reads one group folder for the report. When the experiment is known (the CLI's registry) and a
 * completed seed's `config.json` matches its manifest's hash, the group is re-aggregated from its
 * seed folders (fresh verdicts and plots); otherwise its stored `summary.json` is used after
 * validation. Nothing malformed aborts the report: each problem becomes one warning naming the folder
 * and the field.
 */
export async function readReportGroup(
  out: string,
  dir: string,
  known: ReadonlyMap<string, KnownExperiment>,
  early?: GroupAggregates,
): Promise<ReportGroup> {
  const rel = relative(out, dir).split(/[\\/]/).join('/');
  const warnings: string[] = [];
  const stale: string[] = [];
  for (const d of readdirSync(dir, { withFileTypes: true }))
    if (d.isDirectory() && TEMP_DIR.test(d.name)) stale.push(d.name);
  const g = readGroupRuns(dir, null, null);
  // Without an order the cell files are only listed here; summarizeGroup re-reads them with the
  // experiment's cells and reports missing ones.
  warnings.push(...g.warnings.map((w) => `${rel}/${w}`));
  const runs = g.runs.map((r) => ({ seed: r.seed, rel: `${rel}/seed-${r.seed}`, manifest: r.manifest }));
  let summary: GroupSummary | null = null;
  let svgs: ReadonlyMap<string, string> | undefined;
  let aggregated = false;
  const first = g.runs.find((r) => r.manifest.status === 'completed');
  const k = first ? known.get(first.manifest.experiment) : undefined;
  if (first && k) {
    const c = readJsonFile(join(first.dir, 'config.json'));
    if (!c.ok) warnings.push(`${rel}/seed-${first.seed}/config.json: ${c.error}`);
    else if (configHash(c.value) !== first.manifest.configHash)
      warnings.push(
        `${rel}/seed-${first.seed}/config.json: does not match the manifest's configHash (not used)`,
      );
    else {
      try {
        const r =
          (await early?.get(dir)) ?? (await summarizeGroup(dir, k.experiment, c.value, k.packageSpec));
        summary = r.summary;
        svgs = r.svgs;
        aggregated = true;
        if (!summary) warnings.push(...r.warnings.map((w) => `${rel}/${w}`));
      } catch (err) {
        warnings.push(`${rel}: could not be aggregated (${errorLine(err)})`);
      }
    }
  }
  if (!aggregated && first) {
    const s = readGroupSummary(dir);
    if (s.error) warnings.push(`${rel}/${s.error}`);
    summary = s.summary;
  }
  if (summary) warnings.push(...summary.warnings.map((w) => `${rel}: ${w}`));
  for (const name of stale) {
    try {
      if (lstatSync(join(dir, name)).isDirectory())
        warnings.push(`${rel}/${name}: interrupted attempt left behind ('paperkit clean' removes it)`);
    } catch {
      // Raced with a clean.
    }
  }
  return { rel, summary, runs, stale, warnings, ...(svgs ? { svgs } : {}) };
}

export type { CellStatistic, MetricSpec, PlotSpec };
