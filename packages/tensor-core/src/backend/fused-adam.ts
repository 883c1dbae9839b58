import * as tf from '@tensorflow/tfjs-core';
import { PaperkitInputError } from '../validate/errors.js';
import { hasNativeOps, type NativeOps, settledProbe } from './blas/native.js';
import { nativeOpsEnabled } from './native-ops/registry.js';
import { type BlasBackendName, type Storage, storageFor } from './storage.js';

/**
 * Fused optimizer updates: one multi-threaded pass over (param, grad, state) instead of a dozen tfjs
 * kernels per parameter, each allocating its output. The arithmetic is the unfused chain's, operation
 * by operation in float32 with the same float32-rounded coefficients, so the result is bit-identical
 * to `Adam`/`AdamW`/`Momentum` stepping without it (the tests compare bits).
 *
 * The update is written in place into the variables' buffers. A buffer shared with another tensor
 * (a `clone` or `reshape` of the variable, or the tensor a variable was created from, while alive)
 * is first copied, so no other tensor ever sees a change. On the cpu backend `dataSync()` returns
 * the buffer itself, so an array read from a parameter before a fused step shows the new values.
 */

/** Coefficients of one Adam/AdamW step at 1-based step `t` (PyTorch's `torch.optim.Adam[W]`). */
export interface FusedAdamOptions {
  /** Learning rate of this step, ≥ 0. */
  readonly lr: number;
  /** β₁ in [0, 1). */
  readonly beta1: number;
  /** β₂ in [0, 1). */
  readonly beta2: number;
  /** ε > 0, outside the square root. */
  readonly eps: number;
  /** This parameter's step count including this step (≥ 1), for the bias corrections. */
  readonly t: number;
  /** Weight decay ≥ 0; default 0. */
  readonly weightDecay?: number;
  /** Decoupled decay p ← p·(1 − lr·wd) (AdamW) instead of g ← g + wd·p (Adam); default false. */
  readonly decoupled?: boolean;
}

/** Coefficients of one momentum-SGD step (PyTorch's `torch.optim.SGD`). */
export interface FusedMomentumOptions {
  /** Learning rate of this step, ≥ 0. */
  readonly lr: number;
  /** Momentum μ in [0, 1). */
  readonly momentum: number;
  /** Dampening in [0, 1]; default 0. */
  readonly dampening?: number;
  /** Nesterov's variant: the step is g + μ·buf; default false. */
  readonly nesterov?: boolean;
  /** Coupled weight decay g ← g + wd·p, ≥ 0; default 0. */
  readonly weightDecay?: number;
  /** The buffer does not exist yet: it is set to the gradient (PyTorch's first step). */
  readonly first: boolean;
}

function finite(name: string, v: unknown, lo: number, hi = Infinity, hiOpen = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi || (hiOpen && v === hi))
    throw new PaperkitInputError(name, v, `a finite number in [${lo}, ${hi}${hiOpen ? ')' : ']'}`);
  return v;
}

/** The addon, storage and active backend, or null when the fused kernels cannot run here. */
function fusedContext(): { native: NativeOps; store: Storage } | null {
  const backend = tf.getBackend();
  if (backend !== 'wasm' && backend !== 'cpu') return null;
  const addon = settledProbe()?.addon ?? null;
  if (!hasNativeOps(addon) || !nativeOpsEnabled(backend)) return null;
  return { native: addon, store: storageFor(backend as BlasBackendName, tf.engine().backend) };
}

/**
 * Whether {@link fusedAdamUpdate} and {@link fusedMomentumUpdate} can run on the active backend
 * (wasm or cpu with the addon's kernels registered). An optimizer checks it once per step and then
 * takes either the fused or the unfused path for every parameter, so a step is never split.
 */
export function fusedUpdatesAvailable(): boolean {
  return fusedContext() !== null;
}

function checkVariable(name: string, v: unknown, shape: readonly number[] | null): tf.Variable {
  if (!(v instanceof tf.Variable) || v.isDisposed)
    throw new PaperkitInputError(name, v, 'a live tf.Variable');
  if (v.dtype !== 'float32') throw new PaperkitInputError(name, v, 'a float32 variable');
  if (shape && !tf.util.arraysEqual(v.shape, [...shape]))
    throw new PaperkitInputError(name, v, `a variable of shape [${shape}] (the parameter's)`);
  return v;
}

function checkGrad(grad: unknown, shape: readonly number[]): tf.Tensor {
  if (!(grad instanceof tf.Tensor) || grad.isDisposed || grad.dtype !== 'float32')
    throw new PaperkitInputError('grad', grad, 'a live float32 tensor');
  if (!tf.util.arraysEqual(grad.shape, [...shape]))
    throw new PaperkitInputError('grad', grad, `a tensor of shape [${shape}] (the parameter's)`);
  return grad;
}

/**
 * Gives each variable a buffer of its own (copying one that another tensor shares), so that it can
 * be written in place. Returns false when a buffer cannot be viewed (then nothing is changed).
 */
function ownBuffers(store: Storage, native: NativeOps, vars: readonly tf.Variable[]): boolean {
  const infos = vars.map((v) => ({ dataId: v.dataId, shape: v.shape, dtype: v.dtype }) as tf.TensorInfo);
  if (!infos.every((i) => store.readable(i))) return false;
  vars.forEach((v, k) => {
    if (store.refCount(infos[k]!) <= 1) return;
    const copy = store.alloc(v.shape);
    const n = v.size;
    if (n > 0) native.unary(native.opCodes.unary.copy!, store.view(infos[k]!), 0, store.view(copy), 0, n, 0);
    const t = tf.engine().makeTensorFromTensorInfo(copy);
    v.assign(t);
    t.dispose();
  });
  return true;
}

/**
 * One Adam (or, with `decoupled`, AdamW) step of `param` from `grad`, updating the first and second
 * moments `m` and `v` (variables of the parameter's shape), in one native pass, in place. Returns
 * false, changing nothing, when the native kernel is not available (no addon, or its kernels are
 * off: `initBackend({ blas: 'off' })`, a backend other than wasm/cpu); the caller then runs its
 * unfused chain, which gives the same bits.
 *
 * The coefficients are those of the unfused chain, computed the same way in float64 and rounded to
 * float32 by the kernel: bc₁ = 1 − β₁ᵗ, bc₂ = 1 − β₂ᵗ, step size lr / bc₁, √bc₂, and decay
 * 1 − lr·wd (decoupled) or the coupled g + wd·p.
 *
 * @example
 * if (!fusedAdamUpdate(p, g, m, v, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, t })) {
 *   // unfused path
 * }
 */
export function fusedAdamUpdate(
  param: tf.Variable,
  grad: tf.Tensor,
  m: tf.Variable,
  v: tf.Variable,
  options: FusedAdamOptions,
): boolean {
  const p = checkVariable('param', param, null);
  const g = checkGrad(grad, p.shape);
  checkVariable('m', m, p.shape);
  checkVariable('v', v, p.shape);
  if (typeof options !== 'object' || options === null)
    throw new PaperkitInputError(
      'options',
      options,
      'an object { lr, beta1, beta2, eps, t, weightDecay?, decoupled? }',
    );
  const lr = finite('lr', options.lr, 0);
  const beta1 = finite('beta1', options.beta1, 0, 1, true);
  const beta2 = finite('beta2', options.beta2, 0, 1, true);
  const eps = finite('eps', options.eps, Number.MIN_VALUE);
  const t = options.t;
  if (typeof t !== 'number' || !Number.isSafeInteger(t) || t < 1)
    throw new PaperkitInputError('t', t, 'an integer >= 1 (the step count including this step)');
  const wd = finite('weightDecay', options.weightDecay ?? 0, 0);
  const decoupled = options.decoupled ?? false;
  if (typeof decoupled !== 'boolean') throw new PaperkitInputError('decoupled', decoupled, 'true or false');
  const ctx = fusedContext();
  if (!ctx) return false;
  const { native, store } = ctx;
  const gInfo = { dataId: g.dataId, shape: g.shape, dtype: g.dtype } as tf.TensorInfo;
  if (!store.readable(gInfo) || !ownBuffers(store, native, [p, m, v])) return false;
  const bc1 = 1 - beta1 ** t;
  const bc2 = 1 - beta2 ** t;
  // lr/bc1 is the chain's pending factor (1·lr)/bc1, applied in one float32 multiplication.
  const view = (x: tf.Tensor) =>
    store.view({ dataId: x.dataId, shape: x.shape, dtype: 'float32' } as tf.TensorInfo);
  if (p.size > 0)
    native.adamUpdate(
      view(p),
      0,
      view(g),
      0,
      view(m),
      0,
      view(v),
      0,
      p.size,
      lr / bc1,
      beta1,
      1 - beta1,
      beta2,
      1 - beta2,
      Math.sqrt(bc2),
      eps,
      decoupled ? 0 : wd,
      decoupled && wd !== 0 ? 1 - lr * wd : 1,
    );
  return true;
}

/**
 * One momentum-SGD step of `param` from `grad` with the momentum buffer `buf`, in one native pass,
 * in place (PyTorch semantics; `first` sets the buffer to the gradient). Returns false, changing
 * nothing, when the native kernel is not available.
 */
export function fusedMomentumUpdate(
  param: tf.Variable,
  grad: tf.Tensor,
  buf: tf.Variable,
  options: FusedMomentumOptions,
): boolean {
  const p = checkVariable('param', param, null);
  const g = checkGrad(grad, p.shape);
  checkVariable('buf', buf, p.shape);
  if (typeof options !== 'object' || options === null)
    throw new PaperkitInputError(
      'options',
      options,
      'an object { lr, momentum, dampening?, nesterov?, weightDecay?, first }',
    );
  const lr = finite('lr', options.lr, 0);
  const mu = finite('momentum', options.momentum, 0, 1, true);
  const dampening = finite('dampening', options.dampening ?? 0, 0, 1);
  const wd = finite('weightDecay', options.weightDecay ?? 0, 0);
  const nesterov = options.nesterov ?? false;
  if (typeof nesterov !== 'boolean') throw new PaperkitInputError('nesterov', nesterov, 'true or false');
  if (typeof options.first !== 'boolean')
    throw new PaperkitInputError('first', options.first, 'true or false');
  const ctx = fusedContext();
  if (!ctx) return false;
  const { native, store } = ctx;
  const gInfo = { dataId: g.dataId, shape: g.shape, dtype: g.dtype } as tf.TensorInfo;
  if (!store.readable(gInfo) || !ownBuffers(store, native, [p, buf])) return false;
  const view = (x: tf.Tensor) =>
    store.view({ dataId: x.dataId, shape: x.shape, dtype: 'float32' } as tf.TensorInfo);
  if (p.size > 0)
    native.momentumUpdate(
      view(p),
      0,
      view(g),
      0,
      view(buf),
      0,
      p.size,
      lr,
      mu,
      1 - dampening,
      wd,
      options.first,
      nesterov,
    );
  return true;
}
