import { initBackend, PaperkitInputError, Rng } from '@paperkit/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CRD,
  chainGraph,
  completeGraphBand,
  constantDesigner,
  createGcnPredictor,
  createMlpPredictor,
  createOpenLoopPredictor,
  createPredictor,
  DifferentiableGame,
  type Graph,
  Population,
  rrmPopulation,
  rrmTrial,
  runMechanism,
  trainPredictor,
} from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

describe('bad input is rejected with the parameter, the value and what is allowed', () => {
  it('exact simulation', () => {
    expect(() => new Population({ n: 3 } as unknown as Graph, new CRD())).toThrow(PaperkitInputError);
    expect(() => new Population({ n: 3 } as unknown as Graph, new CRD())).toThrow(
      /graph must be a Graph built by/,
    );
    const pop = rrmPopulation(chainGraph(4), new CRD());
    expect(() => rrmTrial(pop, null, { initial: [1, 0, 1] })).toThrow(
      /initial must be an array of 4 actions/,
    );
    expect(() => rrmTrial(pop, null)).toThrow(
      /rng must be an Rng stream when no initial prediction is given/,
    );
    expect(() => rrmTrial(pop, Rng.fromSeed(0), { maxIterations: 0 })).toThrow(
      /maxIterations must be an integer >= 1; got 0/,
    );
    expect(() => runMechanism(pop, constantDesigner([0, 0, 0, 0]), 0)).toThrow(
      /rounds must be an integer >= 1; got 0/,
    );
    expect(() => completeGraphBand(1, new CRD())).toThrow(/n must be an integer >= 2; got 1/);
    expect(() => new CRD({ threshold: Number.NaN })).toThrow(
      /threshold must be a number in \(0, 1\]; got NaN/,
    );
    expect(() => new Population(chainGraph(3), { r: 0.4 } as unknown as CRD)).toThrow(/crd must be a CRD/);
  });

  it('predictors and training', async () => {
    expect(() => createMlpPredictor(0, Rng.fromSeed(0))).toThrow(/n must be an integer >= 1; got 0/);
    expect(() => createMlpPredictor(4, Rng.fromSeed(0), { hidden: [8, 0] })).toThrow(
      /hidden\[1\] must be an integer >= 1; got 0/,
    );
    expect(() => createGcnPredictor(chainGraph(3), Rng.fromSeed(0), { dropout: 0.5 })).toThrow(
      /dropoutRng must be an Rng stream for the dropout masks when dropout > 0/,
    );
    expect(() =>
      createGcnPredictor(chainGraph(3), Rng.fromSeed(0), { dropout: 1, dropoutRng: Rng.fromSeed(1) }),
    ).toThrow(/dropout must be a number in \[0, 1\); got 1/);
    expect(() =>
      createGcnPredictor(chainGraph(3), Rng.fromSeed(0), { head: 'pool' as 'conv', dropout: 0 }),
    ).toThrow(/head must be one of "conv", "linear", "mlp"; got "pool"/);
    expect(() => createOpenLoopPredictor(3, 2, [0, 0, 0])).toThrow(
      /initialLogits must be an array of rounds·N = 6 logits/,
    );
    const game = new DifferentiableGame({ graph: chainGraph(3), crd: new CRD(), rounds: 2 });
    const p = createOpenLoopPredictor(3, 2);
    await expect(trainPredictor({ game, predictor: p, objective: 'group', epochs: 0 })).rejects.toThrow(
      /epochs must be an integer >= 1; got 0/,
    );
    await expect(game.gradients(p, ['welfare' as 'group'], p.params.variables())).rejects.toThrow(
      /losses\[0\] must be one of "group", "individual", "accuracy", "accuracy_perf"; got "welfare"/,
    );
    expect(() => new DifferentiableGame({ graph: chainGraph(3), crd: new CRD(), epsilon: -1 })).toThrow(
      /epsilon must be a finite number > 0; got -1/,
    );
    expect(
      () => new DifferentiableGame({ graph: chainGraph(3), crd: new CRD(), trustEstimate: { smoothing: 0 } }),
    ).toThrow(/trustEstimate.smoothing must be a number in \(0, 1\]; got 0/);
    expect(
      () => new DifferentiableGame({ graph: chainGraph(3), crd: new CRD(), trustEstimate: { initial: 1.5 } }),
    ).toThrow(/trustEstimate.initial must be a number in \[0, 1\]; got 1.5/);
    expect(() => createPredictor('transformer' as 'mlp', chainGraph(3), Rng.fromSeed(0))).toThrow(
      /architecture must be one of "mlp", "gnn", "gnn\+linear", "gnn\+mlp"; got "transformer"/,
    );
    expect(() => createPredictor('gnn', chainGraph(3), Rng.fromSeed(0))).toThrow(
      /dropoutRng must be an Rng stream/,
    );
    p.dispose();
    game.dispose();
  });
});
