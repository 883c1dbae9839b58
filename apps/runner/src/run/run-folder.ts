import { randomUUID } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { stringifyWithNumbers } from '@paperkit/tensor-core';
import { parseManifest, type RunManifest, type RunStatus } from './manifest.js';
import { mkdirp } from './mkdirp.js';
import { readJsonFile } from './safe-read.js';

export { backendSlug } from './folder-layout.js';

/**
 * The folder of one config of one experiment on one backend: `<out>/<package>/<name>/<hash8>/<backend>`.
 * Its `seed-<n>` subfolders are the runs; the group's `summary.json`, `results.csv` and `plots/`
 * aggregate them.
 */
export function groupFolderPath(
  out: string,
  experimentId: string,
  configHash: string,
  backend: string,
): string {
  return join(out, ...experimentId.split('/'), configHash.slice(0, 8), backend);
}

/** Where a run folder lives: `<group folder>/seed-<n>` (see {@link groupFolderPath}). */
export function runFolderPath(
  out: string,
  experimentId: string,
  configHash: string,
  backend: string,
  seed: number,
): string {
  return join(groupFolderPath(out, experimentId, configHash, backend), `seed-${seed}`);
}

/** Writes `data` as pretty JSON to `path` through a sibling temp file and a rename, so readers never see half a file. */
export function writeJsonAtomic(path: string, data: unknown): void {
  writeTextAtomic(path, `${stringifyWithNumbers(data, 2)}\n`);
}

/**
 * Writes text through a fresh sibling temp file and a rename. The temp name is random and opened
 * with `wx` (fails if anything, a planted symlink included, is there), and the rename replaces a
 * symlink at `path` instead of following it, so nothing outside the folder is ever written.
 */
export function writeTextAtomic(path: string, text: string | Uint8Array): void {
  const part = `${path}.${randomUUID().slice(0, 8)}.part`;
  writeFileSync(part, text, { flag: 'wx' });
  try {
    renameSync(part, path);
  } catch (err) {
    rmSync(part, { force: true });
    throw err;
  }
}

/** Reads a manifest, or null when the file is absent, not valid JSON or not a manifest. */
export function readManifest(dir: string): RunManifest | null {
  const m = readJsonFile(join(dir, 'manifest.json'));
  return m.ok && parseManifest(m.value).ok ? (m.value as RunManifest) : null;
}

/**
 * One run folder under construction. Everything is written into a hidden temp directory next to the
 * target (same parent, so the final rename is atomic on one file system); `manifest.json` exists
 * from the first moment with status `running` and is replaced atomically on every change, so the
 * folder is valid even if the process is killed. {@link RunFolder.commit} moves it into place.
 */
export class RunFolder {
  private finalTarget: string;
  /** Where files are written until commit. */
  readonly temp: string;
  /** Id of this attempt. */
  readonly runId: string;
  private manifest: RunManifest;
  private metricsFd: number | null;
  private committed = false;

  private constructor(target: string, temp: string, manifest: RunManifest) {
    this.finalTarget = target;
    this.temp = temp;
    this.runId = manifest.runId;
    this.manifest = manifest;
    this.metricsFd = openSync(join(temp, 'metrics.jsonl'), 'a');
  }

  /**
   * Creates the temp folder with `config.json` and a `running` manifest (whose runId is filled in).
   * @param target the final folder (see {@link runFolderPath}).
   */
  static create(target: string, config: unknown, manifest: Omit<RunManifest, 'runId'>): RunFolder {
    const runId = randomUUID();
    const parent = dirname(target);
    mkdirp(parent);
    const temp = join(parent, `.${basename(target)}.tmp-${runId.slice(0, 8)}`);
    mkdirSync(temp);
    mkdirSync(join(temp, 'cells'));
    writeJsonAtomic(join(temp, 'config.json'), config);
    // runId second, right after schemaVersion, for people reading the file.
    const { schemaVersion, ...rest } = manifest;
    const full: RunManifest = { schemaVersion, runId, ...rest };
    writeJsonAtomic(join(temp, 'manifest.json'), full);
    return new RunFolder(target, temp, full);
  }

  /** Final location (after a commit that kept an earlier completed run, the side folder). */
  get target(): string {
    return this.finalTarget;
  }

  /** The manifest as last written. */
  get current(): RunManifest {
    return this.manifest;
  }

  /** Where files go now (temp before commit, target after). */
  get dir(): string {
    return this.committed ? this.target : this.temp;
  }

  /** Appends one record to `metrics.jsonl` (synchronously, so it survives a crash). */
  appendMetric(record: object): void {
    if (this.metricsFd === null) return;
    writeSync(this.metricsFd, `${stringifyWithNumbers(record)}\n`);
  }

  /** Writes a JSON file into the folder atomically (non-finite numbers kept as strings). */
  writeJson(name: string, data: unknown): void {
    writeJsonAtomic(join(this.dir, name), data);
  }

  /** Appends raw lines (already JSON) to `metrics.jsonl`, e.g. the reused cells' records of an earlier attempt. */
  appendMetricLines(lines: readonly string[]): void {
    if (this.metricsFd === null || lines.length === 0) return;
    writeSync(this.metricsFd, `${lines.join('\n')}\n`);
  }

  /** Writes a file into the folder atomically. */
  writeFile(name: string, data: string | Uint8Array): void {
    writeTextAtomic(join(this.dir, name), data);
  }

  /** Merges fields into the manifest and rewrites it atomically. */
  updateManifest(patch: Partial<RunManifest>): void {
    this.manifest = { ...this.manifest, ...patch };
    writeJsonAtomic(join(this.dir, 'manifest.json'), this.manifest);
  }

  /**
   * Closes the metrics file and stamps the final status, end time and wall time (synchronous: safe in
   * exit handlers). Only the first call counts, so a hard exit's reason is not overwritten later.
   */
  finalize(
    status: Exclude<RunStatus, 'running'>,
    error: string | null,
    extra: Partial<RunManifest> = {},
  ): void {
    if (this.manifest.status !== 'running') return;
    if (this.metricsFd !== null) {
      closeSync(this.metricsFd);
      this.metricsFd = null;
    }
    const ended = new Date();
    this.updateManifest({
      ...extra,
      status,
      error,
      endedAt: ended.toISOString(),
      wallMs: ended.getTime() - Date.parse(this.manifest.startedAt),
    });
  }

  /**
   * Moves the finished folder to its target and returns where it ended up. A completed run replaces
   * whatever was there. A failed or aborted attempt never destroys an earlier *completed* result:
   * it is then kept beside it as `seed-<n>.<status>-<runId8>` (ignored by `report`).
   */
  commit(): string {
    if (this.committed) return this.target;
    if (this.metricsFd !== null) throw new Error('finalize() the run folder before commit()');
    let dest = this.target;
    if (existsSync(this.target)) {
      const previous = readManifest(this.target);
      if (this.manifest.status !== 'completed' && previous?.status === 'completed') {
        dest = `${this.target}.${this.manifest.status}-${this.runId.slice(0, 8)}`;
      } else {
        const old = join(dirname(this.target), `.${basename(this.target)}.old-${this.runId.slice(0, 8)}`);
        renameSync(this.target, old);
        renameSync(this.temp, this.target);
        rmSync(old, { recursive: true, force: true });
        this.committed = true;
        return this.target;
      }
    }
    renameSync(this.temp, dest);
    this.committed = true;
    this.finalTarget = dest;
    return dest;
  }
}
