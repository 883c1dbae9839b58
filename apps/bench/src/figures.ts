import { benchAdamRotation, QUICK_ADAM_ROTATION } from './cases/adam-rotation.js';
import { benchAdditiveDecoders } from './cases/additive-decoders.js';
import { benchCausalDisentangle } from './cases/causal-disentangle.js';
import { benchCriticalMomenta } from './cases/critical-momenta.js';
import { benchDisparatePruning } from './cases/disparate-pruning.js';
import { benchNino } from './cases/nino.js';
import { benchNupi } from './cases/nupi.js';
import { benchPerformativeGame } from './cases/performative-game.js';
import { benchQuantizedFactors } from './cases/quantized-factors.js';
import { benchTfjsFit } from './cases/tfjs-fit.js';
import { benchWeightSharing } from './cases/weight-sharing.js';
/**
 * Paper benchmarks that measure themselves and return figures (other packages contribute these as
 * `cases/<paper>.ts` exporting `bench<Paper>(options): Promise<BenchFigure[]>`). Register one by
 * adding an entry to FIGURE_BENCHES and the paper package to this app's dependencies, e.g.
 *
 *   import { benchCriticalMomenta } from './cases/critical-momenta.js';
 *   { name: 'critical-momenta', run: (quick) => benchCriticalMomenta(quick ? { params: 1e4, rounds: 3 } : {}) },
 */

/** One measured figure, as the paper benchmarks report them. */
export interface BenchFigure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The reference value the figure is compared with (a spec number or a baseline method). */
  readonly baseline?: number;
  readonly ratio?: number;
  readonly note?: string;
}

/** A registered paper benchmark; `--filter` matches its name. */
export interface FigureBench {
  readonly name: string;
  run(quick: boolean): Promise<readonly BenchFigure[]>;
}

/** The paper benchmarks `main` runs after the kernel cases. */
export const FIGURE_BENCHES: readonly FigureBench[] = [
  { name: 'adam-rotation', run: (quick) => benchAdamRotation(quick ? QUICK_ADAM_ROTATION : {}) },
  { name: 'additive-decoders', run: (quick) => benchAdditiveDecoders({ quick }) },
  { name: 'causal-disentangle', run: (quick) => benchCausalDisentangle({ quick }) },
  { name: 'critical-momenta', run: (quick) => benchCriticalMomenta(quick ? { params: 1e4, rounds: 3 } : {}) },
  { name: 'disparate-pruning', run: (quick) => benchDisparatePruning({ quick }) },
  { name: 'nino', run: (quick) => benchNino({ quick }) },
  { name: 'nupi', run: (quick) => benchNupi({ quick }) },
  { name: 'performative-game', run: (quick) => benchPerformativeGame({ quick }) },
  { name: 'quantized-factors', run: (quick) => benchQuantizedFactors({ quick }) },
  { name: 'weight-sharing', run: (quick) => benchWeightSharing(quick ? { sizes: [1e4], rounds: 3 } : {}) },
  {
    name: 'tfjs-fit',
    run: (quick) => benchTfjsFit(quick ? { hidden: 16, batch: 16, trainSize: 64, budgetMs: 30 } : {}),
  },
];

/** Figures as an aligned text table. */
export function figureTable(bench: string, figures: readonly BenchFigure[]): string {
  const fmt = (v: number | undefined) =>
    v === undefined ? '' : Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3);
  const rows = figures.map((f) => [
    f.name.startsWith(`${bench}: `) ? f.name : `${bench}: ${f.name}`,
    `${fmt(f.value)} ${f.unit}`,
    fmt(f.baseline),
    f.ratio === undefined ? '' : `${f.ratio.toFixed(2)}×`,
    f.note ?? '',
  ]);
  const head = ['figure', 'value', 'baseline', 'ratio', 'note'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i >= 1 && i <= 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
