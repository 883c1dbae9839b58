import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { SummaryFile } from '../run/execute.js';
import type { RunManifest } from '../run/manifest.js';

/** One run folder found on disk. */
export interface RunRecord {
  /** Absolute path. */
  readonly dir: string;
  /** Path relative to the report's output root, with `/` separators. */
  readonly rel: string;
  readonly manifest: RunManifest;
  /** Resolved config, or null when config.json is missing or unreadable. */
  readonly config: unknown;
  /** summary.json, present for completed runs. */
  readonly summary: SummaryFile | null;
}

/** Runs of one experiment with one resolved config (one config hash), seeds ascending. */
export interface RunGroup {
  readonly configHash: string;
  readonly preset: string;
  readonly runs: readonly RunRecord[];
}

/** Everything about one experiment in the report; config groups newest first. */
export interface ExperimentGroup {
  readonly id: string;
  readonly title: string;
  readonly paper: string;
  readonly package: string;
  readonly groups: readonly RunGroup[];
}

const SEED_DIR = /^seed-\d+$/;
const MAX_DEPTH = 8;

function readJson<T>(path: string): T | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return null;
  }
}

/**
 * Finds run folders (`…/seed-<n>/manifest.json`) under `out`. Hidden directories (attempts in
 * progress, `.tmp-`/`.old-` leftovers) and side folders of failed attempts are skipped, as are
 * manifests that do not parse.
 */
export function gatherRuns(out: string): RunRecord[] {
  const found: RunRecord[] = [];
  const walk = (dir: string, depth: number): void => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const d of entries) {
      if (!d.isDirectory() || d.name.startsWith('.') || d.name === 'node_modules') continue;
      const path = join(dir, d.name);
      if (SEED_DIR.test(d.name)) {
        const manifest = readJson<RunManifest>(join(path, 'manifest.json'));
        if (manifest && typeof manifest.experiment === 'string' && typeof manifest.status === 'string') {
          found.push({
            dir: path,
            rel: relative(out, path).split(/[\\/]/).join('/'),
            manifest,
            config: readJson(join(path, 'config.json')),
            summary: readJson<SummaryFile>(join(path, 'summary.json')),
          });
          continue;
        }
      }
      if (depth < MAX_DEPTH) walk(path, depth + 1);
    }
  };
  walk(out, 0);
  return found;
}

/** Groups runs by experiment (sorted by id) and config hash (most recently started first). */
export function groupRuns(runs: readonly RunRecord[]): ExperimentGroup[] {
  const byExp = new Map<string, RunRecord[]>();
  for (const r of runs) {
    const list = byExp.get(r.manifest.experiment) ?? [];
    list.push(r);
    byExp.set(r.manifest.experiment, list);
  }
  const latest = (rs: readonly RunRecord[]) =>
    Math.max(...rs.map((r) => Date.parse(r.manifest.startedAt) || 0));
  return [...byExp.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, rs]) => {
      const byHash = new Map<string, RunRecord[]>();
      for (const r of rs) {
        const list = byHash.get(r.manifest.configHash) ?? [];
        list.push(r);
        byHash.set(r.manifest.configHash, list);
      }
      const groups: RunGroup[] = [...byHash.entries()]
        .map(([configHash, list]) => ({
          configHash,
          preset: list[0]!.manifest.preset,
          runs: [...list].sort((a, b) => a.manifest.seed - b.manifest.seed),
        }))
        .sort((a, b) => latest(b.runs) - latest(a.runs));
      const newest = [...rs].sort(
        (a, b) => (Date.parse(b.manifest.startedAt) || 0) - (Date.parse(a.manifest.startedAt) || 0),
      )[0]!;
      return {
        id,
        title: newest.manifest.title,
        paper: newest.manifest.paper,
        package: newest.manifest.package,
        groups,
      };
    });
}
