import { DivergenceError, initBackend, type MetricRecord, Rng } from '@paperkit/tensor-core';
import { expectAllClose, expectNoLeak } from '@paperkit/tensor-core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BumpScene,
  lShapedSupport,
  reconstructionMse,
  type TrainAutoencoderOptions,
  trainAutoencoder,
} from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
});

/** 8×8 scalar bump images on the L-support: small enough for many short trainings. */
function data(seed: number) {
  const scene = new BumpScene({ latents: 'scalar', size: 8 });
  const support = lShapedSupport();
  const rng = Rng.fromSeed(seed);
  return {
    train: scene.render(support.sample(rng.stream('train'), 256)),
    validation: scene.render(support.sample(rng.stream('val'), 64)),
    inputDim: scene.outputDim,
  };
}

function options(seed: number, over: Partial<TrainAutoencoderOptions> = {}): TrainAutoencoderOptions {
  return {
    ...data(seed),
    latentDim: 2,
    encoderHidden: [16],
    decoderHidden: [8, 16],
    steps: 60,
    batchSize: 32,
    lr: 3e-3,
    restarts: 2,
    evalEvery: 20,
    checkEvery: 10,
    rng: Rng.fromSeed(seed),
    ...over,
  };
}

describe('trainAutoencoder', () => {
  it('reduces the reconstruction error and selects the restart with the lowest validation loss', async () => {
    const o = options(1, { restarts: 3 });
    const records: MetricRecord[] = [];
    const fit = await trainAutoencoder({ ...o, sink: { write: (r) => records.push(r) } });
    expect(fit.models).toHaveLength(3);
    expect(fit.model).toBe(fit.models[fit.selected]);
    const best = Math.min(...fit.validationLoss);
    expect(fit.validationLoss[fit.selected]).toBe(best);
    // The kept checkpoints are what the models now reconstruct.
    for (let r = 0; r < 3; r++)
      expect(await reconstructionMse(fit.models[r]!, o.validation)).toBeCloseTo(fit.validationLoss[r]!, 6);
    for (const curve of fit.trainLoss) expect(curve.at(-1)!.loss).toBeLessThan(curve[0]!.loss);
    // Records name their restart; validation records carry `val`.
    expect(records.filter((r) => 'val' in r).map((r) => r.restart)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    fit.dispose();
  });

  it('keeps each restart at its best validation checkpoint (never worse than the last)', async () => {
    const best = await trainAutoencoder(options(2, { checkpoint: 'best', restarts: 1, lr: 3e-2 }));
    const last = await trainAutoencoder(options(2, { checkpoint: 'last', restarts: 1, lr: 3e-2 }));
    expect(best.validationLoss[0]).toBeLessThanOrEqual(last.validationLoss[0]!);
    best.dispose();
    last.dispose();
  });

  it('is deterministic under a seed, and restart r does not depend on the number of restarts', async () => {
    const a = await trainAutoencoder(options(3));
    const b = await trainAutoencoder(options(3));
    const one = await trainAutoencoder(options(3, { restarts: 1 }));
    expect(Array.from(a.validationLoss)).toEqual(Array.from(b.validationLoss));
    expect(one.validationLoss[0]).toBe(a.validationLoss[0]);
    const wa = await a.models[1]!.decoder.params.get('dec.fc2.weight').data();
    const wb = await b.models[1]!.decoder.params.get('dec.fc2.weight').data();
    expect(Array.from(wa)).toEqual(Array.from(wb));
    for (const f of [a, b, one]) f.dispose();
  });

  it.each(['stacked', 'lockstep'] as const)(
    'screening (%s) trains the restarts together as each alone, then continues only the best',
    async (screenMode) => {
      // Restarts screened together for 20 steps reach the validation losses of the same restarts
      // trained alone for 20 steps (batched products round like unbatched ones on cpu).
      const o = options(7, { restarts: 3, checkpoint: 'last', evalEvery: 1000, decaySteps: 30 });
      const alone = await trainAutoencoder({ ...o, steps: 20, decaySteps: 0 });
      const screened = await trainAutoencoder({ ...o, steps: 60, screenSteps: 20, screenMode });
      expectAllClose(screened.screenValidationLoss!, alone.validationLoss, { rtol: 1e-5 });
      const best = screened.selected;
      expect(best).toBe(Array.from(alone.validationLoss).indexOf(Math.min(...alone.validationLoss)));
      expect(screened.models).toEqual([screened.model]);
      // The kept restart continues where the screening left it (its Adam moments, step count, learning
      // rate schedule and minibatch order): the same as training that restart alone for all 60 steps.
      const full = await trainAutoencoder({ ...o, steps: 60 });
      expect(screened.validationLoss[best]).toBeCloseTo(full.validationLoss[best]!, 9);
      const a = await screened.model.decoder.params.get('dec.fc2.weight').data();
      const b = await full.models[best]!.decoder.params.get('dec.fc2.weight').data();
      expectAllClose(a, b, { rtol: 1e-4, atol: 1e-6 });
      // The training curve: the screening's mean over restarts, then the kept restart.
      expect(screened.trainLoss.flat().map((p) => p.step)).toEqual([10, 20, 30, 40, 50, 60]);
      for (const f of [alone, screened, full]) f.dispose();
    },
  );

  it('leaks no tensors: everything it allocates is released by dispose', async () => {
    await expectNoLeak(async () => {
      const fit = await trainAutoencoder(options(4));
      fit.dispose();
      for (const screenMode of ['stacked', 'lockstep'] as const)
        (await trainAutoencoder(options(4, { screenSteps: 20, screenMode }))).dispose();
    });
    // Also when training throws.
    await expectNoLeak(async () => {
      const ctl = new AbortController();
      ctl.abort();
      await expect(trainAutoencoder(options(4, { signal: ctl.signal }))).rejects.toThrow(/aborted/);
    });
  });

  it('stops with a clear DivergenceError instead of NaN', async () => {
    // Adam at lr 1e9 blows the weights up within the first check window.
    await expect(trainAutoencoder(options(5, { restarts: 1, steps: 40, lr: 1e9 }))).rejects.toThrow(
      DivergenceError,
    );
  });

  it('rejects images of the wrong size and other bad options, naming the parameter', async () => {
    const o = options(6);
    await expect(trainAutoencoder({ ...o, train: o.train.subarray(0, 100) })).rejects.toThrow(
      /train must be a non-empty array whose length is a multiple of 64 \(one row per sample\)/,
    );
    await expect(trainAutoencoder({ ...o, validation: new Float32Array(65) })).rejects.toThrow(
      /validation must be a non-empty array whose length is a multiple of 64/,
    );
    await expect(trainAutoencoder({ ...o, train: [1, 2] as never })).rejects.toThrow(
      /train must be a Float32Array or Float64Array/,
    );
    await expect(trainAutoencoder({ ...o, steps: 0 })).rejects.toThrow(
      /steps must be an integer >= 1; got 0/,
    );
    await expect(trainAutoencoder({ ...o, lr: -1 })).rejects.toThrow(
      /lr must be a finite number > 0; got -1/,
    );
    await expect(trainAutoencoder({ ...o, restarts: 0 })).rejects.toThrow(/restarts must be an integer >= 1/);
    await expect(trainAutoencoder({ ...o, checkpoint: 'first' as never })).rejects.toThrow(
      /checkpoint must be one of "best", "last"/,
    );
    await expect(trainAutoencoder({ ...o, rng: 42 as never })).rejects.toThrow(/rng must be an Rng/);
    await expect(trainAutoencoder({ ...o, screenSteps: 60 })).rejects.toThrow(
      /screenSteps must be an integer below steps \(60\); got 60/,
    );
    await expect(trainAutoencoder({ ...o, screenMode: 'batched' as never })).rejects.toThrow(
      /screenMode must be one of "stacked", "lockstep"/,
    );
    await expect(trainAutoencoder({ ...o, decaySteps: 61 })).rejects.toThrow(
      /decaySteps must be an integer from 0 to steps \(60\); got 61/,
    );
    await expect(trainAutoencoder({ ...o, decoder: [[0], [0, 1]] })).rejects.toThrow(
      /partition must be blocks that do not overlap/,
    );
    await expect(trainAutoencoder({ ...o, decoder: [[0]] })).rejects.toThrow(
      /partition must be blocks that cover every latent 0..1 \(missing 1\)/,
    );
    const bad = Float32Array.from(o.train);
    bad[5] = Number.NaN;
    await expect(trainAutoencoder({ ...o, train: bad })).rejects.toThrow(
      /train\[5\] must be a finite number; got NaN/,
    );
  });
});
