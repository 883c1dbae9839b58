import { initBackend } from '@paperkit/tensor-core';
import { expectNoLeak } from '@paperkit/tensor-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildNeuralGraph,
  computeScales,
  horizonSchedule,
  mlpLayers,
  type NeuralGraph,
  type NinoModel,
  nowcast,
} from '../src/index.js';
import { mlpOracle, shippedCheckpoint } from './helpers.js';

const oracle = mlpOracle();
let graph: NeuralGraph;
const models: Record<string, NinoModel> = {};

beforeAll(async () => {
  await initBackend();
  graph = buildNeuralGraph(mlpLayers([16, 32, 32, 8], { naming: 'torch' }));
  for (const c of ['nino_no_posw', 'nino_mlp', 'nino_mlp_h32']) models[c] = shippedCheckpoint(c);
});
afterAll(() => {
  for (const m of Object.values(models)) m.dispose();
});

describe('official-code oracle, MLP 16-32-32-8', () => {
  it('builds the reference graph: same nodes, edge list and edge types', () => {
    expect(graph.numNodes).toBe(oracle.graph.num_nodes);
    expect(graph.numEdges).toBe(oracle.graph.num_edges);
    expect(Array.from(graph.src)).toEqual(oracle.graph.edge_index[0]);
    expect(Array.from(graph.dst)).toEqual(oracle.graph.edge_index[1]);
    expect(Array.from(graph.edgeType)).toEqual(oracle.graph.edge_type);
    for (const p of graph.params)
      expect([p.edgeStart, p.edgeStart + p.edgeCount]).toEqual(oracle.graph.param_edge_ranges[p.name]);
  });

  it('computes the reference per-tensor scales', () => {
    const history = oracle.snapshots_oldest_first.map((s) => Float32Array.from(s));
    const scales = computeScales(graph, history);
    oracle.scales.forEach((s, i) => {
      expect(graph.params[i]!.name).toBe(s.name);
      expect(scales.mean[i]).toBeCloseTo(s.mean, 6);
      expect(Math.abs(scales.std[i]! - s.std) / s.std).toBeLessThan(1e-6);
    });
  });

  it('has the reference k schedule', () => {
    expect(horizonSchedule({ maxSteps: 10000, period: 1000 })).toEqual(
      oracle.graph.k_schedule_period1000_max10000,
    );
  });

  for (const c of oracle.cases) {
    it(`reproduces ${c.checkpoint} at k = ${c.k} (atol 1e-5)`, async () => {
      const history = oracle.snapshots_oldest_first.map((s) => Float32Array.from(s));
      const lpe = Float32Array.from(oracle.graph.lpe.flat());
      const pred = await expectNoLeak(() => nowcast(models[c.checkpoint]!, graph, history, c.k, { lpe }));
      let worst = 0;
      for (let i = 0; i < pred.length; i++) worst = Math.max(worst, Math.abs(pred[i]! - c.predicted[i]!));
      expect(worst).toBeLessThan(1e-5);
    });
  }
});
