import type { BackendInfo } from '../backend/init.js';
import { Rng } from '../random/rng.js';
import { PaperkitInputError } from '../validate/errors.js';
import { abortPoint } from './abort.js';
import type { CellContext, CellResult, ProgressReporter } from './cell.js';
import type { Cell } from './cells.js';
import type { Experiment } from './define.js';
import type { CellRecord } from './views.js';

/** How {@link runCells} runs one seed of an experiment. */
export interface RunCellsOptions {
  readonly seed: number;
  readonly preset: string;
  readonly backend: BackendInfo;
  readonly signal: AbortSignal;
  readonly progress: ProgressReporter;
  /** Receives each `ctx.log` record with the key of the cell that wrote it. */
  readonly log: (cell: string, step: number, values: Readonly<Record<string, number | string>>) => void;
  /** Results of cells already completed for this config, seed and backend: reused, not recomputed. */
  readonly cached?: ReadonlyMap<string, CellResult>;
  /** Run only these cell keys (all without it). */
  readonly only?: readonly string[];
  /** Called as each cell completes (or is reused), before the next starts. */
  readonly onCell?: (record: CellRecord, info: { readonly reused: boolean; readonly wallMs: number }) => void;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/**
 * Checks what a cell returned against the experiment's declaration, so a wrong result fails where it
 * is produced: exactly the declared metrics (each a number; NaN and ±Infinity allowed), curves with
 * equal-length finite x, matrices and images of consistent sizes. Errors name the experiment, the
 * cell and the field.
 */
export function checkCellResult(e: Experiment, cell: Cell, r: unknown): CellResult {
  const at = `${e.id} cell '${cell.key}'`;
  if (!isRecord(r) || !isRecord(r.metrics))
    throw new PaperkitInputError(`${at} result`, r, 'an object { metrics, series?, matrices?, images? }');
  const declared = Object.keys(e.metrics);
  for (const [m, v] of Object.entries(r.metrics)) {
    if (!declared.includes(m))
      throw new PaperkitInputError(
        `${at} metric '${m}'`,
        m,
        `a declared metric of the experiment (${declared.join(', ')})`,
      );
    if (typeof v !== 'number')
      throw new PaperkitInputError(`${at} metric '${m}'`, v, 'a number (NaN and ±Infinity are allowed)');
  }
  for (const m of declared)
    if (!(m in r.metrics))
      throw new PaperkitInputError(
        `${at} metric '${m}'`,
        undefined,
        'returned by every cell (declared in metrics)',
      );
  if (r.series !== undefined) {
    if (!isRecord(r.series))
      throw new PaperkitInputError(`${at} series`, r.series, 'an object of { x, y } curves');
    for (const [name, s] of Object.entries(r.series)) {
      const c = s as { x?: unknown; y?: unknown };
      if (!isRecord(s) || !Array.isArray(c.x) || !Array.isArray(c.y) || c.x.length !== c.y.length)
        throw new PaperkitInputError(
          `${at} series '${name}'`,
          s,
          'a curve { x, y } of equal-length number arrays',
        );
      if (c.x.some((x) => typeof x !== 'number' || !Number.isFinite(x)))
        throw new PaperkitInputError(`${at} series '${name}'.x`, c.x, 'finite numbers');
    }
  }
  if (r.matrices !== undefined) {
    if (!isRecord(r.matrices))
      throw new PaperkitInputError(`${at} matrices`, r.matrices, 'an object of matrices');
    for (const [name, m] of Object.entries(r.matrices)) {
      const mm = m as { rows?: unknown; cols?: unknown; values?: unknown };
      if (
        !isRecord(m) ||
        !Number.isInteger(mm.rows) ||
        !Number.isInteger(mm.cols) ||
        !Array.isArray(mm.values) ||
        mm.values.length !== (mm.rows as number) * (mm.cols as number)
      )
        throw new PaperkitInputError(
          `${at} matrix '${name}'`,
          m,
          '{ rows, cols, values } with rows·cols values',
        );
    }
  }
  if (r.images !== undefined) {
    if (!isRecord(r.images))
      throw new PaperkitInputError(`${at} images`, r.images, 'an object of image sets');
    for (const [name, im] of Object.entries(r.images)) {
      const ii = im as { width?: unknown; height?: unknown; images?: unknown };
      const size = (ii.width as number) * (ii.height as number);
      if (
        !isRecord(im) ||
        !Number.isInteger(ii.width) ||
        !Number.isInteger(ii.height) ||
        !Array.isArray(ii.images) ||
        ii.images.some((x) => !Array.isArray(x) || x.length !== size)
      )
        throw new PaperkitInputError(
          `${at} images '${name}'`,
          im,
          '{ width, height, images } with width·height values per image',
        );
    }
  }
  return r as unknown as CellResult;
}

/** A progress reporter whose phase labels name the cell (`[3/8 νPI κp=5] training`). */
function cellProgress(outer: ProgressReporter, prefix: string): ProgressReporter {
  return {
    start: (label, total) => outer.start(label ? `${prefix} ${label}` : prefix, total),
    update: (done, status) => (status === undefined ? outer.update(done) : outer.update(done, status)),
  };
}

/**
 * Runs the cells of one seed in order: reused cells come from `cached`, the others run with a fresh
 * root stream of the seed each (so a cell's numbers do not depend on which cells ran before, and a
 * resumed run equals an uninterrupted one). Stops with an `AbortError` at the first abort point after
 * the signal fires; completed cells were already handed to `onCell`.
 */
export async function runCells(e: Experiment, config: unknown, o: RunCellsOptions): Promise<CellRecord[]> {
  const cells = e.cells(config as never);
  const only = o.only ? new Set(o.only) : null;
  if (only)
    for (const k of only)
      if (!cells.some((c) => c.key === k)) throw new PaperkitInputError('only', k, `a cell key of ${e.id}`);
  const chosen = only ? cells.filter((c) => only.has(c.key)) : cells;
  const out: CellRecord[] = [];
  for (const [i, cell] of chosen.entries()) {
    const cached = o.cached?.get(cell.key);
    if (cached) {
      const record = { seed: o.seed, cell, result: checkCellResult(e, cell, cached) };
      out.push(record);
      o.onCell?.(record, { reused: true, wallMs: 0 });
      continue;
    }
    await abortPoint(o.signal);
    const prefix = chosen.length > 1 ? `[${i + 1}/${chosen.length} ${cell.label}]` : '';
    const progress = prefix ? cellProgress(o.progress, prefix) : o.progress;
    if (prefix) o.progress.start(prefix, 0);
    const ctx: CellContext = {
      seed: o.seed,
      rng: Rng.fromSeed(o.seed),
      backend: o.backend,
      preset: o.preset,
      signal: o.signal,
      progress,
      log: (step, values) => o.log(cell.key, step, values),
    };
    const t0 = Date.now();
    const result = checkCellResult(e, cell, await e.cell(config as never, cell.params, ctx));
    const record = { seed: o.seed, cell, result };
    out.push(record);
    o.onCell?.(record, { reused: false, wallMs: Date.now() - t0 });
  }
  return out;
}
