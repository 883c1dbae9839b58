import {
  above,
  atMost,
  bars,
  below,
  cellOf,
  claimOf,
  curves,
  defineExperiment,
  derived,
  diff,
  near,
  qualitative,
  value,
} from '@paperkit/tensor-core';
import { z } from 'zod';
import { maxValue, signChanges } from '../dynamics/metrics.js';
import { rateData, simulateRateConstraint } from '../dynamics/rate-constraint.js';
import { PAPER, piDual, piLabel, ROLL, thin } from './shared.js';

const schema = z.strictObject({
  n: z.int().min(100).max(20_000).default(2000), // samples, balanced, x ~ N(±𝟙, I₂)
  steps: z.int().min(10).max(20_000).default(3000), // full-batch rolls
  lr: z.number().positive().max(10).default(0.5), // primal gradient-descent step
  target: z.number().gt(0).lt(1).default(0.3), // mean predicted-positive rate ≤ target
  ki: z.number().positive().max(100).default(1), // dual integral gain κi (= the GA step)
  kps: z.array(z.number().min(0).max(1000)).min(1).max(20).default([2, 5, 10, 20]), // νPI gains with the smooth constraint
  proxyKps: z.array(z.number().min(0).max(1000)).max(20).default([2, 5]), // νPI gains when the dual sees the hard rate
  proxyNus: z.array(z.number().gt(-1).lt(1)).max(10).default([0.9]), // EMA coefficients tried on the proxy (κp = proxyKps[0])
  deadband: z.number().min(0).max(1).default(1e-4), // |g| a crossing must exceed, counted beside the raw count
  plotEvery: z.int().min(1).max(1000).default(5), // stride of the plotted λ trajectories
});

const PROTO = 'our float64 numpy prototype of this setting (not in P1; another random draw)';
const proto = (v: number, more = '') => derived(v, `${PROTO}${more}`);
const cell = (constraint: string, kp: number, nu = 0) =>
  cellOf({ constraint, kp, nu }, piLabel({ kp, nu }, constraint === 'proxy' ? 'proxy ' : ''));
const at = (constraint: string, kp: number, nu = 0) => ({ constraint, kp, nu });
const [smooth, proxy] = [(kp: number) => at('smooth', kp), (kp: number, nu = 0) => at('proxy', kp, nu)];

/** Rate-constrained logistic regression, smooth and proxy constraints, in float64. */
export const rateConstraint = defineExperiment({
  id: 'nupi/rate-constraint',
  paper: PAPER,
  title:
    'Rate-constrained logistic regression: multiplier oscillation and overshoot, GA vs νPI (smooth and proxy)',
  schema,
  presets: {
    quick: {},
    full: { steps: 6000, kps: [1, 2, 5, 10, 20], proxyKps: [1, 2, 5, 10], proxyNus: [0.5, 0.9] },
  },
  cells: (c) => [
    ...[0, ...c.kps].map((kp) => cell('smooth', kp)),
    ...(c.proxyKps.length ? [0, ...c.proxyKps].map((kp) => cell('proxy', kp)) : []),
    ...(c.proxyKps.length ? c.proxyNus.map((nu) => cell('proxy', c.proxyKps[0]!, nu)) : []),
  ],
  metrics: {
    signChanges: { label: 'sign changes of g (raw)', digits: 0 },
    crossings: { label: 'crossings beyond ±deadband', digits: 0 },
    finalLambda: { label: 'final λ', digits: 3 },
    maxLambda: { label: 'max λ', digits: 3 },
    overshoot: { label: 'overshoot max λ / final λ − 1', better: 'lower', digits: 3 },
    accuracy: { label: 'training accuracy', better: 'higher', digits: 4 },
    hardRate: { label: 'final positive-prediction rate', digits: 4 },
  },
  cell(c, p, ctx) {
    const r = simulateRateConstraint({
      data: rateData(ctx.rng.stream('data'), c.n),
      dual: piDual(c.ki, p),
      steps: c.steps,
      lr: c.lr,
      target: c.target,
      strict: p.constraint === 'proxy' ? 'hard' : 'smooth',
    });
    const finalLambda = r.lambda[c.steps - 1]!;
    const maxLambda = maxValue(r.lambda);
    return {
      metrics: {
        // Counted on what the dual step sees: the smooth rate, or the hard rate of the proxy.
        signChanges: signChanges(r.strict),
        crossings: signChanges(r.strict, c.deadband),
        finalLambda,
        maxLambda,
        overshoot: maxLambda / finalLambda - 1,
        accuracy: r.accuracy,
        hardRate: r.hardRate,
      },
      series: { lambda: thin(r.lambda, c.plotEvery, 1) },
    };
  },
  claims: () => [
    claimOf('lambda-star', value('finalLambda', smooth(0)), near(1.844, 0.05), {
      statement: 'GA settles at the optimal multiplier of the prototype, λ* ≈ 1.844 (± 0.05: another draw)',
      reference: proto(1.844),
    }),
    claimOf('accuracy', value('accuracy', smooth(0)), near(0.7745, 0.02), {
      statement: 'at the prototype’s accuracy, 0.7745 (± 0.02)',
      reference: proto(0.7745),
    }),
    claimOf('ga-raw-sign-changes', value('signChanges', smooth(0)), near(30, 10), {
      statement: 'GA: about 30 raw sign changes of g in 3000 rolls (± 10)',
      reference: proto(30),
    }),
    claimOf('ga-overshoot', value('overshoot', smooth(0)), near(0.4, 0.1), {
      statement: 'GA overshoots λ* by about 40% (± 10 points)',
      reference: proto(0.4, ': max λ 2.59 against λ* 1.844'),
    }),
    claimOf('nupi5-less-overshoot', diff('overshoot', smooth(5), smooth(0)), below(), {
      statement: 'νPI κp = 5 overshoots less than GA',
      reference: proto(-0.32, ": max λ 2.00 against GA's 2.59"),
    }),
    claimOf('nupi5-fewer-sign-changes', diff('signChanges', smooth(5), smooth(0)), below(), {
      statement: 'νPI κp = 5 has fewer raw sign changes than GA',
      reference: proto(-24, ': 6 against 30'),
    }),
    claimOf('nupi10-no-sign-change', value('signChanges', smooth(10)), atMost(0), {
      statement: 'νPI κp = 10 has no sign change at all',
      reference: proto(0),
    }),
    claimOf('proxy-nupi2-fewer', diff('signChanges', proxy(2), proxy(0)), below(), {
      statement: 'proxy constraint (dual sees the hard rate): νPI κp = 2 has fewer sign changes than GA',
      reference: proto(-4, ': 5 against 9'),
    }),
    claimOf('proxy-kp5-chatters', diff('signChanges', proxy(5), proxy(0)), above(), {
      statement:
        'proxy constraint: a large gain, κp = 5, chatters on the quantised rate (more sign changes than GA)',
      reference: qualitative(`${PROTO}: quantised errors make large κp chatter`),
    }),
    claimOf('proxy-nu-helps', diff('signChanges', proxy(2, 0.9), proxy(0)), below(), {
      statement: 'proxy constraint: the EMA ν = 0.9 (κp = 2) has fewer sign changes than GA',
      reference: qualitative("P1's recipe: use ν > 0 with noisy or stochastic constraints"),
    }),
  ],
  plots: (c) => [
    curves(
      'lambda-smooth',
      `Multiplier of the rate constraint (mean σ(z) ≤ ${c.target})`,
      'Dual and primal both use the smooth rate; GA overshoots and rings, νPI with larger κp settles without overshoot',
      'lambda',
      'λ',
      { ...ROLL, where: { constraint: 'smooth' } },
    ),
    curves(
      'lambda-proxy',
      'Proxy constraint: the dual step sees the hard positive-prediction rate',
      'The primal step still descends the smooth surrogate; the dual error is quantised in steps of 1/n',
      'lambda',
      'λ',
      { ...ROLL, where: { constraint: 'proxy' } },
    ),
    bars(
      'sign-changes',
      'Raw sign changes of the dual error, per dual update rule',
      `Raw counts include the geometrically decaying tail of the oscillation (the results table also counts crossings beyond ±${c.deadband})`,
      'signChanges',
      { label: 'raw sign changes', zero: true },
    ),
    bars(
      'overshoot',
      'Overshoot of λ (max λ / final λ − 1)',
      'Relative overshoot of the multiplier above its final value',
      'overshoot',
      { label: 'relative overshoot', zero: true },
    ),
  ],
  notes: [
    'Float64 host simulation (three parameters): raw sign changes count the geometrically decaying tail of the oscillation (|g| down to 1e-15), which float32 tensors would replace with rounding noise. The prototype’s "30 sign changes for GA" are such raw counts; only ~6 of them exceed |g| = 1e-4.',
  ],
});
