import type { PaperComparison, SummaryValue } from '@paperkit/tensor-core';

/** The paper, as every experiment names it. */
export const PAPER =
  'Sohrabi, Ramirez, Zhang, Lacoste-Julien & Gallego-Posada, On PI Controllers for Updating Lagrange Multipliers in Constrained Optimization (ICML 2024)';

/** One comparison row. */
export function row(
  metric: string,
  ours: SummaryValue,
  paper: SummaryValue,
  note: string,
  holds: boolean | null = null,
): PaperComparison {
  return { metric, ours, paper, note, holds };
}

/** Rounds for display in summaries (keeps integers and nulls). */
export function round(v: number | null, digits = 4): number | null {
  if (v === null || !Number.isFinite(v)) return null;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** Every `stride`-th entry (and the last), for plot series of long trajectories. */
export function thin(values: ArrayLike<number>, stride: number): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  for (let t = 0; t < values.length; t += stride) {
    x.push(t);
    y.push(values[t]!);
  }
  if ((values.length - 1) % stride !== 0 && values.length > 0) {
    x.push(values.length - 1);
    y.push(values[values.length - 1]!);
  }
  return { x, y };
}

/** A summary-key slug of a method label: `νPI κp=5 ν=0.9` → `nupi_kp5_nu0.9`. */
export function slug(label: string): string {
  return label
    .replace(/νPI/g, 'nupi')
    .replace(/κp/g, 'kp')
    .replace(/κi/g, 'ki')
    .replace(/ν/g, 'nu')
    .replace(/β/g, 'beta')
    .replace(/=/g, '')
    .replace(/[^A-Za-z0-9.-]+/g, '_')
    .toLowerCase();
}
