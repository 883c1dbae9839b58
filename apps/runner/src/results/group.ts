import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CellRecord,
  type CellStatistic,
  type ClaimResult,
  claimResults,
  type Experiment,
  formatCitation,
  type MetricSpec,
  type PlotSpec,
  resultsToCsv,
  rowsOf,
  stringifyWithNumbers,
  summarizeExperiment,
} from '@paperkit/tensor-core';
import { svgToPng } from '../plot/png.js';
import { plotFileStem, renderSvg } from '../plot/render.js';
import { loadCells, orderedRecords } from '../run/cells-store.js';
import { configHash } from '../run/config-hash.js';
import { errorLine, type RunManifest } from '../run/manifest.js';
import { readManifest, writeJsonAtomic, writeTextAtomic } from '../run/run-folder.js';
import { readJsonFile } from '../run/safe-read.js';

/** A claim as written to a group's summary: the declaration (as data) beside its verdict. */
export type { ClaimResult };

/** What {@link summarizeGroup} returns. */
export type GroupAggregate = Awaited<ReturnType<typeof summarizeGroup>>;

/**
 * Groups aggregated earlier in this process, by group folder (a pooled repro aggregates each group as
 * its last seed ends, while other runs still use the cores); the report uses them instead of
 * aggregating again. Null: the early aggregation failed, so the report does it.
 */
export type GroupAggregates = ReadonlyMap<string, Promise<GroupAggregate | null>>;

/** `summary.json` of a group folder (one experiment, one config, one backend, every seed run there). */
export interface GroupSummary {
  readonly schemaVersion: 1;
  readonly experiment: string;
  readonly title: string;
  readonly paper: string;
  readonly package: string;
  readonly preset: string;
  readonly configHash: string;
  readonly backend: string;
  readonly backendId: string;
  readonly deterministic: boolean;
  readonly config: unknown;
  /** Seeds whose runs completed (the statistics and verdicts use exactly these). */
  readonly seeds: readonly number[];
  /** Seed folders that did not complete, with why. */
  readonly incomplete: readonly {
    readonly seed: number;
    readonly status: string;
    readonly error: string | null;
  }[];
  readonly wallMs: number;
  readonly metrics: Readonly<Record<string, MetricSpec>>;
  readonly statistics: readonly CellStatistic[];
  readonly claims: readonly ClaimResult[];
  /** Plot specs (data) and the files rendered from them. */
  readonly plots: readonly { readonly spec: PlotSpec; readonly svg: string; readonly png: string | null }[];
  readonly warnings: readonly string[];
  readonly notes: readonly string[];
}

/** The seed folders of a group: their manifests, and the completed seeds' cell records. */
export interface GroupRuns {
  readonly runs: readonly { readonly seed: number; readonly dir: string; readonly manifest: RunManifest }[];
  readonly records: readonly CellRecord[];
  readonly warnings: readonly string[];
}

const SEED_DIR = /^seed-(\d+)$/;

/**
 * Reads the `seed-<n>` folders of a group through their schemas (no symlinks followed). Folders whose
 * manifest is damaged, or whose config hash differs from `hash` (default: the first valid seed's), are
 * skipped with a warning naming the folder and the field.
 */
export function readGroupRuns(dir: string, hash: string | null, order: readonly string[] | null): GroupRuns {
  const runs: { seed: number; dir: string; manifest: RunManifest }[] = [];
  const records: CellRecord[] = [];
  const warnings: string[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && SEED_DIR.test(d.name))
      .map((d) => d.name);
  } catch {
    return { runs, records, warnings };
  }
  for (const name of names.sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)))) {
    const path = join(dir, name);
    const m = readJsonFile(join(path, 'manifest.json'));
    const manifest = m.ok ? readManifest(path) : null;
    if (!manifest) {
      warnings.push(
        `${name}: skipped (manifest.json ${m.ok ? 'does not match the manifest schema' : m.error})`,
      );
      continue;
    }
    hash ??= manifest.configHash;
    if (manifest.configHash !== hash) {
      warnings.push(`${name}: skipped (its configHash differs from the group's)`);
      continue;
    }
    runs.push({ seed: manifest.seed, dir: path, manifest });
    if (manifest.status !== 'completed') continue;
    const loaded = loadCells(path);
    for (const w of loaded.warnings) warnings.push(`${name}/${w}`);
    const keys = order ?? [...loaded.cells.keys()];
    const mine = orderedRecords(manifest.seed, loaded.cells, keys);
    if (mine.length !== keys.length) {
      warnings.push(
        `${name}: skipped (${keys.length - mine.length} of its ${keys.length} cells are missing or damaged)`,
      );
      continue;
    }
    records.push(...mine);
  }
  return { runs, records, warnings };
}

/**
 * Aggregates a group folder from its seed folders with the experiment's definition: statistics,
 * verdicts (each claim computed per seed, judged on the 95% interval across the completed seeds),
 * plots (Vega-Lite → SVG and PNG), and writes `summary.json`, `results.csv` and `results.jsonl`
 * (every completed seed) and `plots/` into the group folder. The summary is null when no seed completed
 * (a stale `summary.json` is then removed); warnings name every skipped folder or file.
 */
export async function summarizeGroup(
  dir: string,
  e: Experiment,
  config: unknown,
  packageSpec: string,
): Promise<{
  summary: GroupSummary | null;
  warnings: readonly string[];
  /** The SVG text of each plot written (by plot id), for a report that inlines them. */
  svgs: ReadonlyMap<string, string>;
}> {
  const hash = configHash(config);
  const order = e.cells(config as never).map((c) => c.key);
  const g = readGroupRuns(dir, hash, order);
  const done = g.runs.filter(
    (r) => r.manifest.status === 'completed' && g.records.some((x) => x.seed === r.seed),
  );
  if (done.length === 0) {
    // No usable seed: a stale summary from earlier seeds must not stand for this state.
    rmSync(join(dir, 'summary.json'), { force: true });
    return { summary: null, warnings: g.warnings, svgs: new Map() };
  }
  const s = summarizeExperiment(e, config, g.records);
  const warnings = [
    ...g.warnings,
    ...s.plotErrors.map((p) => `plot '${p.id}' could not be built: ${p.error}`),
  ];
  const plotsDir = join(dir, 'plots');
  rmSync(plotsDir, { recursive: true, force: true });
  mkdirSync(plotsDir);
  const plots: GroupSummary['plots'][number][] = [];
  const svgs = new Map<string, string>();
  for (const [i, spec] of s.plots.entries()) {
    const stem = plotFileStem(spec.id, i);
    try {
      const svg = await renderSvg(spec);
      writeTextAtomic(join(plotsDir, `${stem}.svg`), svg);
      svgs.set(spec.id, svg);
      let png: string | null = `plots/${stem}.png`;
      try {
        writeTextAtomic(join(dir, png), svgToPng(svg));
      } catch (err) {
        warnings.push(`plot '${spec.id}' could not be rasterised: ${errorLine(err)}`);
        png = null;
      }
      plots.push({ spec, svg: `plots/${stem}.svg`, png });
    } catch (err) {
      warnings.push(`plot '${spec.id}' could not be rendered: ${errorLine(err)}`);
    }
  }
  const first = done[0]!.manifest;
  // Presets are names for configs: two presets can resolve to one config (one group). The group is
  // labelled with the preset of its newest run, i.e. the name it was last asked for by.
  const newest = done.reduce((a, r) => (r.manifest.startedAt > a.manifest.startedAt ? r : a)).manifest;
  const summary: GroupSummary = {
    schemaVersion: 1,
    experiment: e.id,
    title: e.title,
    paper: formatCitation(e.paper),
    package: packageSpec,
    preset: newest.preset,
    configHash: hash,
    backend: first.backend,
    backendId: first.backendId,
    deterministic: e.deterministic === true,
    config,
    seeds: done.map((r) => r.seed),
    incomplete: g.runs
      .filter((r) => !done.includes(r))
      .map((r) => ({ seed: r.seed, status: r.manifest.status, error: r.manifest.error })),
    wallMs: done.reduce((a, r) => a + (r.manifest.wallMs ?? 0), 0),
    metrics: e.metrics,
    statistics: s.statistics,
    claims: claimResults(s),
    plots,
    warnings,
    notes: e.notes ?? [],
  };
  const rows = rowsOf(g.records);
  writeTextAtomic(join(dir, 'results.csv'), resultsToCsv(rows, Object.keys(e.metrics)));
  writeTextAtomic(
    join(dir, 'results.jsonl'),
    rows.map((r) => stringifyWithNumbers(r)).join('\n') + (rows.length ? '\n' : ''),
  );
  writeJsonAtomic(join(dir, 'summary.json'), summary);
  return { summary, warnings: summary.warnings, svgs };
}
