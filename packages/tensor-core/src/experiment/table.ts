import { type SampleSummary, summarize } from '../stats/interval.js';
import { PaperkitInputError } from '../validate/errors.js';
import type { CellParams } from './cells.js';
import { decodeNumber, encodeNumber } from './json-numbers.js';

/** One row of an experiment's results: one cell at one seed. */
export interface ResultRow {
  readonly seed: number;
  /** Cell key (see `cellOf`). */
  readonly cell: string;
  /** Cell label. */
  readonly label: string;
  readonly params: CellParams;
  readonly metrics: Readonly<Record<string, number>>;
}

/** Selects rows by cell parameters: every given name must equal the row's value. */
export type Where = Readonly<Record<string, string | number | boolean>>;

function matches(row: ResultRow, where: Where | undefined): boolean {
  if (!where) return true;
  for (const [k, v] of Object.entries(where)) if (row.params[k] !== v) return false;
  return true;
}

function describeWhere(where: Where | undefined): string {
  if (!where || Object.keys(where).length === 0) return 'all cells';
  return Object.entries(where)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/** The rows of one seed, with the lookups claims are written with. */
export class SeedTable {
  constructor(
    readonly seed: number,
    readonly all: readonly ResultRow[],
  ) {}

  /** Rows matching `where` (all rows without it). */
  rows(where?: Where): ResultRow[] {
    return this.all.filter((r) => matches(r, where));
  }

  /** The one row matching `where`; zero or several matches are an error naming the filter. */
  row(where?: Where): ResultRow {
    const hits = this.rows(where);
    if (hits.length !== 1)
      throw new PaperkitInputError(
        'where',
        describeWhere(where),
        `a filter that selects exactly one cell at seed ${this.seed} (it selects ${hits.length})`,
      );
    return hits[0]!;
  }

  /** A metric of the one row matching `where`. */
  value(metric: string, where?: Where): number {
    const r = this.row(where);
    const v = r.metrics[metric];
    if (v === undefined)
      throw new PaperkitInputError(
        'metric',
        metric,
        `one of the cell's metrics (${Object.keys(r.metrics).join(', ')})`,
      );
    return v;
  }

  /** A metric of every row matching `where`, in row order. */
  values(metric: string, where?: Where): number[] {
    return this.rows(where).map((r) => {
      const v = r.metrics[metric];
      if (v === undefined) throw new PaperkitInputError('metric', metric, 'a metric of every selected cell');
      return v;
    });
  }
}

/** Statistics of one metric of one cell across seeds. */
export interface CellStatistic extends SampleSummary {
  readonly cell: string;
  readonly label: string;
  readonly params: CellParams;
  readonly metric: string;
  /** The per-seed values, in seed order. */
  readonly values: readonly number[];
  /** Whether the values differ across seeds (a constant is shown as a number, not as mean ± interval). */
  readonly varies: boolean;
}

/** Every row of an experiment across seeds. */
export class ResultsTable {
  readonly rows: readonly ResultRow[];
  constructor(rows: readonly ResultRow[]) {
    this.rows = [...rows].sort((a, b) => a.seed - b.seed);
  }

  /** Seeds present, ascending. */
  seeds(): number[] {
    return [...new Set(this.rows.map((r) => r.seed))];
  }

  /** One {@link SeedTable} per seed, ascending. */
  bySeed(): SeedTable[] {
    return this.seeds().map(
      (s) =>
        new SeedTable(
          s,
          this.rows.filter((r) => r.seed === s),
        ),
    );
  }

  /** Distinct cells in first-appearance order. */
  cells(): { key: string; label: string; params: CellParams }[] {
    const seen = new Map<string, { key: string; label: string; params: CellParams }>();
    for (const r of this.rows)
      if (!seen.has(r.cell)) seen.set(r.cell, { key: r.cell, label: r.label, params: r.params });
    return [...seen.values()];
  }

  /** Metric names, in first-appearance order. */
  metrics(): string[] {
    const seen = new Set<string>();
    for (const r of this.rows) for (const m of Object.keys(r.metrics)) seen.add(m);
    return [...seen];
  }

  /** Mean, spread and 95% interval of every metric of every cell across seeds. */
  statistics(): CellStatistic[] {
    const out: CellStatistic[] = [];
    for (const c of this.cells()) {
      const rows = this.rows.filter((r) => r.cell === c.key);
      for (const m of this.metrics()) {
        const values = rows.map((r) => r.metrics[m]).filter((v): v is number => v !== undefined);
        if (values.length === 0) continue;
        const varies = values.some((v) => !Object.is(v, values[0]));
        out.push({
          cell: c.key,
          label: c.label,
          params: c.params,
          metric: m,
          values,
          varies,
          ...summarize(values),
        });
      }
    }
    return out;
  }
}

function csvField(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function csvNumber(x: number): string {
  const e = encodeNumber(x);
  return typeof e === 'number' ? String(e) : e;
}

/**
 * Wide CSV of results: `seed,cell,<param columns>,<metric columns>`, one row per cell and seed.
 * Non-finite metrics are written as NaN / Infinity / -Infinity (pandas reads all three).
 */
export function resultsToCsv(rows: readonly ResultRow[], metrics?: readonly string[]): string {
  const params: string[] = [];
  const ms: string[] = metrics ? [...metrics] : [];
  for (const r of rows) {
    for (const p of Object.keys(r.params)) if (!params.includes(p)) params.push(p);
    if (!metrics) for (const m of Object.keys(r.metrics)) if (!ms.includes(m)) ms.push(m);
  }
  const clash = params.find((p) => ms.includes(p) || p === 'seed' || p === 'cell');
  if (clash !== undefined)
    throw new PaperkitInputError(
      'cell param',
      clash,
      'a name different from every metric and from seed/cell',
    );
  const lines = [['seed', 'cell', ...params, ...ms].map(csvField).join(',')];
  for (const r of rows) {
    const fields = [String(r.seed), csvField(r.cell)];
    for (const p of params) fields.push(r.params[p] === undefined ? '' : csvField(String(r.params[p])));
    for (const m of ms) fields.push(r.metrics[m] === undefined ? '' : csvNumber(r.metrics[m]!));
    lines.push(fields.join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** RFC 4180 records of a CSV text. */
export function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      out.push(row);
      row = [];
      field = '';
    } else field += ch;
    i++;
  }
  if (quoted) throw new PaperkitInputError('csv', 'an unterminated quoted field', 'well-formed CSV');
  if (field !== '' || row.length > 0) {
    row.push(field);
    out.push(row);
  }
  return out;
}

function parseParam(s: string): string | number | boolean {
  if (s === 'true') return true;
  if (s === 'false') return false;
  const n = Number(s);
  return s.trim() !== '' && Number.isFinite(n) && String(n) === s ? n : s;
}

/**
 * Reads {@link resultsToCsv} back. `metrics` names the metric columns (every other column after
 * `seed,cell` is a cell parameter: `true`/`false` become booleans, canonical numbers numbers).
 * Labels are rebuilt from the parameter values.
 */
export function resultsFromCsv(text: string, metrics: readonly string[]): ResultRow[] {
  const records = parseCsv(text).filter((r) => !(r.length === 1 && r[0] === ''));
  const header = records[0];
  if (!header || header[0] !== 'seed' || header[1] !== 'cell')
    throw new PaperkitInputError('csv header', header?.join(','), 'starting with seed,cell');
  const unknown = metrics.filter((m) => !header.includes(m));
  if (unknown.length > 0)
    throw new PaperkitInputError('metrics', unknown, `columns of the CSV (${header.join(', ')})`);
  return records.slice(1).map((rec, line) => {
    if (rec.length !== header.length)
      throw new PaperkitInputError(`csv line ${line + 2}`, rec.length, `${header.length} fields`);
    const seed = Number(rec[0]);
    if (!Number.isSafeInteger(seed))
      throw new PaperkitInputError(`csv line ${line + 2} seed`, rec[0], 'an integer');
    const params: Record<string, string | number | boolean> = {};
    const ms: Record<string, number> = {};
    for (let j = 2; j < header.length; j++) {
      const name = header[j]!;
      const raw = rec[j]!;
      if (metrics.includes(name)) {
        if (raw === '') continue;
        const v = decodeNumber(
          raw === 'NaN' || raw === 'Infinity' || raw === '-Infinity' ? raw : Number(raw),
        );
        if (v === undefined || (Number.isNaN(v) && raw !== 'NaN'))
          throw new PaperkitInputError(
            `csv line ${line + 2} ${name}`,
            raw,
            'a number, NaN, Infinity or -Infinity',
          );
        ms[name] = v;
      } else if (raw !== '') params[name] = parseParam(raw);
    }
    const values = Object.values(params);
    return {
      seed,
      cell: rec[1]!,
      label: values.length === 0 ? 'all' : values.map(String).join(' · '),
      params,
      metrics: ms,
    };
  });
}
