import { initBackend, Rng } from '@paperkit/tensor-core';
import { expectNoLeak } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  barabasiAlbertNetworkx,
  CRD,
  chainGraph,
  createGcnPredictor,
  createMlpPredictor,
  createOpenLoopPredictor,
  createPredictor,
  DifferentiableGame,
  type DifferentiableGameOptions,
  mgdaWeight,
  PoissonBinomialTree,
  Population,
  performativeAccuracyLoss,
  poissonBinomialPmf,
  referenceEpisode,
  trainPredictor,
} from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** The Float64 reference loss of an open-loop episode with logits `w` (row-major [rounds, N]). */
function referenceLoss(
  opts: DifferentiableGameOptions,
  w: Float64Array,
  rounds: number,
  loss: 'group' | 'individual' | 'accuracy',
) {
  const n = opts.graph.n;
  const pop = new Population(opts.graph, opts.crd, {
    alpha: opts.alpha ?? 0.8,
    priorTrust: opts.priorTrust ?? 0.5,
  });
  const ep = referenceEpisode(pop, (_tok, t) => Array.from(w.slice(t * n, (t + 1) * n), sigmoid), rounds);
  return { value: ep.losses[loss], gains: ep.gains };
}

describe('Poisson-binomial product tree', () => {
  it('matches the Float64 DP to float32 precision, padding included', () => {
    const rng = Rng.fromSeed(1);
    const tree = new PoissonBinomialTree(16);
    const cols = 30;
    const p = new Float32Array(16 * cols);
    const lens = Array.from({ length: cols }, () => rng.int(17));
    for (let b = 0; b < cols; b++)
      for (let j = 0; j < lens[b]!; j++) p[j * cols + b] = Math.fround(rng.next());
    const pmf = tree.pmf(tf.tensor2d(p, [16, cols])).arraySync();
    for (let b = 0; b < cols; b++) {
      const want = poissonBinomialPmf(Array.from({ length: lens[b]! }, (_, j) => p[j * cols + b]!));
      for (let k = 0; k <= 16; k++) expect(Math.abs(pmf[k]![b]! - (want[k] ?? 0))).toBeLessThan(2e-6);
    }
    tree.dispose();
    expect(() => new PoissonBinomialTree(12)).toThrow(/width must be a power of two; got 12/);
  });
});

describe('differentiable episode', () => {
  it('plays the exact trajectory and its tfjs gains and losses match the Float64 reference', async () => {
    const graph = barabasiAlbertNetworkx(20, 2, 0);
    const opts = { graph, crd: new CRD(), rounds: 20 };
    const game = new DifferentiableGame(opts);
    const rng = Rng.fromSeed(4);
    const w = new Float32Array(20 * 20).map(() => Math.fround(rng.normal(0, 2)));
    const pred = createOpenLoopPredictor(20, 20, w);
    const traj = await game.play(pred);
    const ref = referenceEpisode(
      new Population(graph, opts.crd),
      (_t, t) => Array.from(w.slice(t * 20, t * 20 + 20), sigmoid),
      20,
    );
    traj.actions.forEach((y, t) => {
      expect(Array.from(y)).toEqual(Array.from(ref.actions[t]!));
    });
    const tokens = game.tokens(traj);
    const theta = pred.predict(
      tokens,
      Array.from({ length: 20 }, (_, t) => t),
      false,
    );
    const gains = game.gains(theta, traj).arraySync();
    gains.forEach((row, t) => {
      row.forEach((g, i) => {
        expect(Math.abs(g - ref.gains[t]![i]!)).toBeLessThan(2e-6);
      });
    });
    for (const l of ['group', 'individual', 'accuracy'] as const) {
      const v = game.loss(theta, traj, l).dataSync()[0]!;
      expect(Math.abs(v - ref.losses[l])).toBeLessThan(1e-5 * Math.abs(ref.losses[l]) + 1e-5);
    }
    expect(traj.welfare).toEqual(ref.welfare);
    tf.dispose([tokens, theta]);
    pred.dispose();
    game.dispose();
  });

  it('gradients through 5 rounds of trust match central differences of the Float64 episode (3-node chain)', async () => {
    const opts = {
      graph: chainGraph(3),
      crd: new CRD({ e: 1, r: 0.5, c: 0.3, threshold: 2 / 3 }),
      rounds: 5,
    };
    const rng = Rng.fromSeed(12);
    // Logits whose gains stay away from 0, so no action flips under the ±h perturbation.
    let w = new Float64Array(15);
    for (;;) {
      w = w.map(() => Math.fround(rng.normal(0, 1.5)));
      const { gains } = referenceLoss(opts, w, 5, 'group');
      if (gains.every((g) => g.every((x) => Math.abs(x) > 2e-3))) break;
    }
    const h = 1e-6;
    for (const loss of ['group', 'individual', 'accuracy'] as const) {
      const game = new DifferentiableGame(opts);
      const pred = createOpenLoopPredictor(3, 5, w);
      const { values, grads } = await game.gradients(pred, [loss], pred.params.variables(), false);
      const g = grads[0]![pred.params.get('logits').name]!.dataSync();
      expect(values[0]!.dataSync()[0]).toBeCloseTo(referenceLoss(opts, w, 5, loss).value, 4);
      let largest = 0;
      for (let k = 0; k < 15; k++) {
        const up = Float64Array.from(w);
        const dn = Float64Array.from(w);
        up[k]! += h;
        dn[k]! -= h;
        const fd =
          (referenceLoss(opts, up, 5, loss).value - referenceLoss(opts, dn, 5, loss).value) / (2 * h);
        expect(Math.abs(g[k]! - fd), `${loss} d/dw[${k}]`).toBeLessThan(2e-5 + 1e-3 * Math.abs(fd));
        largest = Math.max(largest, Math.abs(fd));
      }
      expect(largest).toBeGreaterThan(1e-2);
      tf.dispose([...values, ...grads]);
      pred.dispose();
      game.dispose();
    }
  });

  it('trust-gradient ablations: blocked gradients equal finite differences of the truncated episode', async () => {
    const base = {
      graph: chainGraph(3),
      crd: new CRD({ e: 1, r: 0.5, c: 0.3, threshold: 2 / 3 }),
      rounds: 4,
    };
    const rng = Rng.fromSeed(21);
    let w = new Float64Array(12);
    for (;;) {
      w = w.map(() => Math.fround(rng.normal(0, 1.5)));
      if (referenceLoss(base, w, 4, 'group').gains.every((g) => g.every((x) => Math.abs(x) > 2e-3))) break;
    }
    const h = 1e-6;
    const fdRound0 = (rounds: number) =>
      [0, 1, 2].map((k) => {
        const up = Float64Array.from(w);
        const dn = Float64Array.from(w);
        up[k]! += h;
        dn[k]! -= h;
        return (
          (referenceLoss(base, up, rounds, 'group').value - referenceLoss(base, dn, rounds, 'group').value) /
          (2 * h)
        );
      });
    // block_trust_grad: θ₀ reaches later rounds only through τ (blocked) or actions (no gradient).
    // block_prev_trust: θ₀ reaches round 1 through τ₁ = f(ℓ₀), but nothing later.
    for (const [flags, rounds] of [
      [{ blockTrustGrad: true }, 1],
      [{ blockPrevTrust: true }, 2],
      [{}, 4],
    ] as const) {
      const game = new DifferentiableGame({ ...base, ...flags });
      const pred = createOpenLoopPredictor(3, 4, w);
      const { values, grads } = await game.gradients(pred, ['group'], pred.params.variables(), false);
      const g = grads[0]![pred.params.get('logits').name]!.dataSync();
      fdRound0(rounds).forEach((fd, k) => {
        expect(Math.abs(g[k]! - fd), `${JSON.stringify(flags)} k=${k}`).toBeLessThan(
          2e-5 + 1e-3 * Math.abs(fd),
        );
      });
      tf.dispose([...values, ...grads]);
      pred.dispose();
      game.dispose();
    }
    // The ablations really change the gradient.
    expect(Math.abs(fdRound0(4)[1]! - fdRound0(1)[1]!)).toBeGreaterThan(1e-4);
  });

  it('trust-estimate backward: same loss; gradient = finite differences of the estimated surrogate', async () => {
    const opts = {
      graph: chainGraph(3),
      crd: new CRD({ e: 1, r: 0.5, c: 0.3, threshold: 2 / 3 }),
      rounds: 5,
    };
    const rng = Rng.fromSeed(33);
    let w = new Float64Array(15);
    for (;;) {
      w = w.map(() => Math.fround(rng.normal(0, 1.5)));
      if (referenceLoss(opts, w, 5, 'group').gains.every((g) => g.every((x) => Math.abs(x) > 2e-3))) break;
    }
    // The played episode at w: actions, true trust and θ stay fixed in the surrogate.
    const pop = new Population(opts.graph, opts.crd);
    const ep = referenceEpisode(pop, (_tok, t) => Array.from(w.slice(t * 3, t * 3 + 3), sigmoid), 5);
    const nb = [[1], [0, 2], [1]];
    const { r, c } = opts.crd;
    const lik = (th: ArrayLike<number>, t: number, i: number, p: (j: number) => number = (j) => th[j]!) =>
      nb[i]!.reduce((a, j) => a * (ep.actions[t]![j] ? p(j) : 1 - p(j)), 1);
    // τ̂: moving average (0.6 from 0.7) of "acted as full trust dictates"; u: posterior from τ̂.
    const tauHat: number[][] = [];
    const sens: number[][] = [[0, 0, 0]];
    const est = [0.7, 0.7, 0.7];
    for (let t = 0; t < 5; t++) {
      const gp = pop.predictedPivot(ep.theta[t]!);
      for (let i = 0; i < 3; i++)
        est[i] = 0.6 * (ep.actions[t]![i] === (r * gp[i]! - c > 0 ? 1 : 0) ? 1 : 0) + 0.4 * est[i]!;
      tauHat.push([...est]);
      const u = est.map((e, i) => {
        const lp = e * lik(ep.theta[t]!, t, i);
        return lp / (lp + (1 - e) * lik(ep.theta[t]!, t, i, () => 0.8));
      });
      sens.push(u.map((x) => x * (1 - x)));
    }
    // −Σ σ(gain) with gain linearised as the estimated backward sees it, as a function of the logits.
    const surrogate = (v: Float64Array, mode: 'all' | 'none' | 'last') => {
      const th = Array.from({ length: 5 }, (_, t) => Array.from(v.slice(t * 3, t * 3 + 3), sigmoid));
      let loss = 0;
      for (let t = 0; t < 5; t++) {
        const gp0 = pop.predictedPivot(ep.theta[t]!);
        const gp = pop.predictedPivot(th[t]!);
        for (let i = 0; i < 3; i++) {
          let dz = 0;
          for (let s = mode === 'last' ? t - 1 : 0; s < t && mode !== 'none' && s >= 0; s++)
            dz += Math.log(lik(th[s]!, s, i)) - Math.log(lik(ep.theta[s]!, s, i));
          const gA = pop.innatePivot[i]!;
          const tau = ep.trust[t]![i]!;
          const term =
            tau * (gp0[i]! - gA) + tauHat[t]![i]! * (gp[i]! - gp0[i]!) + (gp0[i]! - gA) * sens[t]![i]! * dz;
          loss -= sigmoid(r * (gA + term) - c);
        }
      }
      return loss;
    };
    const h = 1e-6;
    let changed = 0;
    for (const [flags, mode] of [
      [{}, 'all'],
      [{ blockTrustGrad: true }, 'none'],
      [{ blockPrevTrust: true }, 'last'],
    ] as const) {
      const game = new DifferentiableGame({ ...opts, ...flags, trustEstimate: {} });
      const pred = createOpenLoopPredictor(3, 5, w);
      const { values, grads } = await game.gradients(pred, ['individual'], pred.params.variables(), false);
      expect(values[0]!.dataSync()[0]).toBeCloseTo(referenceLoss(opts, w, 5, 'individual').value, 4);
      const g = grads[0]![pred.params.get('logits').name]!.dataSync();
      const exact = new DifferentiableGame({ ...opts, ...flags });
      const p2 = createOpenLoopPredictor(3, 5, w);
      const ex = await exact.gradients(p2, ['individual'], p2.params.variables(), false);
      const g2 = ex.grads[0]![p2.params.get('logits').name]!.dataSync();
      for (let k = 0; k < 15; k++) {
        const up = Float64Array.from(w);
        const dn = Float64Array.from(w);
        up[k]! += h;
        dn[k]! -= h;
        const fd = (surrogate(up, mode) - surrogate(dn, mode)) / (2 * h);
        expect(Math.abs(g[k]! - fd), `${mode} d/dw[${k}]`).toBeLessThan(2e-5 + 1e-3 * Math.abs(fd));
        changed = Math.max(changed, Math.abs(g[k]! - g2[k]!));
      }
      tf.dispose([...values, ...grads, ...ex.values, ...ex.grads]);
      pred.dispose();
      p2.dispose();
      game.dispose();
      exact.dispose();
    }
    // The estimate really changes the gradient.
    expect(changed).toBeGreaterThan(1e-3);
  });

  it('createPredictor builds the reference architectures by name', () => {
    const graph = chainGraph(3);
    for (const a of ['mlp', 'gnn', 'gnn+linear', 'gnn+mlp'] as const) {
      const p = createPredictor(a, graph, Rng.fromSeed(1), {
        width: 4,
        embeddingDim: 2,
        dropoutRng: Rng.fromSeed(2),
      });
      expect(p.name).toBe(a);
      const emb = p.params.get('embedding').shape;
      expect(emb).toEqual([3, 2]);
      p.dispose();
    }
    const ref = createPredictor('gnn', graph, Rng.fromSeed(1), { dropoutRng: Rng.fromSeed(2) });
    expect(ref.params.get('embedding').shape).toEqual([3, 512]);
    ref.dispose();
  });

  it('accuracy_perf backpropagates through the labels with the reference formulas', () => {
    const theta = tf.tensor2d([[0.3, 0.8]]);
    const gains = tf.tensor2d([[0.1, -0.2]]);
    const [dTheta, dGain] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      performativeAccuracyLoss(a as tf.Tensor2D, b as tf.Tensor2D, 1e-30),
    )([theta, gains]);
    const th = [0.3, 0.8];
    const y = [1, 0];
    const gn = [0.1, -0.2];
    const dt = dTheta!.dataSync();
    const dg = dGain!.dataSync();
    for (let i = 0; i < 2; i++) {
      expect(dt[i]).toBeCloseTo((th[i]! - y[i]!) / (th[i]! * (1 - th[i]!)), 4);
      const s = sigmoid(gn[i]!);
      expect(dg[i]).toBeCloseTo((Math.log(1 - th[i]!) - Math.log(th[i]!)) * s * (1 - s), 5);
    }
    expect(performativeAccuracyLoss(theta, gains, 1e-30).dataSync()[0]).toBeCloseTo(
      -(Math.log(0.3) + Math.log(0.2)) / 2,
      5,
    );
    tf.dispose([theta, gains, dTheta!, dGain!]);
  });

  it('leaks no tensor over episodes and training epochs (MLP and GCN)', async () => {
    const graph = barabasiAlbertNetworkx(12, 2, 1);
    const game = new DifferentiableGame({ graph, crd: new CRD(), rounds: 6 });
    const mlp = createMlpPredictor(12, Rng.fromSeed(1), { embeddingDim: 8, hidden: [16, 16] });
    const gcn = createGcnPredictor(graph, Rng.fromSeed(2), {
      embeddingDim: 8,
      hidden: 8,
      head: 'mlp',
      dropoutRng: Rng.fromSeed(3),
    });
    for (const p of [mlp, gcn]) {
      await game.play(p, true);
      await expectNoLeak(async () => {
        const { values, grads } = await game.gradients(
          p,
          ['group', 'accuracy_perf', 'individual'],
          p.params.variables(),
        );
        tf.dispose([...values, ...grads]);
        await trainPredictor({ game, predictor: p, objective: 'multitask', epochs: 2 });
        await trainPredictor({ game, predictor: p, objective: 'group', epochs: 2 });
      });
    }
    mlp.dispose();
    gcn.dispose();
    game.dispose();
  });

  it('a GCN with dropout replays each round with the same masks in the batched pass', async () => {
    const graph = barabasiAlbertNetworkx(10, 2, 3);
    const game = new DifferentiableGame({ graph, crd: new CRD(), rounds: 5 });
    for (const head of ['conv', 'linear', 'mlp'] as const) {
      const p = createGcnPredictor(graph, Rng.fromSeed(5), {
        embeddingDim: 6,
        hidden: 8,
        head,
        dropoutRng: Rng.fromSeed(6),
      });
      const traj = await game.play(p, true);
      const tokens = game.tokens(traj);
      const batched = p.predict(tokens, [0, 1, 2, 3, 4], true).arraySync();
      batched.forEach((row, t) => {
        row.forEach((v, i) => {
          expect(Math.abs(v - traj.theta[t]![i]!)).toBeLessThan(1e-6);
        });
      });
      tf.dispose(tokens);
      p.dispose();
    }
    game.dispose();
  });

  it('multitask training steps with the MGDA γ of the two gradients', async () => {
    const graph = barabasiAlbertNetworkx(10, 2, 0);
    const game = new DifferentiableGame({ graph, crd: new CRD(), rounds: 4 });
    const w = new Float32Array(40).map((_, i) => Math.sin(i));
    const probe = createOpenLoopPredictor(10, 4, w);
    const { values, grads } = await game.gradients(probe, ['group', 'accuracy'], probe.params.variables());
    const name = probe.params.get('logits').name;
    const want = mgdaWeight(grads[0]![name]!.dataSync(), grads[1]![name]!.dataSync());
    tf.dispose([...values, ...grads]);
    probe.dispose();
    const p = createOpenLoopPredictor(10, 4, w);
    const run = await trainPredictor({ game, predictor: p, objective: 'multitask', epochs: 1 });
    expect(run.history[0]!.gamma!).toBeCloseTo(want, 4);
    p.dispose();
    game.dispose();
  });

  it('rejects bad options with the parameter, value and allowed range', async () => {
    const graph = chainGraph(3);
    expect(() => new DifferentiableGame({ graph, crd: new CRD(), alpha: 1 })).toThrow(
      /alpha must be a number in \(0, 1\); got 1/,
    );
    expect(() => new DifferentiableGame({ graph, crd: new CRD(), rounds: 0 })).toThrow(
      /rounds must be an integer >= 1; got 0/,
    );
    const game = new DifferentiableGame({ graph, crd: new CRD(), rounds: 2 });
    const bad = { predict: () => tf.fill([1, 4], 0.5) as tf.Tensor2D };
    await expect(game.play(bad)).rejects.toThrow(
      /predictor.predict\(...\) must be a tensor \[1, 3\] of probabilities/,
    );
    await expect(
      trainPredictor({ game, predictor: createOpenLoopPredictor(3, 2), objective: 'welfare' as 'group' }),
    ).rejects.toThrow(
      /objective must be one of "group", "individual", "accuracy", "accuracy_perf", "multitask"; got "welfare"/,
    );
    game.dispose();
  });
});
