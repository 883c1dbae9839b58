import {
  Adam,
  abortPoint,
  checkInteger,
  checkMatrix,
  checkPositive,
  DivergenceError,
  identity,
  type Matrix,
  type MatrixLike,
  PaperkitInputError,
  type Rng,
  throwIfAborted,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { alphaWeights } from './alpha.js';
import { axisAlignmentLoss } from './criterion.js';
import { checkFullRank } from './linear-maps.js';

/**
 * EXPERIMENTAL. A nonlinear unmixing trained with the criterion: the theory covers diffeomorphisms
 * f, but the paper's released experiments are linear. The map is invertible by construction: a
 * linear layer W followed by affine coupling layers (RealNVP): the coordinates are split into a
 * conditioning part a and an updated part b, b ← b·exp(s(a)) + t(a) with s bounded by
 * `scaleMax`·tanh, and the roles alternate between layers. Couplings start at the identity, so
 * training from a linear solution starts at that solution. Nothing prevents the map from warping
 * each axis monotonically: cell values are not identifiable, only the grid.
 */

/** Options of {@link trainInvertibleUnmixing}. */
export interface TrainInvertibleOptions {
  /** Linear layer at the start (e.g. a linear recovery's unmixing); default the identity. */
  readonly init?: MatrixLike;
  /** Coupling layers; default 4. */
  readonly couplings?: number;
  /** Hidden units of each coupling's tanh MLP; default 16. */
  readonly hidden?: number;
  /** Bound on the log-scale of a coupling; default 2. */
  readonly scaleMax?: number;
  /** Train the linear layer too; default true. */
  readonly trainLinear?: boolean;
  /** Optimisation steps; default 300. */
  readonly steps?: number;
  /** Random batch per step (capped at n); default 2000. */
  readonly batchSize?: number;
  /** Adam learning rate; default 1e-3. */
  readonly lr?: number;
  /** Parzen σ; default 0.1. */
  readonly sigma?: number;
  /** Point weights over the dataset; default {@link alphaWeights} of `x`. */
  readonly alpha?: ArrayLike<number>;
  /** Query rows per kernel block; default `defaultChunkSize(n)`. */
  readonly chunkSize?: number;
  /** Steps between host reads of the loss (divergence check, `onCheck`); default 25. */
  readonly checkEvery?: number;
  /** Called at every check with the mean loss of the window. */
  readonly onCheck?: (step: number, loss: number) => void;
  /** Stops between steps. */
  readonly signal?: AbortSignal;
}

/** A trained invertible unmixing. */
export interface InvertibleRecovery {
  readonly method: 'invertible-flow';
  /** The map z' = g(x) on the host, in float64, for any n×d points. */
  readonly map: (x: MatrixLike) => Matrix;
  /** Window-mean losses at each check. */
  readonly losses: readonly { step: number; loss: number }[];
  /** Last window-mean loss. */
  readonly loss: number;
}

interface Layer {
  readonly cond: number[];
  readonly upd: number[];
}

function layersOf(d: number, couplings: number): Layer[] {
  const half = Math.ceil(d / 2);
  const a = Array.from({ length: half }, (_, i) => i);
  const b = Array.from({ length: d - half }, (_, i) => half + i);
  return Array.from({ length: couplings }, (_, k) =>
    k % 2 === 0 ? { cond: a, upd: b } : { cond: b, upd: a },
  );
}

/** Trains the flow on the criterion −Σ α‖v̂‖_∞ with Adam on random batches. */
export async function trainInvertibleUnmixing(
  x: MatrixLike,
  rng: Rng,
  options: TrainInvertibleOptions = {},
): Promise<InvertibleRecovery> {
  checkMatrix('x', x);
  const { rows: n, cols: d } = x;
  if (d < 2) throw new PaperkitInputError('x', x, 'observations with at least 2 columns');
  const couplings = checkInteger('couplings', options.couplings ?? 4, 0);
  const hidden = checkInteger('hidden', options.hidden ?? 16, 1);
  const scaleMax = checkPositive('scaleMax', options.scaleMax ?? 2);
  const steps = checkInteger('steps', options.steps ?? 300, 1);
  const batch = Math.min(n, checkInteger('batchSize', options.batchSize ?? 2000, 2));
  const lr = checkPositive('lr', options.lr ?? 1e-3);
  const sigma = checkPositive('sigma', options.sigma ?? 0.1);
  const checkEvery = checkInteger('checkEvery', options.checkEvery ?? 25, 1);
  const chunk = options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize };
  const init = options.init ?? identity(d);
  checkFullRank('init', init);
  if (init.rows !== d) throw new PaperkitInputError('init', init, `a ${d}×${d} matrix`);
  const alpha = options.alpha ?? (await alphaWeights(x, { sigma, ...chunk })).alpha;
  if (alpha.length !== n) throw new PaperkitInputError('alpha', alpha, `an array of ${n} weights`);
  const layers = layersOf(d, couplings);
  const initRng = rng.stream('init');
  const batchRng = rng.stream('batches');
  const params: Record<string, tf.Variable> = {};
  const variable = (name: string, shape: number[], values: Float32Array, trainable = true) =>
    (params[name] = tf.tidy(() => tf.variable(tf.tensor(values, shape), trainable)));
  variable('W', [d, d], Float32Array.from(init.data), options.trainLinear ?? true);
  layers.forEach((l, k) => {
    const fanIn = l.cond.length;
    const w1 = initRng.fillNormal(new Float32Array(fanIn * hidden), 0, 1 / Math.sqrt(fanIn));
    variable(`c${k}.w1`, [fanIn, hidden], w1);
    variable(`c${k}.b1`, [hidden], new Float32Array(hidden));
    // Zero output layer: every coupling starts as the identity.
    variable(`c${k}.w2`, [hidden, 2 * l.upd.length], new Float32Array(hidden * 2 * l.upd.length));
    variable(`c${k}.b2`, [2 * l.upd.length], new Float32Array(2 * l.upd.length));
  });
  const forward = (xb: tf.Tensor2D): tf.Tensor2D => {
    let h = tf.matMul(xb, params.W!, false, true) as tf.Tensor2D;
    layers.forEach((l, k) => {
      // Column blocks are contiguous, so slices (tf.gather's gradient needs UnsortedSegmentSum, which
      // the wasm backend lacks).
      const a = tf.slice(h, [0, l.cond[0]!], [-1, l.cond.length]);
      const b = tf.slice(h, [0, l.upd[0]!], [-1, l.upd.length]);
      const hid = tf.tanh(tf.add(tf.matMul(a, params[`c${k}.w1`]!), params[`c${k}.b1`]!));
      const st = tf.add(tf.matMul(hid, params[`c${k}.w2`]!), params[`c${k}.b2`]!);
      const m = l.upd.length;
      const s = tf.mul(scaleMax, tf.tanh(tf.slice(st, [0, 0], [-1, m])));
      const t = tf.slice(st, [0, m], [-1, m]);
      const bNew = tf.add(tf.mul(b, tf.exp(s)), t);
      h = (l.cond[0] === 0 ? tf.concat([a, bNew], 1) : tf.concat([bNew, a], 1)) as tf.Tensor2D;
    });
    return h;
  };
  const xT = tf.tensor2d(Float32Array.from(x.data), [n, d]);
  const alphaT = tf.tensor1d(Float32Array.from(alpha));
  const opt = new Adam({ lr });
  const trainable = Object.fromEntries(Object.entries(params).filter(([, v]) => v.trainable));
  const losses: { step: number; loss: number }[] = [];
  try {
    let sum: tf.Scalar = tf.scalar(0);
    let count = 0;
    for (let step = 1; step <= steps; step++) {
      if (options.signal) throwIfAborted(options.signal);
      const idx = tf.tensor1d(batchRng.sampleWithoutReplacement(n, batch), 'int32');
      const loss = opt.minimize(
        () =>
          tf.tidy(() =>
            axisAlignmentLoss(forward(tf.gather(xT, idx) as tf.Tensor2D), {
              sigma,
              alpha: tf.gather(alphaT, idx) as tf.Tensor1D,
              ...chunk,
            }),
          ),
        trainable,
      );
      idx.dispose();
      const next = tf.add(sum, loss) as tf.Scalar;
      tf.dispose([sum, loss]);
      sum = next;
      count++;
      if (step % checkEvery === 0 || step === steps) {
        // α of a batch sums to ≈ batch/n; rescale so the reported loss reads like a full-data loss.
        const mean = ((await sum.data())[0]! / count) * (n / batch);
        sum.dispose();
        sum = tf.scalar(0);
        count = 0;
        if (!Number.isFinite(mean))
          throw new DivergenceError(step, mean, losses.at(-1)?.loss ?? null, 'not finite; lower lr');
        losses.push({ step, loss: mean });
        options.onCheck?.(step, mean);
        if (options.signal) await abortPoint(options.signal);
      }
    }
    sum.dispose();
    const host: Record<string, { shape: number[]; data: Float64Array }> = {};
    for (const [name, v] of Object.entries(params))
      host[name] = { shape: v.shape, data: Float64Array.from(await v.data()) };
    return {
      method: 'invertible-flow',
      map: hostMap(host, layers, d, scaleMax),
      losses,
      loss: losses.at(-1)!.loss,
    };
  } finally {
    opt.dispose();
    tf.dispose([xT, alphaT, ...Object.values(params)]);
  }
}

/** The trained flow as a float64 host function (the same forward pass, without tfjs). */
function hostMap(
  p: Record<string, { shape: number[]; data: Float64Array }>,
  layers: Layer[],
  d: number,
  scaleMax: number,
): (x: MatrixLike) => Matrix {
  return (x: MatrixLike): Matrix => {
    checkMatrix('x', x);
    if (x.cols !== d) throw new PaperkitInputError('x', x, `points with ${d} coordinates`);
    const out = new Float64Array(x.rows * d);
    const w = p.W!.data;
    const h = new Float64Array(d);
    for (let i = 0; i < x.rows; i++) {
      for (let r = 0; r < d; r++) {
        let s = 0;
        for (let c = 0; c < d; c++) s += w[r * d + c]! * x.data[i * d + c]!;
        h[r] = s;
      }
      layers.forEach((l, k) => {
        const w1 = p[`c${k}.w1`]!;
        const b1 = p[`c${k}.b1`]!.data;
        const w2 = p[`c${k}.w2`]!.data;
        const b2 = p[`c${k}.b2`]!.data;
        const hid = w1.shape[1]!;
        const m = l.upd.length;
        const act = new Float64Array(hid);
        for (let j = 0; j < hid; j++) {
          let s = b1[j]!;
          l.cond.forEach((c, a) => {
            s += h[c]! * w1.data[a * hid + j]!;
          });
          act[j] = Math.tanh(s);
        }
        l.upd.forEach((c, q) => {
          let s = b2[q]!;
          let t = b2[m + q]!;
          for (let j = 0; j < hid; j++) {
            s += act[j]! * w2[j * 2 * m + q]!;
            t += act[j]! * w2[j * 2 * m + m + q]!;
          }
          h[c] = h[c]! * Math.exp(scaleMax * Math.tanh(s)) + t;
        });
      });
      out.set(h, i * d);
    }
    return { rows: x.rows, cols: d, data: out };
  };
}
