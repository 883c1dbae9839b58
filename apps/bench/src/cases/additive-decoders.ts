/**
 * Benchmarks of @paperkit/additive-decoders (issue #17, performance): the additive decoder's forward +
 * backward pass on a batch of 64 16×16 images against a non-additive decoder of the same total width
 * (2 blocks × latent→32→128→256 against 2→64→256→256), timed in pairs in the same process; target
 * ratio ≤ 2 (the blocks run as one block-diagonal matMul per layer, not one network per block or per
 * example). Also the full autoencoder training step (encoder + decoder + Adam) of the headline
 * experiment for both decoders, which sets its cost, and the screening step of `trainAutoencoder`
 * (8 restarts stacked, one batched matMul per layer) against 8 separate steps. Each figure is taken
 * on wasm and, when the addon loads, on wasm+blas (the process is left on wasm without BLAS, where the
 * figure benches start). Lower is better for every figure. Registered in `figures.ts` as
 *   { name: 'additive-decoders', run: (quick) => benchAdditiveDecoders({ quick }) }
 */
import { AdditiveDecoder, Autoencoder, nonAdditiveDecoder } from '@paperkit/additive-decoders';
import { Adam, blasStatus, currentBackend, initBackend, Rng } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { BenchFigure } from '../figures.js';
import { measurePaired } from '../measure.js';
import { activate, type Setup } from '../setups.js';

/** Options of {@link benchAdditiveDecoders}. */
export interface AdditiveDecodersBenchOptions {
  /** Tiny sizes and budgets (CI smoke run; figures not comparable). */
  readonly quick?: boolean;
  /** Time budget per paired measurement, ms; default 3000. */
  readonly budgetMs?: number;
}

/** Forward + backward of a decoder's reconstruction loss with respect to its parameters. */
function forwardBackward(dec: AdditiveDecoder, z: tf.Tensor2D, x: tf.Tensor2D): () => void {
  const vars = Object.values(dec.params.tensors());
  return () => {
    const { value, grads } = tf.variableGrads(
      () => tf.mean(tf.square(tf.sub(dec.apply(z), x))) as tf.Scalar,
      vars,
    );
    value.dispose();
    tf.dispose(Object.values(grads));
  };
}

/** One Adam step of K autoencoders stacked along a leading axis (how `trainAutoencoder` screens restarts). */
function stackedStep(
  models: readonly Autoencoder[],
  x: tf.Tensor2D,
): { step: () => void; dispose: () => void } {
  const first = models[0]!;
  const k = models.length;
  const stacked = Object.fromEntries(
    Object.keys(first.variables()).map((n) => [
      n,
      tf.tidy(() => tf.variable(tf.stack(models.map((m) => m.variables()[n]!)))),
    ]),
  );
  const xs = tf.stack(models.map(() => x)) as tf.Tensor3D;
  const opt = new Adam({ lr: 1e-6 });
  const loss = () =>
    tf.mul(
      tf.mean(
        tf.square(
          tf.sub(first.decoder.applyWith(stacked, first.encoder.applyWith(stacked, xs) as tf.Tensor3D), xs),
        ),
      ),
      k,
    ) as tf.Scalar;
  return {
    step: () => tf.dispose(opt.minimize(loss, stacked)),
    dispose: () => {
      opt.dispose();
      tf.dispose([xs, ...Object.values(stacked)]);
    },
  };
}

/** One Adam step of the autoencoder on a minibatch. */
function trainStep(model: Autoencoder, x: tf.Tensor2D): { step: () => void; dispose: () => void } {
  const opt = new Adam({ lr: 1e-6 });
  const vars = model.variables();
  return { step: () => tf.dispose(opt.minimize(() => model.loss(x), vars)), dispose: () => opt.dispose() };
}

/**
 * Figures: decoder forward + backward, additive vs non-additive of the same total width (the issue's
 * target ≤ 2×), and the autoencoder training step with each decoder at the headline's architecture.
 */
export async function benchAdditiveDecoders(o: AdditiveDecodersBenchOptions = {}): Promise<BenchFigure[]> {
  if (!currentBackend()) await initBackend({ prefer: 'wasm', blas: 'off' });
  const setups: Setup[] = [{ label: 'wasm', backend: 'wasm', blas: false, fix: true }];
  if (blasStatus().vendor) setups.push({ label: 'wasm+blas', backend: 'wasm', blas: true, fix: true });
  const figures: BenchFigure[] = [];
  try {
    for (const setup of setups) {
      await activate(setup);
      for (const f of measure(o)) figures.push({ ...f, name: `${f.name} [${setup.label}]` });
    }
  } finally {
    await activate(setups[0]!);
  }
  return figures;
}

function measure(o: AdditiveDecodersBenchOptions): BenchFigure[] {
  const quick = o.quick ?? false;
  const batch = quick ? 8 : 64;
  const pixels = quick ? 8 * 8 : 16 * 16;
  const hidden = quick ? [4, 8] : [32, 128];
  const budget = { ms: o.budgetMs ?? (quick ? 30 : 3000), maxIterations: quick ? 5 : 2000 };
  const rng = Rng.fromSeed(20_260_117);
  const z = tf.tensor2d(rng.stream('z').fillUniform(new Float32Array(batch * 2), 1, 4), [batch, 2]);
  const x = tf.tensor2d(rng.stream('x').fillUniform(new Float32Array(batch * pixels)), [batch, pixels]);
  const additive = AdditiveDecoder.init(rng.stream('additive'), {
    partition: [[0], [1]],
    outputDim: pixels,
    hidden,
  });
  const wide = nonAdditiveDecoder(rng.stream('wide'), {
    latentDim: 2,
    outputDim: pixels,
    hidden: hidden.map((h) => 2 * h),
  });
  const narrow = nonAdditiveDecoder(rng.stream('narrow'), { latentDim: 2, outputDim: pixels, hidden });
  const figures: BenchFigure[] = [];
  try {
    const same = measurePaired(forwardBackward(wide, z, x), forwardBackward(additive, z, x), budget);
    figures.push({
      name: `additive decoder forward + backward, 2 blocks × [${hidden}], batch ${batch}, ${pixels} px`,
      value: same.variant,
      unit: 'ms',
      baseline: same.baseline,
      ratio: same.ratio,
      note: `baseline: non-additive decoder of the same total width [${hidden.map((h) => 2 * h)}]; target ratio ≤ 2 (${same.rounds} pairs)`,
    });
    const per = measurePaired(forwardBackward(narrow, z, x), forwardBackward(additive, z, x), budget);
    figures.push({
      name: `additive decoder forward + backward vs one block's architecture [${hidden}]`,
      value: per.variant,
      unit: 'ms',
      baseline: per.baseline,
      ratio: per.ratio,
      note: 'baseline: the non-additive baseline of the experiments (same per-block widths)',
    });
    const models = {
      additive: Autoencoder.init(rng.stream('ae-additive'), {
        inputDim: pixels,
        latentDim: 2,
        decoder: 'additive-scalar',
        decoderHidden: hidden,
      }),
      nonAdditive: Autoencoder.init(rng.stream('ae-non-additive'), {
        inputDim: pixels,
        latentDim: 2,
        decoder: 'non-additive',
        decoderHidden: hidden,
      }),
    };
    const a = trainStep(models.additive, x);
    const b = trainStep(models.nonAdditive, x);
    const restarts = quick ? 2 : 8;
    const copies = Array.from({ length: restarts }, (_, r) =>
      Autoencoder.init(rng.stream(`restart-${r}`), {
        inputDim: pixels,
        latentDim: 2,
        decoder: 'additive-scalar',
        decoderHidden: hidden,
      }),
    );
    const separate = copies.map((m) => trainStep(m, x));
    const together = stackedStep(copies, x);
    try {
      const step = measurePaired(b.step, a.step, budget);
      figures.push({
        name: `autoencoder Adam step (headline architecture), additive decoder, batch ${batch}`,
        value: step.variant,
        unit: 'ms',
        baseline: step.baseline,
        ratio: step.ratio,
        note: 'baseline: the same step with the non-additive decoder; × steps = a cell of scalar-extrapolation after screening',
      });
      const screen = measurePaired(
        () => {
          for (const s of separate) s.step();
        },
        together.step,
        budget,
      );
      figures.push({
        name: `screening step: ${restarts} additive autoencoders stacked (batched matMuls), batch ${batch}`,
        value: screen.variant,
        unit: 'ms',
        baseline: screen.baseline,
        ratio: screen.ratio,
        note: `baseline: ${restarts} separate Adam steps (trainAutoencoder screens in lockstep, not stacked, on wasm without BLAS)`,
      });
    } finally {
      a.dispose();
      b.dispose();
      together.dispose();
      for (const s of separate) s.dispose();
      for (const m of copies) m.dispose();
      models.additive.dispose();
      models.nonAdditive.dispose();
    }
  } finally {
    additive.dispose();
    wide.dispose();
    narrow.dispose();
    tf.dispose([z, x]);
  }
  return figures;
}
