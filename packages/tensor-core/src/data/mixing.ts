import { checkMatrix, type Matrix } from '../linalg/matrix.js';
import { qr } from '../linalg/qr.js';
import { svd } from '../linalg/svd.js';
import type { Rng } from '../random/rng.js';
import {
  checkAllFinite,
  checkInRange,
  checkInteger,
  checkNonNegative,
  checkPositive,
  PaperkitInputError,
} from '../validate/errors.js';

/**
 * Mixing functions x = f(z) of identifiable-representation-learning benchmarks, on the host in
 * float64: the random invertible leaky-ReLU MLP of the mechanism-sparsity code (Lachapelle et al.,
 * `data/synthetic.py`, `get_decoder('nn')`) and the linear map of its `linear` manifold. Row-vector
 * convention everywhere: a batch is row-major [count, dim], a layer is x·W with W of shape [in, out]
 * (paperkit's dense layout), and a Jacobian is [outputDim, inputDim] with J[k][i] = ∂x_k/∂z_i.
 */

/** Negative slope of the leaky ReLU in the reference invertible MLP. */
export const MIXING_LEAKY_SLOPE = 0.2;

/**
 * A leaky-ReLU MLP without biases: h ← leaky(h·W_k) for every layer but the last, then x = h·W_L.
 * Injective when every W_k has full row rank (in ≤ out), which {@link invertibleMlpMixing} guarantees.
 */
export interface MlpMixing {
  readonly kind: 'mlp';
  /** Latent dimension d_z. */
  readonly inputDim: number;
  /** Observation dimension d_x. */
  readonly outputDim: number;
  /** Layer weights, each [in, out] row-major; chained widths from inputDim to outputDim. */
  readonly weights: readonly Matrix[];
  /** Negative slope of the leaky ReLU between layers (in (0, 1] for invertibility). */
  readonly slope: number;
}

/** An affine map x = z·W + b. */
export interface LinearMixing {
  readonly kind: 'linear';
  /** Latent dimension d_z. */
  readonly inputDim: number;
  /** Observation dimension d_x. */
  readonly outputDim: number;
  /** W, [inputDim, outputDim] row-major. */
  readonly weight: Matrix;
  /** b, [outputDim] (zeros for a linear map without bias). */
  readonly bias: Float64Array;
}

/** A mixing function; plain data (serialisable), so users can also build one from their own weights. */
export type Mixing = MlpMixing | LinearMixing;

/** Configuration of {@link invertibleMlpMixing}. */
export interface InvertibleMlpMixingConfig {
  /** Latent dimension d_z (≥ 1). */
  readonly inputDim: number;
  /** Observation dimension d_x (≥ hiddenDim). */
  readonly outputDim: number;
  /** Width of the hidden layers, in [inputDim, outputDim]; default outputDim (the reference's h = d_x). */
  readonly hiddenDim?: number;
  /** Number of weight matrices (≥ 1); default 4 (three leaky ReLUs, as the reference). */
  readonly layers?: number;
  /** Leaky-ReLU slope in (0, 1]; default {@link MIXING_LEAKY_SLOPE}. */
  readonly slope?: number;
}

/**
 * A random injective leaky-ReLU MLP (the reference's `nn` manifold): each weight W_k [in, out] is a
 * standard normal matrix whose rows are orthonormalised (thin QR of Wᵀ), then scaled by
 * c_k = √(2/(1+slope²))·√(2/(in+out)) (a He-style gain that keeps activations at unit scale). With
 * d_z ≤ h ≤ d_x every layer is injective, so f is injective and its Jacobian has full column rank at
 * every z: its singular values lie in [slope^(L−1)·Π c_k, Π c_k] (rows orthonormal up to c_k, and a
 * leaky ReLU scales each coordinate by 1 or slope). Weights are drawn from `rng` in layer order.
 */
export function invertibleMlpMixing(rng: Rng, config: InvertibleMlpMixingConfig): MlpMixing {
  if (config === null || typeof config !== 'object')
    throw new PaperkitInputError(
      'config',
      config,
      'an object { inputDim, outputDim, hiddenDim?, layers?, slope? }',
    );
  const d = checkInteger('inputDim', config.inputDim, 1);
  const out = checkInteger('outputDim', config.outputDim, 1);
  if (d > out)
    throw new PaperkitInputError(
      'inputDim',
      d,
      `an integer <= outputDim (${out}): an injective mixing needs d_z <= d_x`,
    );
  const h = checkInteger('hiddenDim', config.hiddenDim ?? out, 1);
  if (h < d || h > out)
    throw new PaperkitInputError(
      'hiddenDim',
      h,
      `an integer in [inputDim, outputDim] = [${d}, ${out}] (injectivity needs d_z <= h <= d_x)`,
    );
  const layers = checkInteger('layers', config.layers ?? 4, 1);
  const slope = checkInRange('slope', config.slope ?? MIXING_LEAKY_SLOPE, 0, 1, '(]');
  const widths = [d, ...Array.from({ length: layers - 1 }, () => h), out];
  const gain = Math.sqrt(2 / (1 + slope * slope));
  const weights: Matrix[] = [];
  for (let k = 0; k < layers; k++) {
    const nin = widths[k]!;
    const nout = widths[k + 1]!;
    // Gᵀ (nout×nin) has orthonormal Q columns, so W = Qᵀ (nin×nout) has orthonormal rows.
    const g = new Float64Array(nin * nout);
    for (let i = 0; i < g.length; i++) g[i] = rng.normal();
    const gt = new Float64Array(nout * nin);
    for (let i = 0; i < nin; i++) for (let j = 0; j < nout; j++) gt[j * nin + i] = g[i * nout + j]!;
    const { q } = qr({ rows: nout, cols: nin, data: gt });
    const scale = gain * Math.sqrt(2 / (nin + nout));
    const w = new Float64Array(nin * nout);
    for (let i = 0; i < nin; i++)
      for (let j = 0; j < nout; j++) w[i * nout + j] = q.data[j * nin + i]! * scale;
    weights.push({ rows: nin, cols: nout, data: w });
  }
  return { kind: 'mlp', inputDim: d, outputDim: out, weights, slope };
}

/** Configuration of {@link linearMixing}. */
export interface LinearMixingConfig {
  /** Latent dimension d_z. */
  readonly inputDim: number;
  /** Observation dimension d_x. */
  readonly outputDim: number;
  /** Draw a bias b ~ N(0, 1) (default true, as the reference's `linear` manifold) or use b = 0. */
  readonly bias?: boolean;
  /** Standard deviation of the i.i.d. normal entries of W; default 1. */
  readonly weightStd?: number;
}

/**
 * A random affine map x = z·W + b with W ~ N(0, weightStd²) [d_z, d_x] and b ~ N(0, 1) (the
 * reference's `linear` manifold draws W as [d_x, d_z] and maps z·Wᵀ: the same distribution).
 * Full column rank with probability one when d_z ≤ d_x; W is drawn before b.
 */
export function linearMixing(rng: Rng, config: LinearMixingConfig): LinearMixing {
  if (config === null || typeof config !== 'object')
    throw new PaperkitInputError('config', config, 'an object { inputDim, outputDim, bias?, weightStd? }');
  const d = checkInteger('inputDim', config.inputDim, 1);
  const out = checkInteger('outputDim', config.outputDim, 1);
  if (d > out)
    throw new PaperkitInputError(
      'inputDim',
      d,
      `an integer <= outputDim (${out}): an injective mixing needs d_z <= d_x`,
    );
  const std = checkPositive('weightStd', config.weightStd ?? 1);
  const w = new Float64Array(d * out);
  for (let i = 0; i < w.length; i++) w[i] = std * rng.normal();
  const bias = new Float64Array(out);
  if (config.bias ?? true) for (let j = 0; j < out; j++) bias[j] = rng.normal();
  return { kind: 'linear', inputDim: d, outputDim: out, weight: { rows: d, cols: out, data: w }, bias };
}

/** Validates a mixing (shapes chain from inputDim to outputDim, finite entries) and returns it. */
export function checkMixing(parameter: string, mixing: Mixing): Mixing {
  if (mixing === null || typeof mixing !== 'object')
    throw new PaperkitInputError(parameter, mixing, 'a mixing { kind: "mlp" | "linear", … }');
  checkInteger(`${parameter}.inputDim`, mixing.inputDim, 1);
  checkInteger(`${parameter}.outputDim`, mixing.outputDim, 1);
  if (mixing.kind === 'mlp') {
    if (!Array.isArray(mixing.weights) || mixing.weights.length < 1)
      throw new PaperkitInputError(`${parameter}.weights`, mixing.weights, 'a non-empty array of matrices');
    checkInRange(`${parameter}.slope`, mixing.slope, 0, 1, '(]');
    let width = mixing.inputDim;
    mixing.weights.forEach((w, k) => {
      checkMatrix(`${parameter}.weights[${k}]`, w);
      if (w.rows !== width)
        throw new PaperkitInputError(
          `${parameter}.weights[${k}].rows`,
          w.rows,
          `${width} (the previous width)`,
        );
      checkAllFinite(`${parameter}.weights[${k}].data`, w.data);
      width = w.cols;
    });
    if (width !== mixing.outputDim)
      throw new PaperkitInputError(
        `${parameter}.weights`,
        `a last width of ${width}`,
        `outputDim (${mixing.outputDim})`,
      );
    return mixing;
  }
  if (mixing.kind === 'linear') {
    checkMatrix(`${parameter}.weight`, mixing.weight);
    if (mixing.weight.rows !== mixing.inputDim || mixing.weight.cols !== mixing.outputDim)
      throw new PaperkitInputError(
        `${parameter}.weight`,
        `a ${mixing.weight.rows}×${mixing.weight.cols} matrix`,
        `a ${mixing.inputDim}×${mixing.outputDim} matrix [inputDim, outputDim]`,
      );
    checkAllFinite(`${parameter}.weight.data`, mixing.weight.data);
    if (mixing.bias?.length !== mixing.outputDim)
      throw new PaperkitInputError(
        `${parameter}.bias`,
        mixing.bias,
        `an array of length ${mixing.outputDim}`,
      );
    checkAllFinite(`${parameter}.bias`, mixing.bias);
    return mixing;
  }
  throw new PaperkitInputError(`${parameter}.kind`, (mixing as { kind: unknown }).kind, '"mlp" or "linear"');
}

function rowCount(parameter: string, values: ArrayLike<number>, width: number): number {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number')
    throw new PaperkitInputError(parameter, values, `a row-major array [count, ${width}]`);
  const count = values.length / width;
  if (!Number.isInteger(count))
    throw new PaperkitInputError(
      parameter,
      values,
      `a row-major array [count, ${width}] (length divisible by ${width})`,
    );
  checkAllFinite(parameter, values);
  return count;
}

/** rows [count, in] · W [in, out] → [count, out]. */
function affine(h: ArrayLike<number>, count: number, w: Matrix, bias?: Float64Array): Float64Array {
  const nin = w.rows;
  const nout = w.cols;
  const out = new Float64Array(count * nout);
  for (let r = 0; r < count; r++) {
    const o = r * nout;
    if (bias) for (let j = 0; j < nout; j++) out[o + j] = bias[j]!;
    for (let i = 0; i < nin; i++) {
      const a = h[r * nin + i]!;
      if (a === 0) continue;
      const wo = i * nout;
      for (let j = 0; j < nout; j++) out[o + j]! += a * w.data[wo + j]!;
    }
  }
  return out;
}

/** x = f(z) for a batch `z` [count, inputDim] (row-major, float32 or float64), in float64. */
export function applyMixing(mixing: Mixing, z: ArrayLike<number>): Float64Array {
  checkMixing('mixing', mixing);
  const count = rowCount('z', z, mixing.inputDim);
  if (mixing.kind === 'linear') return affine(z, count, mixing.weight, mixing.bias);
  let h: ArrayLike<number> = z;
  const last = mixing.weights.length - 1;
  mixing.weights.forEach((w, k) => {
    const next = affine(h, count, w);
    if (k < last) for (let i = 0; i < next.length; i++) if (next[i]! < 0) next[i]! *= mixing.slope;
    h = next;
  });
  return h as Float64Array;
}

/**
 * The Jacobian of f at one point `z` [inputDim]: a [outputDim, inputDim] matrix with
 * J[k][i] = ∂x_k/∂z_i. At a kink of the leaky ReLU (pre-activation exactly 0) the slope-1 branch is
 * taken.
 */
export function mixingJacobian(mixing: Mixing, z: ArrayLike<number>): Matrix {
  checkMixing('mixing', mixing);
  if (rowCount('z', z, mixing.inputDim) !== 1)
    throw new PaperkitInputError('z', z, `one point (an array of length inputDim = ${mixing.inputDim})`);
  const d = mixing.inputDim;
  const weights = mixing.kind === 'linear' ? [mixing.weight] : mixing.weights;
  // Forward-mode: T holds ∂h/∂z as [width, d]; each layer maps T ← Wᵀ·T, then scales rows by the
  // leaky-ReLU derivative at that layer's pre-activation.
  let h: Float64Array = Float64Array.from(z);
  let t: Float64Array = new Float64Array(d * d);
  for (let i = 0; i < d; i++) t[i * d + i] = 1;
  const last = weights.length - 1;
  weights.forEach((w, k) => {
    const pre = affine(h, 1, w);
    const tn = new Float64Array(w.cols * d);
    for (let i = 0; i < w.rows; i++)
      for (let j = 0; j < w.cols; j++) {
        const wij = w.data[i * w.cols + j]!;
        if (wij === 0) continue;
        for (let c = 0; c < d; c++) tn[j * d + c]! += wij * t[i * d + c]!;
      }
    if (mixing.kind === 'mlp' && k < last)
      for (let j = 0; j < w.cols; j++)
        if (pre[j]! < 0) {
          pre[j]! *= mixing.slope;
          for (let c = 0; c < d; c++) tn[j * d + c]! *= mixing.slope;
        }
    h = pre;
    t = tn;
  });
  return { rows: mixing.outputDim, cols: d, data: t };
}

/**
 * The smallest singular value of the Jacobian over a batch of points `z` [count, inputDim]: > 0 at
 * every point means f is an immersion there (full column rank), the injectivity check of the
 * identifiability benchmarks.
 */
export function minJacobianSingularValue(mixing: Mixing, z: ArrayLike<number>): number {
  checkMixing('mixing', mixing);
  const count = rowCount('z', z, mixing.inputDim);
  if (count < 1) throw new PaperkitInputError('z', z, 'at least one point');
  const d = mixing.inputDim;
  let min = Number.POSITIVE_INFINITY;
  for (let r = 0; r < count; r++) {
    const { s } = svd(mixingJacobian(mixing, Array.prototype.slice.call(z, r * d, (r + 1) * d)));
    min = Math.min(min, s[s.length - 1]!);
  }
  return min;
}

/**
 * The left inverse z = f⁻¹(x) on the image of f, for a batch `x` [count, outputDim]: exact for
 * points of the image, the least-squares pre-image layer by layer otherwise (each layer solves the
 * normal equations of its rows, W·Wᵀ, by Cholesky; for {@link invertibleMlpMixing} W·Wᵀ = c²I). The
 * leaky ReLU is undone exactly. Throws when a weight is not of full row rank.
 */
export function invertMixing(mixing: Mixing, x: ArrayLike<number>): Float64Array {
  checkMixing('mixing', mixing);
  const count = rowCount('x', x, mixing.outputDim);
  const weights = mixing.kind === 'linear' ? [mixing.weight] : mixing.weights;
  let h: Float64Array = Float64Array.from(x);
  if (mixing.kind === 'linear')
    for (let r = 0; r < count; r++)
      for (let j = 0; j < mixing.outputDim; j++) h[r * mixing.outputDim + j]! -= mixing.bias[j]!;
  for (let k = weights.length - 1; k >= 0; k--) {
    const w = weights[k]!;
    if (mixing.kind === 'mlp' && k < weights.length - 1)
      for (let i = 0; i < h.length; i++) if (h[i]! < 0) h[i]! /= mixing.slope;
    h = preimage(w, h, count);
  }
  return h;
}

/** argmin_u ‖u·W − y‖ for each row y: u = y·Wᵀ·(W·Wᵀ)⁻¹ (W [in, out] of full row rank). */
function preimage(w: Matrix, y: Float64Array, count: number): Float64Array {
  const nin = w.rows;
  const nout = w.cols;
  // Gram G = W·Wᵀ (nin×nin), factorised once by Cholesky.
  const g = new Float64Array(nin * nin);
  for (let a = 0; a < nin; a++)
    for (let b = 0; b <= a; b++) {
      let s = 0;
      for (let j = 0; j < nout; j++) s += w.data[a * nout + j]! * w.data[b * nout + j]!;
      g[a * nin + b] = s;
      g[b * nin + a] = s;
    }
  const l = new Float64Array(nin * nin);
  for (let a = 0; a < nin; a++)
    for (let b = 0; b <= a; b++) {
      let s = g[a * nin + b]!;
      for (let c = 0; c < b; c++) s -= l[a * nin + c]! * l[b * nin + c]!;
      if (a === b) {
        if (!(s > 0))
          throw new PaperkitInputError(
            'mixing.weights',
            `a ${nin}×${nout} weight of rank < ${nin}`,
            'weights of full row rank',
          );
        l[a * nin + a] = Math.sqrt(s);
      } else l[a * nin + b] = s / l[b * nin + b]!;
    }
  const out = new Float64Array(count * nin);
  const rhs = new Float64Array(nin);
  for (let r = 0; r < count; r++) {
    for (let a = 0; a < nin; a++) {
      let s = 0;
      for (let j = 0; j < nout; j++) s += y[r * nout + j]! * w.data[a * nout + j]!;
      rhs[a] = s;
    }
    for (let a = 0; a < nin; a++) {
      let s = rhs[a]!;
      for (let c = 0; c < a; c++) s -= l[a * nin + c]! * rhs[c]!;
      rhs[a] = s / l[a * nin + a]!;
    }
    for (let a = nin - 1; a >= 0; a--) {
      let s = rhs[a]!;
      for (let c = a + 1; c < nin; c++) s -= l[c * nin + a]! * rhs[c]!;
      rhs[a] = s / l[a * nin + a]!;
    }
    out.set(rhs, r * nin);
  }
  return out;
}

/** Options of {@link mixObservations}. */
export interface ObservationOptions {
  /** Standardise every x-dimension over the batch (mean 0, population std 1) before the noise; default true. */
  readonly standardize?: boolean;
  /** Standard deviation of the i.i.d. Gaussian observation noise added last; default 0.01 (the reference's). */
  readonly noiseStd?: number;
}

/** Observations and the standardisation that produced them. */
export interface Observations {
  /** x, [count, outputDim] row-major. */
  readonly x: Float64Array;
  /** Per-dimension mean of f(z) that was subtracted (zeros without standardisation). */
  readonly mean: Float64Array;
  /** Per-dimension population std of f(z) that was divided by (ones without standardisation). */
  readonly std: Float64Array;
}

/**
 * The observation model of the mechanism-sparsity benchmarks: x = standardise(f(z)) + ε with
 * ε ~ N(0, noiseStd²), standardised over the whole batch (the reference standardises each split on its
 * own, both time steps of a sequence together). Noise comes from `rng`, row-major. A constant
 * dimension of f(z) is left centred at 0 (divided by 1) rather than producing NaN.
 */
export function mixObservations(
  mixing: Mixing,
  z: ArrayLike<number>,
  rng: Rng,
  options: ObservationOptions = {},
): Observations {
  const noise = checkNonNegative('noiseStd', options.noiseStd ?? 0.01);
  const x = applyMixing(mixing, z);
  const dx = mixing.outputDim;
  const count = x.length / dx;
  const mean = new Float64Array(dx);
  const std = new Float64Array(dx).fill(1);
  if ((options.standardize ?? true) && count > 0) {
    for (let r = 0; r < count; r++) for (let j = 0; j < dx; j++) mean[j]! += x[r * dx + j]!;
    for (let j = 0; j < dx; j++) mean[j]! /= count;
    const ss = new Float64Array(dx);
    for (let r = 0; r < count; r++)
      for (let j = 0; j < dx; j++) {
        const c = x[r * dx + j]! - mean[j]!;
        ss[j]! += c * c;
      }
    for (let j = 0; j < dx; j++) {
      const s = Math.sqrt(ss[j]! / count);
      std[j] = s > 0 ? s : 1;
    }
    for (let r = 0; r < count; r++)
      for (let j = 0; j < dx; j++) x[r * dx + j] = (x[r * dx + j]! - mean[j]!) / std[j]!;
  }
  if (noise > 0) for (let i = 0; i < x.length; i++) x[i]! += noise * rng.normal();
  return { x, mean, std };
}
