import { type BackendInfo, currentBackend } from '../backend/init.js';
import type { CellContext } from '../experiment/cell.js';
import { Rng } from '../random/rng.js';

/** Options of {@link fakeContext}. */
export interface FakeContextOptions {
  /** Preset name reported to the experiment; default `quick`. */
  readonly preset?: string;
  /** Backend reported to the experiment; default the one `initBackend` selected. */
  readonly backend?: BackendInfo;
  /** Abort signal; default one that never fires. */
  readonly signal?: AbortSignal;
}

/**
 * A runner stand-in for calling an experiment's cell function in tests: a fresh root stream seeded
 * with `seed`, silent progress, and the logged records collected in `records`.
 */
export function fakeCellContext(
  seed = 0,
  options: FakeContextOptions = {},
): CellContext & { readonly records: { step: number; values: Record<string, number | string> }[] } {
  const backend = options.backend ?? currentBackend();
  if (!backend)
    throw new Error('fakeCellContext needs a backend: call initBackend() first or pass options.backend');
  const records: { step: number; values: Record<string, number | string> }[] = [];
  return {
    seed,
    rng: Rng.fromSeed(seed),
    backend,
    preset: options.preset ?? 'quick',
    signal: options.signal ?? new AbortController().signal,
    progress: { start: () => {}, update: () => {} },
    log: (step, values) => void records.push({ step, values: { ...values } }),
    records,
  };
}
