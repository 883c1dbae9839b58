import { describe, expect, it } from 'vitest';
import { MED_TRACE } from '../src/experiments/trust-oscillation.js';
import {
  CRD,
  centreLieTheta,
  chainStudyPopulation,
  constantDesigner,
  type Designer,
  honestDesigner,
  oscillationDesigner,
  Population,
  runMechanism,
  torusGrid,
} from '../src/index.js';

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const node2 = (t: ReturnType<typeof runMechanism>) =>
  t.theta.map((th, k) => (t.actions[k]![2] ? th[2]! : 1 - th[2]!));

describe('3-node trust oscillation (§II.10 #8)', () => {
  it('first step of "med": θ = (1, 1, 0.11), everyone cooperates, welfare 1, τ₁ → 0.1467', () => {
    const trace = runMechanism(chainStudyPopulation(), oscillationDesigner('med'), 1);
    expect(trace.theta[0]![0]).toBe(1);
    expect(trace.theta[0]![1]).toBe(1);
    expect(trace.theta[0]![2]).toBeCloseTo(0.11, 12);
    expect(Array.from(trace.actions[0]!)).toEqual([1, 1, 1]);
    expect(trace.welfare[0]).toBe(1);
    expect(trace.trust[1]![1]).toBeCloseTo(0.055 / 0.375, 12);
  });

  it('the "med" trace of the centre trust matches §II.6 to 1e-3, with the welfare pattern', () => {
    const trace = runMechanism(chainStudyPopulation(), oscillationDesigner('med'), 40);
    MED_TRACE.forEach((v, t) => {
      expect(Math.abs(trace.trust[t]![1]! - v)).toBeLessThanOrEqual(1e-3);
    });
    expect(trace.welfare.slice(0, 13)).toEqual([1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 0]);
    expect(mean(trace.welfare)).toBeCloseTo(0.775, 12);
    expect(mean(node2(trace))).toBeCloseTo(0.446, 3);
  });

  it('"low" and honest policies: mean welfare 0.45 / 0 and node-2 accuracy 0.842 / 1', () => {
    const low = runMechanism(chainStudyPopulation(), oscillationDesigner('low'), 40);
    expect(mean(low.welfare)).toBeCloseTo(0.45, 12);
    expect(mean(node2(low))).toBeCloseTo(0.842, 3);
    const honest = runMechanism(chainStudyPopulation(), oscillationDesigner('honest'), 40);
    expect(honest.theta.every((th) => th.every((x) => x === 0))).toBe(true);
    expect(mean(honest.welfare)).toBe(0);
    expect(mean(honest.accuracy)).toBe(1);
  });

  it('the lie is the largest θ₂ that keeps the centre cooperating', () => {
    for (const tau of [0.5, 0.7, 0.9]) {
      const th = centreLieTheta(tau, 0.6, 0.8);
      const pop = chainStudyPopulation();
      pop.setTrust([0.5, tau, 0.5]);
      expect(pop.bestResponse([1, 1, th])[1]).toBe(1);
      expect(pop.bestResponse([1, 1, th + 0.02])[1]).toBe(0);
    }
  });
});

describe('designer interface', () => {
  it('the honest designer publishes a self-fulfilling prediction (accuracy 1) every round', () => {
    const pop = new Population(torusGrid(4), new CRD({ threshold: 0.3 }), { alpha: 0.5 });
    const trace = runMechanism(pop, honestDesigner(), 10);
    trace.accuracy.forEach((a) => {
      expect(a).toBe(1);
    });
  });

  it('a custom designer sees the round, the trust and the previous actions', () => {
    const seen: number[] = [];
    const d: Designer = {
      name: 'probe',
      predict: ({ round, population, previousActions }) => {
        seen.push(round);
        expect(previousActions === null).toBe(round === 0);
        expect(population.trust.length).toBe(3);
        return [0.5, 0.5, 0.5];
      },
    };
    runMechanism(chainStudyPopulation(), d, 3);
    expect(seen).toEqual([0, 1, 2]);
    expect(() => runMechanism(chainStudyPopulation(), constantDesigner([0.5, 2, 0.5], 'bad'), 1)).toThrow(
      /bad.predict\(round 0\)\[1\] must be a number in \[0, 1\]; got 2/,
    );
    expect(() => oscillationDesigner('high' as 'med')).toThrow(
      /policy must be one of "med", "low", "honest"; got "high"/,
    );
  });
});
