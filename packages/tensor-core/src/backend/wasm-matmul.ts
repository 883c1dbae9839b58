import * as tf from '@tensorflow/tfjs-core';
import { hasLayer, type LayerFactory, setLayer } from './kernel-layers.js';

/**
 * tfjs-backend-wasm 4.22 multiplies 15–40× slower when an operand is transposed (`transposeA` or
 * `transposeB`) than when it is not: on this machine Rᵀ·X with R 1024², X 1024×128 takes 420 ms
 * against 13 ms for R·X, and X·Wᵀ for X 16384×64 takes 61 ms against 4.8 ms. Every matMul gradient
 * multiplies by a transpose (dA = dY·Bᵀ, dB = Aᵀ·dY), so stock wasm training spends most of its time
 * there (an MLP 784-256-10 step at batch 128: 46 ms, 7.6 ms with explicit transposes). Transposing
 * an operand first costs one pass over it.
 *
 * The stock `_FusedMatMul` is also wrong in two cases this fixes: with `transposeA` it adds the bias
 * in the wrong place (explicit transposes avoid it), and with more than one batch matrix it adds
 * the bias (and PReLU weights) correctly to the first row only, so batched fused products run as
 * BatchMatMul, Add and the activation's own kernel.
 */
const KERNELS = ['BatchMatMul', '_FusedMatMul'] as const;

interface MatMulAttrs {
  readonly transposeA?: boolean;
  readonly transposeB?: boolean;
}

interface FusedAttrs extends MatMulAttrs {
  readonly activation?: string;
  readonly leakyreluAlpha?: number;
}

type Backend = { disposeData(id: tf.DataId): void };

function kernel(name: string): tf.KernelFunc {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`internal: the wasm backend has no ${name} kernel`);
  return k.kernelFunc;
}

/** Runs a kernel on tensor infos and frees the inputs listed in `owned`. */
function run(
  name: string,
  inputs: Record<string, tf.TensorInfo>,
  attrs: object,
  backend: Backend,
  owned: tf.TensorInfo[],
): tf.TensorInfo {
  try {
    return kernel(name)({
      inputs: inputs as tf.NamedTensorInfoMap,
      attrs: attrs as tf.NamedAttrMap,
      backend,
    }) as tf.TensorInfo;
  } finally {
    for (const t of owned) backend.disposeData(t.dataId);
  }
}

const ACTIVATIONS: Readonly<Record<string, string>> = {
  relu: 'Relu',
  relu6: 'Relu6',
  elu: 'Elu',
  sigmoid: 'Sigmoid',
  leakyrelu: 'LeakyRelu',
  prelu: 'Prelu',
};

/** `_FusedMatMul` of batched operands as BatchMatMul, Add and the activation (see the file comment). */
function unfused(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const backend = args.backend as unknown as Backend;
  const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo>;
  const attrs = args.attrs as FusedAttrs;
  let y = kernel('BatchMatMul')({
    inputs: { a: a!, b: b! },
    attrs: { transposeA: attrs.transposeA ?? false, transposeB: attrs.transposeB ?? false },
    backend: args.backend,
  }) as tf.TensorInfo;
  if (bias) y = run('Add', { a: y, b: bias }, {}, backend, [y]);
  const act = attrs.activation ?? 'linear';
  if (act === 'linear') return y;
  const name = ACTIVATIONS[act];
  if (!name) {
    backend.disposeData(y.dataId);
    throw new Error(`_FusedMatMul: unknown activation '${act}'`);
  }
  if (act === 'prelu') return run(name, { x: y, alpha: preluActivationWeights! }, {}, backend, [y]);
  if (act === 'leakyrelu') return run(name, { x: y }, { alpha: attrs.leakyreluAlpha ?? 0.2 }, backend, [y]);
  return run(name, { x: y }, {}, backend, [y]);
}

function batches(t: tf.TensorInfo): number {
  return t.shape.slice(0, -2).reduce((p, v) => p * v, 1);
}

/** The fix over the kernel below it (tfjs's own, when no other layer sits between). */
function fixFactory(name: (typeof KERNELS)[number]): LayerFactory {
  const fused = name === '_FusedMatMul';
  return (next) => {
    if (!next) throw new Error(`internal: the wasm backend has no ${name} kernel`);
    const swapLast = (t: tf.TensorInfo, backend: object): tf.TensorInfo => {
      const perm = t.shape.map((_, i) => i);
      const r = perm.length;
      perm[r - 2] = r - 1;
      perm[r - 1] = r - 2;
      return kernel('Transpose')({
        inputs: { x: t },
        attrs: { perm } as unknown as tf.NamedAttrMap,
        backend,
      }) as tf.TensorInfo;
    };
    return (args) => {
      const attrs = args.attrs as MatMulAttrs;
      const inputs = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      if (fused && (batches(inputs.a) > 1 || batches(inputs.b) > 1)) return unfused(args);
      if (!attrs.transposeA && !attrs.transposeB) return next(args);
      const backend = args.backend as Backend;
      const a = attrs.transposeA ? swapLast(inputs.a, backend) : inputs.a;
      const b = attrs.transposeB ? swapLast(inputs.b, backend) : inputs.b;
      try {
        return next({
          ...args,
          inputs: { ...args.inputs, a, b },
          attrs: { ...args.attrs, transposeA: false, transposeB: false },
        });
      } finally {
        if (a !== inputs.a) backend.disposeData(a.dataId);
        if (b !== inputs.b) backend.disposeData(b.dataId);
      }
    };
  };
}

const FACTORIES = Object.fromEntries(KERNELS.map((k) => [k, fixFactory(k)])) as Record<
  (typeof KERNELS)[number],
  LayerFactory
>;

/**
 * Makes the wasm backend's `BatchMatMul` and `_FusedMatMul` transpose a transposed operand
 * explicitly before multiplying (values equal the stock kernels' up to float rounding order).
 * `initBackend` calls it whenever it selects wasm; the edge-shape guards and the BLAS kernels sit
 * above it. Idempotent; returns whether the kernels are now replaced (false when wasm is not loaded).
 */
export function enableWasmMatMulFix(): boolean {
  if (!tf.getKernel('Transpose', 'wasm')) return false;
  for (const name of KERNELS)
    if (tf.getKernel(name, 'wasm')) setLayer('wasm', name, 'wasm-matmul-fix', FACTORIES[name]);
  return wasmMatMulFixEnabled();
}

/**
 * Restores the stock wasm matMul kernels under any other layer (to measure them, or to compare
 * against them). Returns whether anything was restored.
 */
export function disableWasmMatMulFix(): boolean {
  let changed = false;
  for (const name of KERNELS) changed = setLayer('wasm', name, 'wasm-matmul-fix', null) || changed;
  return changed;
}

/** Whether {@link enableWasmMatMulFix} is in force. */
export function wasmMatMulFixEnabled(): boolean {
  return KERNELS.some((k) => hasLayer('wasm', k, 'wasm-matmul-fix'));
}
