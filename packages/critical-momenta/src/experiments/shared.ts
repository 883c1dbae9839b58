/** Title of the paper, as experiments report it. */
export const PAPER_TITLE = 'Promoting Exploration in Memory-Augmented Adam using Critical Momenta';

/** Rounds to `digits` decimals (for summaries and labels). */
export function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Mean of an array (NaN when empty). */
export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (0 for fewer than two values). */
export function std(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) * (b - m), 0) / (xs.length - 1));
}
