import { defineExperiment, type PaperComparison, throwIfAborted } from '@paperkit/tensor-core';
import { z } from 'zod';
import type { DualOptimizer } from '../dual/base.js';
import { GradientAscent } from '../dual/gradient-ascent.js';
import { Nesterov, PolyakMomentum } from '../dual/momentum.js';
import { NuPI } from '../dual/nupi.js';
import { iterationsToTolerance, maxValue, signChanges } from '../dynamics/metrics.js';
import { criticalKp, dampingRatio, simulateToyKkt, type ToyKktTrajectory } from '../dynamics/oscillator.js';
import { PAPER, round, row, slug } from './shared.js';

const schema = z.strictObject({
  /** Updates per run (spec A9 #7: 2000). */
  steps: z.number().int().min(10).max(100_000),
  /** Primal step α. */
  alpha: z.number().positive(),
  /** Integral gain κ_i (= the GA step). */
  ki: z.number().positive(),
  /** Proportional gains of the νPI runs. */
  kps: z.array(z.number()).min(1),
  /** EMA coefficients of the νPI runs. */
  nus: z.array(z.number().gt(-1).lt(1)).min(1),
  /** Dual momentum coefficients for the Polyak/Nesterov ablation (step κ_i). */
  momenta: z.array(z.number().gt(-1).lt(1)),
  /** Tolerance of max(|x − 1|, |λ − 1|) for "iterations until". */
  tol: z.number().positive(),
  /** νPI init convention. */
  init: z.enum(['zeros', 'sgd']),
  /** κ_p grid of the measured damping curve. */
  kpSweep: z.array(z.number().min(0)).min(2),
  /** Steps shown in the trajectory plots. */
  plotSteps: z.number().int().min(10),
});

type Config = z.output<typeof schema>;

interface Run {
  readonly label: string;
  readonly order: 'dualPrimal' | 'simultaneous';
  readonly traj: ToyKktTrajectory;
  readonly iterations: number | null;
  readonly signChanges: number;
  readonly maxX: number;
  readonly maxLambda: number;
  /** The same metrics over the spec's 2000-update budget (null when the run is shorter). */
  readonly spec: { readonly iterations: number | null; readonly signChanges: number } | null;
}

/** The update budget of the spec's table (A9 #7). */
const SPEC_BUDGET = 2000;

function simulate(
  label: string,
  dual: DualOptimizer,
  c: Config,
  order: 'dualPrimal' | 'simultaneous' = 'dualPrimal',
): Run {
  const traj = simulateToyKkt({ dual, steps: c.steps, alpha: c.alpha, order });
  const spec =
    c.steps >= SPEC_BUDGET
      ? {
          iterations: iterationsToTolerance(traj.distance.subarray(0, SPEC_BUDGET), c.tol),
          signChanges: signChanges(traj.g.subarray(0, SPEC_BUDGET)),
        }
      : null;
  return {
    label,
    order,
    traj,
    spec,
    iterations: iterationsToTolerance(traj.distance, c.tol),
    signChanges: signChanges(traj.g),
    maxX: maxValue(traj.x),
    maxLambda: maxValue(traj.lambda),
  };
}

/** The spec's numpy prototype numbers (A9 #7), [iterations or null, sign changes, max x, max λ]. */
const SPEC: Record<string, [number | null, number, number, number]> = {
  GA: [241, 70, 1.254, 1.601],
  'νPI κp=2': [86, 19, 1.128, 1.169],
  'νPI κp=5': [57, 0, 1.0, 1.0],
  'νPI κp=10': [139, 0, 1.0, 1.029],
  'νPI κp=5 ν=0.9': [102, 37, 1.078, 1.478],
  'Polyak β=0.5': [null, 139, 1.226, 1.974],
  'Polyak β=-0.5': [223, 53, 1.29, 1.496],
};

function compare(runs: readonly Run[]): PaperComparison[] {
  const out: PaperComparison[] = [];
  for (const r of runs) {
    const spec = r.order === 'dualPrimal' ? SPEC[r.label] : undefined;
    if (!spec || !r.spec) continue;
    // The max over the trajectory is reached early, so it does not depend on the budget.
    const same =
      r.spec.iterations === spec[0] &&
      r.spec.signChanges === spec[1] &&
      Math.abs(r.maxX - spec[2]) < 5e-4 &&
      Math.abs(r.maxLambda - spec[3]) < 5e-4;
    out.push(
      row(
        `${r.label}: iterations to 1e-3 / sign changes / max x / max λ (first ${SPEC_BUDGET} updates)`,
        `${r.spec.iterations ?? 'none'} / ${r.spec.signChanges} / ${r.maxX.toFixed(3)} / ${r.maxLambda.toFixed(3)}`,
        `${spec[0] ?? 'none'} / ${spec[1]} / ${spec[2].toFixed(3)} / ${spec[3].toFixed(3)}`,
        'spec A9 #7 numpy prototype [ours, not P1]; iterations = 0-based index of the first update within tolerance',
        same,
      ),
    );
  }
  return out;
}

/** Headline: the 1-D KKT oscillator, GA vs νPI vs dual momentum (spec A9 #7, A10 R1). */
export const oscillator = defineExperiment({
  id: 'nupi/oscillator',
  paper: PAPER,
  title: 'νPI damps the GDA multiplier oscillation on a 1-D constrained quadratic; dual momentum does not',
  headline: true,
  schema,
  presets: {
    quick: {
      steps: 2000,
      alpha: 0.05,
      ki: 0.5,
      kps: [2, 5, 10],
      nus: [0, 0.9],
      momenta: [0.3, 0.5, -0.3, -0.5],
      tol: 1e-3,
      init: 'sgd',
      kpSweep: [0, 0.5, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 15],
      plotSteps: 300,
    },
    full: {
      steps: 5000,
      alpha: 0.05,
      ki: 0.5,
      kps: [1, 2, 3, 5, 7, 10, 15],
      nus: [0, 0.5, 0.9],
      momenta: [0.1, 0.3, 0.5, 0.7, 0.9, -0.1, -0.3, -0.5, -0.7],
      tol: 1e-3,
      init: 'sgd',
      kpSweep: Array.from({ length: 41 }, (_, i) => i * 0.5),
      plotSteps: 400,
    },
  },
  async run(c, ctx) {
    const specs: [string, () => DualOptimizer][] = [['GA', () => new GradientAscent({ lr: c.ki })]];
    for (const nu of c.nus)
      for (const kp of c.kps)
        specs.push([
          nu === 0 ? `νPI κp=${kp}` : `νPI κp=${kp} ν=${nu}`,
          () => new NuPI({ lr: 1, ki: c.ki, kp, nu, init: c.init }),
        ]);
    for (const m of c.momenta) {
      specs.push([`Polyak β=${m}`, () => new PolyakMomentum({ lr: c.ki, momentum: m })]);
      specs.push([`Nesterov β=${m}`, () => new Nesterov({ lr: c.ki, momentum: m })]);
    }
    ctx.progress.start('dual update rules', specs.length + 2 + c.kpSweep.length);
    const runs: Run[] = [];
    for (const [label, make] of specs) {
      throwIfAborted(ctx.signal);
      const r = simulate(label, make(), c);
      runs.push(r);
      ctx.metrics.write({
        step: runs.length,
        method: label,
        order: r.order,
        iterations: r.iterations,
        signChanges: r.signChanges,
        maxX: r.maxX,
        maxLambda: r.maxLambda,
      });
      ctx.progress.update(runs.length, label);
    }
    const critical = criticalKp(c.alpha, c.ki);
    const simGA = simulate('GA', new GradientAscent({ lr: c.ki }), c, 'simultaneous');
    const simPI = simulate('νPI κp=5', new NuPI({ lr: 1, ki: c.ki, kp: 5, init: c.init }), c, 'simultaneous');
    ctx.progress.update(runs.length + 2, 'simultaneous');
    const sweep = c.kpSweep.map((kp, i) => {
      throwIfAborted(ctx.signal);
      const r = simulate(`κp=${kp}`, new NuPI({ lr: 1, ki: c.ki, kp, init: c.init }), c);
      ctx.progress.update(runs.length + 3 + i, `sweep κp=${kp}`);
      return r;
    });
    const get = (label: string) => runs.find((r) => r.label === label);
    const ga = get('GA')!;
    const pi5 = get('νPI κp=5');
    const comparisons = compare(runs);
    const reach = (r: Run | undefined) =>
      r !== undefined && iterationsToTolerance(r.traj.distance, 1e-4) !== null;
    if (pi5) {
      comparisons.push(
        row(
          'GA and νPI(κp=5) both reach 1e-4 within the budget; νPI(5) has 0 sign changes, GA ≥ 50',
          `GA ${ga.signChanges} / νPI(5) ${pi5.signChanges} sign changes; both reach 1e-4: ${reach(ga) && reach(pi5)}`,
          'GA ≥ 50, νPI(5) 0',
          'spec A9 #7 test assertion; P1 §4 (GDA oscillates, νPI damps)',
          reach(ga) && reach(pi5) && pi5.signChanges === 0 && ga.signChanges >= 50,
        ),
      );
    }
    const sg = simGA.spec;
    const sp = simPI.spec;
    comparisons.push(
      row(
        `simultaneous order: GA / νPI(5) iterations and sign changes (first ${SPEC_BUDGET} updates)`,
        sg && sp
          ? `${sg.iterations ?? 'none'} (${sg.signChanges}) / ${sp.iterations ?? 'none'} (${sp.signChanges})`
          : null,
        '477 (101) / 59 (1)',
        'spec A9 #7 numpy prototype',
        sg && sp
          ? sg.iterations === 477 && sg.signChanges === 101 && sp.iterations === 59 && sp.signChanges === 1
          : null,
      ),
      row(
        'damping ratio of GA (κp = 0) and the critical κp',
        `ζ = ${dampingRatio(c.alpha, c.ki, 0).toFixed(3)}, κp* = ${critical.toFixed(2)}`,
        'ζ ≈ 0.16, κp* ≈ 5.3',
        'spec A5 continuous-time analysis of the toy',
        Math.abs(dampingRatio(c.alpha, c.ki, 0) - 0.16) < 0.005 && Math.abs(critical - 5.3) < 0.05,
      ),
    );
    const momentumRuns = runs.filter((r) => r.label.startsWith('Polyak') || r.label.startsWith('Nesterov'));
    const momentumFixes = momentumRuns.some((r) => r.signChanges < 10 && r.iterations !== null);
    comparisons.push(
      row(
        'no dual momentum (Polyak/Nesterov, ±β) removes the oscillation',
        `min sign changes with momentum: ${momentumRuns.length ? Math.min(...momentumRuns.map((r) => r.signChanges)) : 'n/a'}`,
        'momentum does not fix GDA oscillations',
        'P1 §3–4: momentum ⇔ νPI with κp ≤ 0 for 0 < β < 1',
        momentumRuns.length > 0 ? !momentumFixes : null,
      ),
    );
    const summary: Record<string, number | string | null> = {
      critical_kp: round(critical),
      zeta_ga: round(dampingRatio(c.alpha, c.ki, 0)),
      simultaneous_ga_iterations: simGA.iterations,
      simultaneous_nupi5_iterations: simPI.iterations,
    };
    for (const r of runs) {
      const key = slug(r.label);
      summary[`${key}_iterations`] = r.iterations;
      summary[`${key}_sign_changes`] = r.signChanges;
      summary[`${key}_max_lambda`] = round(r.maxLambda);
    }
    const shown = [
      'GA',
      'νPI κp=2',
      'νPI κp=5',
      'νPI κp=10',
      'νPI κp=5 ν=0.9',
      'Polyak β=0.5',
      'Nesterov β=0.5',
      'Polyak β=-0.5',
    ]
      .map(get)
      .filter((r): r is Run => r !== undefined);
    const lineOf = (r: Run, which: 'x' | 'lambda') => {
      const v = r.traj[which].subarray(0, c.plotSteps + 1);
      return { name: r.label, x: Array.from(v, (_, t) => t), y: Array.from(v) };
    };
    return {
      summary,
      comparisons,
      plots: [
        {
          kind: 'line',
          id: 'x-trajectories',
          title: 'Primal iterate x_t (constraint x ≤ 1; x* = 1)',
          x: { label: 'update t' },
          y: { label: 'x_t' },
          series: shown.map((r) => lineOf(r, 'x')),
          hlines: [{ y: 1, label: 'x* = 1' }],
        },
        {
          kind: 'line',
          id: 'lambda-trajectories',
          title: 'Multiplier λ_t (λ* = 1)',
          x: { label: 'update t' },
          y: { label: 'λ_t' },
          series: shown.map((r) => lineOf(r, 'lambda')),
          hlines: [{ y: 1, label: 'λ* = 1' }],
        },
        {
          kind: 'line',
          id: 'damping-ratio',
          title: `Damping ratio ζ = (1 + κp)√α / (2√κi), α = ${c.alpha}, κi = ${c.ki}`,
          x: { label: 'κp' },
          y: { label: 'ζ' },
          series: [
            { name: 'ζ(κp)', x: [...c.kpSweep], y: c.kpSweep.map((kp) => dampingRatio(c.alpha, c.ki, kp)) },
          ],
          hlines: [{ y: 1, label: `critical (κp* = ${critical.toFixed(2)})` }],
        },
        {
          kind: 'line',
          id: 'kp-sweep',
          title: 'Measured: iterations to 1e-3 and sign changes vs κp (ν = 0)',
          x: { label: 'κp' },
          y: { label: 'count' },
          markers: true,
          series: [
            {
              name: 'iterations to 1e-3',
              x: [...c.kpSweep],
              y: sweep.map((r) => r.iterations ?? Number.NaN),
            },
            { name: 'sign changes of g', x: [...c.kpSweep], y: sweep.map((r) => r.signChanges) },
          ],
        },
      ],
      series: {
        ga_x: Array.from(ga.traj.x),
        ga_lambda: Array.from(ga.traj.lambda),
        ...(pi5 ? { nupi5_x: Array.from(pi5.traj.x), nupi5_lambda: Array.from(pi5.traj.lambda) } : {}),
        kp_sweep: [...c.kpSweep],
        kp_sweep_iterations: sweep.map((r) => r.iterations ?? Number.NaN),
        kp_sweep_sign_changes: sweep.map((r) => r.signChanges),
      },
    };
  },
});
