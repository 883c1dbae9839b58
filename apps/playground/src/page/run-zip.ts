import {
  type CellStatistic,
  type MetricSpec,
  type PlotSpec,
  resultsToCsv,
  rowsOf,
  stringifyWithNumbers,
} from '@paperkit/tensor-core';
import { zipSync } from 'fflate';
import { cellFileName } from '../../../runner/src/run/cell-file.js';
import { backendSlug, runFolderRel } from '../../../runner/src/run/folder-layout.js';
import { MANIFEST_SCHEMA_VERSION, type RunManifest } from '../../../runner/src/run/manifest-schema.js';
import type { CellData, ClaimData, LogData, SeedEnd } from '../shared/protocol.js';

/** Everything a finished run of the page holds, to be written as the runner's run folders. */
export interface CompletedRun {
  readonly experiment: string;
  readonly title: string;
  readonly paper: string;
  /** `name@version`. */
  readonly packageSpec: string;
  readonly preset: string;
  readonly overrides: Readonly<Record<string, unknown>>;
  readonly config: Record<string, unknown>;
  readonly configHash: string;
  readonly backend: { readonly label: string; readonly tfjsVersion: string };
  readonly deterministic: boolean;
  readonly metrics: Readonly<Record<string, MetricSpec>>;
  readonly cells: readonly CellData[];
  readonly logs: readonly LogData[];
  readonly seeds: readonly SeedEnd[];
  readonly statistics: readonly CellStatistic[];
  readonly claims: readonly ClaimData[];
  readonly plots: readonly { readonly spec: PlotSpec; readonly svg: string }[];
  readonly notes: readonly string[];
  /** Cell keys of the config, in the experiment's order. */
  readonly order: readonly string[];
}

const text = (s: string) => new TextEncoder().encode(s);
const json = (v: unknown) => text(`${stringifyWithNumbers(v, 2)}\n`);

function browserName(): string {
  const brands = (navigator as { userAgentData?: { brands?: { brand: string; version: string }[] } })
    .userAgentData?.brands;
  const b = brands?.find((x) => !/not.?a.?brand/i.test(x.brand));
  return b ? `${b.brand} ${b.version} (browser)` : `browser (${navigator.userAgent})`;
}

/**
 * The run as the runner's folders (`<package>/<name>/<hash8>/<backend>/seed-<n>/` with config.json,
 * manifest.json, cells/, metrics.jsonl, results.csv, results.jsonl; the group's summary.json,
 * results.csv and plots/) zipped under `runs/`, so `paperkit report --out runs` reads it like a CLI run.
 */
export function runFolderZip(run: CompletedRun): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  const backendId = backendSlug(run.backend.label, null);
  const metricNames = Object.keys(run.metrics);
  let group = '';
  for (const end of run.seeds) {
    const dir = `runs/${runFolderRel(run.experiment, run.configHash, backendId, end.seed)}`;
    group = dir.slice(0, dir.lastIndexOf('/'));
    const cells = run.order
      .map((k) => run.cells.find((c) => c.seed === end.seed && c.key === k))
      .filter((c): c is CellData => c !== undefined);
    const manifest: RunManifest = {
      schemaVersion: MANIFEST_SCHEMA_VERSION,
      runId: crypto.randomUUID(),
      experiment: run.experiment,
      title: run.title,
      paper: run.paper,
      package: run.packageSpec,
      configHash: run.configHash,
      seed: end.seed,
      preset: run.preset,
      overrides: { ...run.overrides },
      backend: run.backend.label,
      blasThreads: null,
      backendId,
      tfjsVersion: run.backend.tfjsVersion,
      node: browserName(),
      platform: navigator.platform || 'browser',
      arch: 'browser',
      gitSha: null,
      gitDirty: null,
      startedAt: end.startedAt,
      endedAt: end.endedAt,
      wallMs: end.wallMs,
      finalMemory: end.finalMemory,
      status: 'completed',
      error: null,
      warnings:
        end.leaked > 0
          ? [`${end.leaked} tensor(s) still allocated after the run (a leak in the experiment)`]
          : [],
      cells: { total: run.order.length, completed: cells.map((c) => c.key), reused: [] },
      resumedFrom: null,
    };
    files[`${dir}/config.json`] = json(run.config);
    files[`${dir}/manifest.json`] = json(manifest);
    for (const c of cells)
      files[`${dir}/${cellFileName(c.key)}`] = json({
        key: c.key,
        label: c.label,
        params: c.params,
        result: c.result,
        wallMs: c.wallMs,
      });
    const logs = run.logs.filter((l) => l.seed === end.seed);
    files[`${dir}/metrics.jsonl`] = text(
      logs.map((l) => stringifyWithNumbers({ cell: l.cell, step: l.step, ...l.values })).join('\n') +
        (logs.length ? '\n' : ''),
    );
    const rows = rowsOf(cells.map((c) => ({ seed: c.seed, cell: c, result: c.result })));
    files[`${dir}/results.csv`] = text(resultsToCsv(rows, metricNames));
    files[`${dir}/results.jsonl`] = text(
      rows.map((r) => stringifyWithNumbers(r)).join('\n') + (rows.length ? '\n' : ''),
    );
  }
  if (group) {
    const all = rowsOf(run.cells.map((c) => ({ seed: c.seed, cell: c, result: c.result })));
    files[`${group}/results.csv`] = text(resultsToCsv(all, metricNames));
    const plots = run.plots.map((p, i) => {
      const stem = p.spec.id.replace(/[^A-Za-z0-9_-]+/g, '-') || `plot-${i}`;
      files[`${group}/plots/${stem}.svg`] = text(p.svg);
      return { spec: p.spec, svg: `plots/${stem}.svg`, png: null };
    });
    // The runner's group summary (results/group.ts): `paperkit report` re-aggregates known experiments
    // from the seed folders and falls back to this file for unknown ones.
    files[`${group}/summary.json`] = json({
      schemaVersion: 1,
      experiment: run.experiment,
      title: run.title,
      paper: run.paper,
      package: run.packageSpec,
      preset: run.preset,
      configHash: run.configHash,
      backend: run.backend.label,
      backendId,
      deterministic: run.deterministic,
      config: run.config,
      seeds: run.seeds.map((s) => s.seed),
      incomplete: [],
      wallMs: run.seeds.reduce((a, s) => a + s.wallMs, 0),
      metrics: run.metrics,
      statistics: run.statistics,
      claims: run.claims,
      plots,
      warnings: [],
      notes: run.notes,
    });
  }
  return zipSync(files, { level: 6 });
}
