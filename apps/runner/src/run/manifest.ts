import { execFileSync } from 'node:child_process';

/** Version of the manifest layout; bump when a field changes meaning. */
export const MANIFEST_SCHEMA_VERSION = 1;

/** Lifecycle of a run as recorded in its manifest. */
export type RunStatus = 'running' | 'completed' | 'failed' | 'aborted';

/** `tf.memory()` at the end of a run (the fields every backend reports). */
export interface MemorySnapshot {
  readonly numTensors: number;
  readonly numBytes: number;
  readonly numDataBuffers: number;
}

/** `manifest.json`: everything needed to know what produced a run folder. */
export interface RunManifest {
  readonly schemaVersion: number;
  /** Unique id of this attempt (random UUID). */
  readonly runId: string;
  /** Experiment id, e.g. `demo/mnist-mlp`. */
  readonly experiment: string;
  /** Experiment title and paper, copied so a report needs no registry. */
  readonly title: string;
  readonly paper: string;
  /** `name@version` of the package that defines the experiment. */
  readonly package: string;
  /** sha256 of the canonical resolved config (config.json). */
  readonly configHash: string;
  readonly seed: number;
  readonly preset: string;
  /** Config keys overridden with `--set`. */
  readonly overrides: Record<string, unknown>;
  /** Backend label from initBackend, e.g. `wasm` or `wasm+blas`. */
  readonly backend: string;
  readonly tfjsVersion: string;
  readonly node: string;
  readonly platform: string;
  readonly arch: string;
  /** `git rev-parse HEAD` of the working directory, or null outside a git checkout. */
  readonly gitSha: string | null;
  /** Whether the checkout had uncommitted changes; null when unknown. */
  readonly gitDirty: boolean | null;
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly wallMs: number | null;
  readonly finalMemory: MemorySnapshot | null;
  readonly status: RunStatus;
  /** One-line reason for failed/aborted runs, else null. */
  readonly error: string | null;
  /** Non-fatal problems (e.g. a plot that could not be rendered). */
  readonly warnings: readonly string[];
}

/** Git revision of `cwd`, tolerating a missing git binary or a directory outside any repository. */
export function gitInfo(cwd: string): { sha: string | null; dirty: boolean | null } {
  const git = (args: string[]): string | null => {
    try {
      return execFileSync('git', args, {
        cwd,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 10_000,
      }).trim();
    } catch {
      return null;
    }
  };
  const sha = git(['rev-parse', 'HEAD']);
  if (sha === null || !/^[0-9a-f]{40}$/.test(sha)) return { sha: null, dirty: null };
  const status = git(['status', '--porcelain', '--untracked-files=no']);
  return { sha, dirty: status === null ? null : status.length > 0 };
}

/** A short one-line description of an error for manifests and stderr. */
export function errorLine(err: unknown): string {
  const text =
    err instanceof Error
      ? `${err.name && err.name !== 'Error' ? `${err.name}: ` : ''}${err.message}`
      : String(err);
  return text.replace(/\s*\n\s*/g, ' | ').slice(0, 2000);
}
