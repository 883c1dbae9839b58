import { type Claim, curves, defineExperiment, diff, grid, mean, value } from '@paperkit/tensor-core';
import { z } from 'zod';
import { runMechanism } from '../mechanism/designer.js';
import {
  chainStudyPopulation,
  OSCILLATION_POLICIES,
  oscillationDesigner,
} from '../mechanism/trust-oscillation.js';
import { derived, PAPER, qualitative } from './shared.js';

const schema = z.strictObject({
  rounds: z.int().min(40).max(100_000).default(200), // per policy (reference: 40)
  alpha: z.number().min(0).max(1).default(0.8), // innate belief (reference: 0.8)
  costRiskRatio: z.number().gt(0).lt(1).default(0.6), // c/r (reference: 0.6)
  priorTrust: z.number().gt(0).lt(1).default(0.5), // τ₀ (reference: 0.5)
});

/** Centre trust τ₁ under policy "med", t = 0..15, from our re-simulation of the reference script (3 decimals). */
export const MED_TRACE: readonly number[] = [
  0.5, 0.147, 0.811, 0.686, 0.471, 0.096, 0.726, 0.54, 0.217, 0.874, 0.791, 0.652, 0.413, 0.946, 0.911, 0.854,
];
/** Our re-simulation: mean welfare and mean accuracy on node 2 over the first 40 steps. */
const MEANS = { med: [0.775, 0.446], low: [0.45, 0.842], honest: [0, 1] } as const;
const WINDOW = 40;
const RESIM = 'our deterministic re-simulation of `plot_trust_oscillation.py`';
const [TRUST, NODE2, WELFARE] = ['centre trust', 'accuracy for node 2', 'successful groups'];

/**
 * Fig. 6: on the 3-node chain a designer that knows the agents' Bayesian model lies to the centre
 * (so all three cooperate) until the centre's trust is spent, then tells one honest truth to rebuild
 * it: trust oscillates, welfare stays high, accuracy on the lied-about node drops
 * (reference `plot_trust_oscillation.py`). Deterministic.
 */
export const trustOscillation = defineExperiment({
  id: 'performative-game/trust-oscillation',
  paper: PAPER,
  title: 'Fig. 6: mechanism design on the 3-node chain, trust oscillation and welfare per policy',
  deterministic: true,
  schema,
  presets: { quick: { rounds: 40 }, full: {} },
  cells: () => grid({ policy: OSCILLATION_POLICIES }),
  metrics: {
    welfare: { label: `successful groups, first ${WINDOW} steps`, better: 'higher', digits: 4 },
    node2Accuracy: { label: `accuracy for node 2, first ${WINDOW} steps`, better: 'higher', digits: 4 },
    accuracy: { label: `accuracy for all nodes, first ${WINDOW} steps`, better: 'higher', digits: 4 },
    traceError: { label: 'max |τ₁ − re-simulated trace|, t = 0..15 (med)', digits: 5 },
  },
  cell(cfg, { policy }) {
    const opts = { alpha: cfg.alpha, costRiskRatio: cfg.costRiskRatio, priorTrust: cfg.priorTrust };
    const trace = runMechanism(chainStudyPopulation(opts), oscillationDesigner(policy, opts), cfg.rounds);
    const centre = trace.trust.map((tau) => tau[1]!);
    // Accuracy of θ₂ for node 2's action: the dash-dot line of Fig. 6.
    const node2 = trace.theta.map((th, t) => (trace.actions[t]![2] ? th[2]! : 1 - th[2]!));
    const steps = (ys: readonly number[], from: number) => ({ x: ys.map((_, t) => t + from), y: [...ys] });
    const error = Math.max(...MED_TRACE.map((v, t) => Math.abs(centre[t]! - v)));
    return {
      metrics: {
        welfare: mean(trace.welfare.slice(0, WINDOW)),
        node2Accuracy: mean(node2.slice(0, WINDOW)),
        accuracy: mean(trace.accuracy.slice(0, WINDOW)),
        traceError: policy === 'med' ? error : Number.NaN,
      },
      series: { [TRUST]: steps(centre, 0), [NODE2]: steps(node2, 1), [WELFARE]: steps(trace.welfare, 1) },
    };
  },
  claims: (cfg) => {
    const shape: Claim[] = [
      {
        id: 'lying-buys-welfare',
        statement:
          'knowing the agent model buys welfare: policy med has more successful groups than honest predictions',
        metric: diff('welfare', { policy: 'med' }, { policy: 'honest' }),
        expect: { op: '>', value: 0, margin: 0 },
        reference: qualitative('abstract and Fig. 6: better trade-offs via mechanism design'),
      },
      {
        id: 'lying-costs-accuracy',
        statement: 'at the cost of accuracy for the lied-about node',
        metric: diff('node2Accuracy', { policy: 'honest' }, { policy: 'med' }),
        expect: { op: '>', value: 0, margin: 0 },
        reference: qualitative('Fig. 6: the accuracy for the right-hand node drops'),
      },
    ];
    if (cfg.alpha !== 0.8 || cfg.costRiskRatio !== 0.6 || cfg.priorTrust !== 0.5) return shape;
    const means = Object.entries(MEANS).flatMap(([policy, [w, a]]) =>
      (['welfare', 'node2Accuracy'] as const).map((m) => ({
        id: `${policy}-${m === 'welfare' ? 'welfare' : 'node2-accuracy'}`,
        statement: `policy ${policy}: mean ${m === 'welfare' ? 'successful groups' : 'accuracy for node 2'} over ${WINDOW} steps`,
        metric: value(m, { policy }),
        expect: { op: 'approx' as const, value: m === 'welfare' ? w : a, margin: 5e-4 },
        reference: derived(m === 'welfare' ? w : a, RESIM),
        digits: 4,
      })),
    );
    return [
      {
        id: 'med-trace',
        statement: 'policy med: the centre’s trust τ₁(t), t = 0..15, follows the re-simulated trace',
        metric: value('traceError', { policy: 'med' }),
        expect: { op: '<=', value: 1e-3, margin: 0 },
        reference: derived(0, `${RESIM} (trace to 3 decimals)`),
        digits: 5,
      },
      ...means,
      ...shape,
    ];
  },
  plots: (cfg) => [
    curves(
      'trust',
      `Centre trust τ₁ per policy (3-node chain, T = 2/3, α = ${cfg.alpha}, c/r = ${cfg.costRiskRatio})`,
      'Trust of the centre node before each step: lies spend it, an honest round rebuilds it',
      TRUST,
      { label: 'trust of the centre node', domain: [0, 1] },
      { x: 'time step', by: 'policy' },
    ),
    curves(
      'med',
      'Policy "med": trust, accuracy and welfare over time (Fig. 6)',
      'Centre trust, accuracy of the prediction for the right-hand node, and the share of successful groups',
      [TRUST, NODE2, WELFARE],
      { label: 'value', domain: [0, 1.05] },
      { x: 'time step', where: { policy: 'med' } },
    ),
    {
      kind: 'scatter',
      id: 'tradeoff',
      title: `Successful groups vs accuracy for node 2 per policy (first ${WINDOW} steps)`,
      caption: 'One point per policy.',
      x: { label: 'successful groups', metric: 'welfare' },
      y: { label: 'accuracy for node 2', metric: 'node2Accuracy' },
      front: 'max',
    },
  ],
});
