import type {
  BackendInfo,
  Experiment,
  ExperimentContext,
  ExperimentResult,
  MetricRecord,
} from '@paperkit/tensor-core';
import { Rng } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { svgToPng } from '../plot/png.js';
import { plotFileStem, renderSvg } from '../plot/render.js';
import type { StderrProgress } from '../progress.js';
import { configHash } from './config-hash.js';
import {
  errorLine,
  MANIFEST_SCHEMA_VERSION,
  type MemorySnapshot,
  type RunManifest,
  type RunStatus,
} from './manifest.js';
import { RunFolder, runFolderPath } from './run-folder.js';

/** Facts about the invocation shared by all its runs. */
export interface RunEnvironment {
  readonly backend: BackendInfo;
  readonly git: { readonly sha: string | null; readonly dirty: boolean | null };
}

/** One run to execute. */
export interface RunRequest {
  readonly experiment: Experiment;
  /** `name@version` of the experiment's package. */
  readonly packageSpec: string;
  readonly preset: string;
  /** Keys set with `--set` (recorded in the manifest). */
  readonly overrides: Record<string, unknown>;
  /** The resolved, validated config. */
  readonly config: unknown;
  readonly seed: number;
  /** Output root (`runs/`). */
  readonly out: string;
  readonly env: RunEnvironment;
  readonly signal: AbortSignal;
  readonly progress: StderrProgress;
  /** Receives the folder while the run is live (null afterwards), so a hard exit can finalise it. */
  readonly onActive?: (folder: RunFolder | null) => void;
}

/** A plot as written, listed in summary.json. */
export interface WrittenPlot {
  readonly id: string;
  readonly title: string;
  readonly kind: string;
  readonly svg: string;
  readonly png: string | null;
}

/** `summary.json`. */
export interface SummaryFile {
  readonly experiment: string;
  readonly summary: ExperimentResult['summary'];
  readonly comparisons: ExperimentResult['comparisons'];
  readonly series: NonNullable<ExperimentResult['series']>;
  readonly plots: readonly WrittenPlot[];
}

/** What happened. */
export interface RunOutcome {
  readonly status: Exclude<RunStatus, 'running'>;
  /** Where the folder ended up. */
  readonly dir: string;
  readonly manifest: RunManifest;
  readonly summary: SummaryFile | null;
}

function memory(): MemorySnapshot {
  const m = tf.memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes, numDataBuffers: m.numDataBuffers };
}

function isAbort(err: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (err instanceof Error && err.name === 'AbortError');
}

/** Checks the shape of what an experiment returned, so a malformed result fails the run with a clear reason. */
function checkResult(r: unknown): asserts r is ExperimentResult {
  const o = r as Partial<ExperimentResult> | null;
  if (o === null || typeof o !== 'object') throw new Error('experiment returned no result object');
  if (o.summary === null || typeof o.summary !== 'object' || Array.isArray(o.summary))
    throw new Error('experiment result has no summary object');
  if (!Array.isArray(o.comparisons)) throw new Error('experiment result has no comparisons array');
  if (!Array.isArray(o.plots)) throw new Error('experiment result has no plots array');
}

/** Renders every plot to plots/<id>.svg and .png; a plot that fails becomes a warning, not a failed run. */
function writePlots(folder: RunFolder, result: ExperimentResult, warnings: string[]): WrittenPlot[] {
  const written: WrittenPlot[] = [];
  const used = new Set<string>();
  result.plots.forEach((spec, i) => {
    let stem = plotFileStem(spec.id, i);
    for (let k = 2; used.has(stem); k++) stem = `${plotFileStem(spec.id, i)}-${k}`;
    used.add(stem);
    let svg: string;
    try {
      svg = renderSvg(spec);
    } catch (err) {
      warnings.push(`plot '${spec.id}' could not be rendered: ${errorLine(err)}`);
      return;
    }
    folder.writeFile(`plots/${stem}.svg`, svg);
    let png: string | null = `plots/${stem}.png`;
    try {
      folder.writeFile(png, svgToPng(svg));
    } catch (err) {
      warnings.push(`plot '${spec.id}' could not be rasterised: ${errorLine(err)}`);
      png = null;
    }
    written.push({ id: spec.id, title: spec.title, kind: spec.kind, svg: `plots/${stem}.svg`, png });
  });
  return written;
}

/**
 * Runs one experiment at one seed into its run folder (see {@link RunFolder} for the atomicity
 * guarantees) and never throws for a failing experiment: the outcome says failed or aborted and the
 * folder records why. Errors of the runner itself (e.g. an unwritable disk) do propagate.
 */
export async function executeRun(req: RunRequest): Promise<RunOutcome> {
  const e = req.experiment;
  const hash = configHash(req.config);
  const target = runFolderPath(req.out, e.id, hash, req.seed);
  const started = Date.now();
  const folder = RunFolder.create(target, req.config, {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    experiment: e.id,
    title: e.title,
    paper: e.paper,
    package: req.packageSpec,
    configHash: hash,
    seed: req.seed,
    preset: req.preset,
    overrides: req.overrides,
    backend: req.env.backend.label,
    tfjsVersion: req.env.backend.tfjsVersion,
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    gitSha: req.env.git.sha,
    gitDirty: req.env.git.dirty,
    startedAt: new Date(started).toISOString(),
    endedAt: null,
    wallMs: null,
    finalMemory: null,
    status: 'running',
    error: null,
    warnings: [],
  });
  req.onActive?.(folder);
  const tensorsBefore = tf.memory().numTensors;
  const ctx: ExperimentContext = {
    seed: req.seed,
    rng: Rng.fromSeed(req.seed),
    backend: req.env.backend,
    preset: req.preset,
    signal: req.signal,
    progress: req.progress,
    metrics: {
      write(record: MetricRecord): void {
        folder.appendMetric({ ...record, wallMs: Date.now() - started });
      },
    },
  };
  let status: Exclude<RunStatus, 'running'> = 'completed';
  let error: string | null = null;
  let result: ExperimentResult | null = null;
  try {
    const r = await e.run(req.config as never, ctx);
    checkResult(r);
    result = r;
  } catch (err) {
    status = isAbort(err, req.signal) ? 'aborted' : 'failed';
    error = status === 'aborted' ? `aborted by the user (${errorLine(err)})` : errorLine(err);
  }
  req.progress.finish();
  const warnings: string[] = [];
  let summary: SummaryFile | null = null;
  if (result) {
    const plots = writePlots(folder, result, warnings);
    summary = {
      experiment: e.id,
      summary: result.summary,
      comparisons: result.comparisons,
      series: result.series ?? {},
      plots,
    };
    folder.writeJson('summary.json', summary);
  }
  const leaked = tf.memory().numTensors - tensorsBefore;
  if (status === 'completed' && leaked > 0)
    warnings.push(`${leaked} tensors were still allocated after the run (a leak in the experiment?)`);
  folder.finalize(status, error, { finalMemory: memory(), warnings });
  const dir = folder.commit();
  req.onActive?.(null);
  return { status, dir, manifest: folder.current, summary };
}
