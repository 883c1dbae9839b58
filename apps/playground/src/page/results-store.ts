import type { VerdictStatus } from '@paperkit/tensor-core';

/** What the index shows of a package's last finished run in this browser. */
export interface LastRun {
  readonly experiment: string;
  readonly preset: string;
  readonly backend: string;
  readonly wallMs: number;
  readonly verdicts: readonly { readonly claim: string; readonly status: VerdictStatus }[];
  readonly at: string;
}

const KEY = 'paperkit-playground:last-run:';

/** Remembers a finished run (storage may be unavailable, e.g. in private windows: then nothing is kept). */
export function saveLastRun(pkg: string, run: LastRun): void {
  try {
    localStorage.setItem(KEY + pkg, JSON.stringify(run));
  } catch {
    // Nothing to keep it in; the index then shows no last run.
  }
}

/** The last finished run of a package in this browser, or null. */
export function loadLastRun(pkg: string): LastRun | null {
  try {
    const raw = localStorage.getItem(KEY + pkg);
    return raw ? (JSON.parse(raw) as LastRun) : null;
  } catch {
    return null;
  }
}
