import type { BackendInfo, Experiment, ExperimentResult } from '@paperkit/tensor-core';
import { svgToPng } from '../plot/png.js';
import { plotFileStem, renderSvg } from '../plot/render.js';
import type { StderrProgress } from '../progress.js';
import { configHash } from './config-hash.js';
import type { HostEnd, RunHost } from './host.js';
import { errorLine, MANIFEST_SCHEMA_VERSION, type RunManifest, type RunStatus } from './manifest.js';
import { deserializeError, type SerializedError } from './protocol.js';
import { RunFolder, runFolderPath } from './run-folder.js';

/** Git facts shared by all runs of an invocation. */
export interface GitState {
  readonly sha: string | null;
  readonly dirty: boolean | null;
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
  readonly git: GitState;
  /** Where the experiment runs (a worker thread by default). */
  readonly host: RunHost;
  /** First Ctrl-C: stop at the next abort check. */
  readonly signal: AbortSignal;
  /** Second Ctrl-C: stop now (terminates a worker). */
  readonly kill: AbortSignal;
  readonly progress: StderrProgress;
  /** Called once the backend is up, just before the experiment starts. */
  readonly onStart?: (backend: BackendInfo) => void;
  /** initBackend warnings. */
  readonly onWarning?: (message: string) => void;
  /** Text the experiment's thread printed. */
  readonly onOutput?: (text: string) => void;
  /** Receives the folder while the run is live (null afterwards), so a hard exit can finalise it. */
  readonly onActive?: (folder: RunFolder | null) => void;
}

/** The run could not start: the backend, the registry or the worker failed to load. No folder was written. */
export class RunStartError extends Error {
  override readonly name = 'RunStartError';
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

function isAbort(err: SerializedError, signal: AbortSignal): boolean {
  return signal.aborted || err.name === 'AbortError';
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

/** Status and reason of a hosted run's end, plus the result when there is one. */
function judge(
  end: HostEnd,
  signal: AbortSignal,
): { status: Exclude<RunStatus, 'running'>; error: string | null; result: ExperimentResult | null } {
  switch (end.type) {
    case 'result':
      try {
        checkResult(end.result);
        return { status: 'completed', error: null, result: end.result };
      } catch (err) {
        return { status: 'failed', error: errorLine(err), result: null };
      }
    case 'error': {
      const line = errorLine(deserializeError(end.error));
      return isAbort(end.error, signal)
        ? { status: 'aborted', error: `aborted by the user (${line})`, result: null }
        : { status: 'failed', error: line, result: null };
    }
    case 'stopped':
      return { status: 'aborted', error: `aborted by the user (${end.reason})`, result: null };
    case 'crashed':
      return { status: 'failed', error: end.reason, result: null };
    case 'init-failed':
      return { status: 'failed', error: errorLine(deserializeError(end.error)), result: null };
  }
}

/**
 * Runs one experiment at one seed into its run folder (see {@link RunFolder} for the atomicity
 * guarantees) and never throws for a failing experiment: the outcome says failed or aborted and the
 * folder records why. The folder is created when the host reports the backend (its label goes into
 * the manifest). Returns null when Ctrl-C stopped the run before it started (nothing written); throws
 * {@link RunStartError} when it could not start. Errors of the runner itself (e.g. an unwritable
 * disk) propagate.
 */
export async function executeRun(req: RunRequest): Promise<RunOutcome | null> {
  const e = req.experiment;
  const hash = configHash(req.config);
  const target = runFolderPath(req.out, e.id, hash, req.seed);
  let folder: RunFolder | null = null;
  let started = 0;
  const end = await req.host(
    { experiment: e, config: req.config, seed: req.seed, preset: req.preset },
    {
      onStart(backend, startedAt) {
        started = startedAt;
        folder = RunFolder.create(target, req.config, {
          schemaVersion: MANIFEST_SCHEMA_VERSION,
          experiment: e.id,
          title: e.title,
          paper: e.paper,
          package: req.packageSpec,
          configHash: hash,
          seed: req.seed,
          preset: req.preset,
          overrides: req.overrides,
          backend: backend.label,
          tfjsVersion: backend.tfjsVersion,
          node: process.version,
          platform: process.platform,
          arch: process.arch,
          gitSha: req.git.sha,
          gitDirty: req.git.dirty,
          startedAt: new Date(startedAt).toISOString(),
          endedAt: null,
          wallMs: null,
          finalMemory: null,
          status: 'running',
          error: null,
          warnings: [],
        });
        req.onActive?.(folder);
        req.onStart?.(backend);
      },
      onMetric(record, t) {
        folder?.appendMetric({ ...record, wallMs: t - started });
      },
      onWarning(message) {
        req.onWarning?.(message);
      },
      onOutput(text) {
        req.onOutput?.(text);
      },
      progress: req.progress,
    },
    { abort: req.signal, kill: req.kill },
  );
  req.progress.finish();
  // TypeScript cannot see the assignment in the callback.
  const live = folder as RunFolder | null;
  if (live === null) {
    if (end.type === 'stopped') return null;
    const reason =
      end.type === 'init-failed' || end.type === 'error'
        ? errorLine(deserializeError(end.error))
        : end.type === 'crashed'
          ? end.reason
          : 'the run ended before it started';
    throw new RunStartError(reason);
  }
  const { status, error, result } = judge(end, req.signal);
  const warnings: string[] = [];
  let summary: SummaryFile | null = null;
  if (result) {
    const plots = writePlots(live, result, warnings);
    summary = {
      experiment: e.id,
      summary: result.summary,
      comparisons: result.comparisons,
      series: result.series ?? {},
      plots,
    };
    live.writeJson('summary.json', summary);
  }
  const leaked = end.type === 'result' ? end.leaked : 0;
  if (status === 'completed' && leaked > 0)
    warnings.push(`${leaked} tensors were still allocated after the run (a leak in the experiment?)`);
  const finalMemory = end.type === 'result' || end.type === 'error' ? end.finalMemory : null;
  live.finalize(status, error, { finalMemory, warnings });
  const dir = live.commit();
  req.onActive?.(null);
  return { status, dir, manifest: live.current, summary };
}
