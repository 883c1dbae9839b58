/**
 * Per-kernel time of one training step: every kernel registered for the active backend is wrapped
 * with a timer for the duration of the profile (exclusive time: a kernel that calls other kernels,
 * like the fused-matMul epilogue, is charged only its own part). cpu and wasm kernels run
 * synchronously, so wall time around a call is its compute time. `--profile` prints the 0.93M
 * transformer AdamW step with only the BLAS kernels and with the native kernels and fused update.
 */
import { performance } from 'node:perf_hooks';
import {
  AdamW,
  applyTransformer,
  disableNativeOps,
  enableNativeOps,
  fusedAdamUpdate,
  initTransformer,
  languageModelLoss,
  Rng,
  type TransformerConfig,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';

/** Milliseconds and calls per step of one kernel. */
export interface KernelTime {
  readonly kernel: string;
  readonly ms: number;
  readonly calls: number;
}

/** Runs `step` `steps` times with every kernel of the active backend timed; returns per-step figures. */
export function profileKernels(step: () => void, steps: number): { kernels: KernelTime[]; stepMs: number } {
  const backend = tf.getBackend();
  const stats = new Map<string, { ms: number; calls: number }>();
  const stack: number[] = [];
  const originals = tf.getKernelsForBackend(backend);
  for (const c of originals) {
    const inner = c.kernelFunc;
    const kernelFunc: tf.KernelFunc = (args) => {
      const t0 = performance.now();
      stack.push(0);
      try {
        return inner(args);
      } finally {
        const dt = performance.now() - t0;
        const children = stack.pop()!;
        if (stack.length > 0) stack[stack.length - 1]! += dt;
        const s = stats.get(c.kernelName) ?? { ms: 0, calls: 0 };
        s.ms += dt - children;
        s.calls++;
        stats.set(c.kernelName, s);
      }
    };
    tf.unregisterKernel(c.kernelName, backend);
    tf.registerKernel({ ...c, kernelFunc });
  }
  let stepMs: number;
  try {
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) step();
    stepMs = (performance.now() - t0) / steps;
  } finally {
    // The very same config objects go back, so tensor-core's kernel layers find theirs in place.
    for (const c of originals) {
      tf.unregisterKernel(c.kernelName, backend);
      tf.registerKernel(c);
    }
  }
  const kernels = [...stats.entries()]
    .map(([kernel, s]) => ({ kernel, ms: s.ms / steps, calls: s.calls / steps }))
    .sort((a, b) => b.ms - a.ms);
  return { kernels, stepMs };
}

/** The profile of the transformer AdamW step before and after the native kernels, as text. */
export async function profileTransformerStep(quick: boolean): Promise<string> {
  const backend = tf.getBackend();
  const config: TransformerConfig = quick
    ? { vocabSize: 32, contextLength: 8, dModel: 16, heads: 2, layers: 2 }
    : { vocabSize: 512, contextLength: 64, dModel: 128, heads: 4, layers: 4 };
  const batch = quick ? 2 : 8;
  const rng = Rng.fromSeed(7);
  const params = initTransformer(rng.stream('init'), config);
  const vars = Object.values(params.tensors()) as tf.Variable[];
  const record = Object.fromEntries(vars.map((v) => [v.name, v]));
  const ids = (s: string) => {
    const r = rng.stream(s);
    const a = Int32Array.from({ length: batch * config.contextLength }, () => r.int(config.vocabSize));
    return tf.tensor2d(a, [batch, config.contextLength], 'int32');
  };
  const input = ids('in');
  const target = ids('out');
  const loss = () => languageModelLoss(applyTransformer(params.tensors(), input, config), target);
  const chain = new AdamW({ lr: 1e-3, weightDecay: 0.01 });
  const slots = vars.map(
    (v) => [tf.variable(tf.zerosLike(v), false), tf.variable(tf.zerosLike(v), false)] as const,
  );
  let t = 0;
  const fusedStep = () => {
    const { value, grads } = tf.variableGrads(loss, vars);
    t++;
    vars.forEach((p, i) => {
      const o = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, t, weightDecay: 0.01, decoupled: true };
      if (!fusedAdamUpdate(p, grads[p.name]!, slots[i]![0], slots[i]![1], o))
        throw new Error('fusedAdamUpdate unavailable');
    });
    tf.dispose([value, ...Object.values(grads)]);
  };
  const steps = quick ? 1 : 5;
  try {
    disableNativeOps(backend);
    tf.dispose(chain.minimize(loss, record));
    const before = profileKernels(() => tf.dispose(chain.minimize(loss, record)), steps);
    await enableNativeOps(backend);
    fusedStep();
    const after = profileKernels(fusedStep, steps);
    const names = [...new Set([...before.kernels, ...after.kernels].map((k) => k.kernel))];
    const get = (p: { kernels: KernelTime[] }, n: string) => p.kernels.find((k) => k.kernel === n);
    names.sort((a, b) => (get(before, b)?.ms ?? 0) - (get(before, a)?.ms ?? 0));
    const rows = names.map((n) => {
      const b = get(before, n);
      const a = get(after, n);
      return [
        n,
        b ? b.ms.toFixed(2) : '—',
        b ? String(b.calls) : '',
        a ? a.ms.toFixed(2) : '—',
        a ? String(a.calls) : '',
      ];
    });
    const sum = (p: { kernels: KernelTime[] }) => p.kernels.reduce((s, k) => s + k.ms, 0);
    rows.push(['(all kernels)', sum(before).toFixed(1), '', sum(after).toFixed(1), '']);
    rows.push(['(whole step, profiled)', before.stepMs.toFixed(1), '', after.stepMs.toFixed(1), '']);
    const head = ['kernel', 'blas only ms', 'calls', 'native+fused ms', 'calls'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (c: string[]) =>
      c.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ');
    const title = `per-kernel time of one transformer L${config.layers} d${config.dModel} V${config.vocabSize} AdamW step on ${backend}+blas (${steps} steps; chain AdamW before, fusedAdamUpdate after)`;
    return [title, line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
  } finally {
    await enableNativeOps(backend);
    chain.dispose();
    params.dispose();
    tf.dispose([input, target, ...slots.flat()]);
  }
}
