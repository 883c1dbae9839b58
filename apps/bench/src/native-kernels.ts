/**
 * The comparisons of the native-kernels issue: Adam over 1M parameters, the 0.93M-parameter
 * transformer AdamW step, the bench's tiny transformer step and the MLP step, each timed with the
 * addon's elementwise/reduction/layout kernels and fused updates against the same process with
 * only the BLAS kernels (the state before them), in back-to-back pairs: the machine is shared, and
 * a ratio of pairs taken together is what survives its load. PyTorch's figures come from a
 * `--torch-ms` JSON file (PyTorch cannot be installed here); without it they read "not measured".
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import {
  Adam,
  AdamW,
  applyTransformer,
  disableNativeOps,
  enableNativeOps,
  fusedAdamUpdate,
  initTransformer,
  languageModelLoss,
  Rng,
  randomNormal,
  type TransformerConfig,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { randomOneHot, weight } from './cases/training.js';

/** PyTorch CPU milliseconds for the four comparisons, measured on the same machine by the user. */
export interface TorchFigures {
  /** e.g. "1.13.1, 2 threads". */
  readonly version?: string;
  readonly adam1M?: number;
  readonly transformer093AdamW?: number;
  readonly tinyTransformer?: number;
  readonly mlp?: number;
}

const TORCH_KEYS = ['adam1M', 'transformer093AdamW', 'tinyTransformer', 'mlp'] as const;
type TorchKey = (typeof TORCH_KEYS)[number];

/** Reads and validates a `--torch-ms` file; throws a one-line error naming the field. */
export function readTorchFigures(path: string): TorchFigures {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`--torch-ms: cannot read ${path} as JSON (${(err as Error).message.split('\n')[0]})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error(`--torch-ms: ${path} must hold an object { version?, ${TORCH_KEYS.join('?, ')}? }`);
  const o = parsed as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (k !== 'version' && !(TORCH_KEYS as readonly string[]).includes(k))
      throw new Error(`--torch-ms: unknown key "${k}" (keys: version, ${TORCH_KEYS.join(', ')})`);
  for (const k of TORCH_KEYS)
    if (o[k] !== undefined && (typeof o[k] !== 'number' || !Number.isFinite(o[k]) || (o[k] as number) <= 0))
      throw new Error(
        `--torch-ms: ${k} must be a positive number of milliseconds; got ${JSON.stringify(o[k])}`,
      );
  if (o.version !== undefined && typeof o.version !== 'string')
    throw new Error(`--torch-ms: version must be a string; got ${JSON.stringify(o.version)}`);
  return o as TorchFigures;
}

/** One workload prepared on the active backend: the step before and after the native kernels. */
interface Workload {
  readonly key: TorchKey;
  readonly name: string;
  /** The goal against PyTorch (as a maximum ratio ours/torch), or null. */
  readonly maxTorchRatio: number | null;
  /** The goal against the BLAS-only step (maximum paired ratio), or null. */
  readonly maxPairedRatio: number | null;
  /** Step with only the BLAS kernels (tensor-core's unfused optimizer chain). */
  readonly before: () => void;
  /** Step with the native kernels and, for the optimizers, the fused update. */
  readonly after: () => void;
  readonly dispose: () => void;
}

/** AdamW (or Adam) stepping every variable with `fusedAdamUpdate`, as the optimizer chain will. */
function fusedAdam(lr: number, weightDecay: number, decoupled: boolean) {
  const slots = new Map<tf.Variable, [tf.Variable, tf.Variable]>();
  let t = 0;
  const update = (vars: readonly tf.Variable[], grads: readonly tf.Tensor[]) => {
    t++;
    vars.forEach((p, i) => {
      let s = slots.get(p);
      if (!s) {
        s = [tf.variable(tf.zerosLike(p), false), tf.variable(tf.zerosLike(p), false)];
        slots.set(p, s);
      }
      const o = { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, t, weightDecay, decoupled };
      if (!fusedAdamUpdate(p, grads[i]!, s[0], s[1], o))
        throw new Error('fusedAdamUpdate is unavailable on this setup');
    });
  };
  return {
    update,
    minimize(loss: () => tf.Scalar, vars: readonly tf.Variable[]) {
      const { value, grads } = tf.variableGrads(loss, [...vars]);
      update(
        vars,
        vars.map((v) => grads[v.name]!),
      );
      tf.dispose([value, ...Object.values(grads)]);
    },
    dispose: () => tf.dispose([...slots.values()].flat()),
  };
}

function adamWorkload(rng: Rng, params: number): Workload {
  const chunks = 4;
  const per = Math.ceil(params / chunks);
  const vars = Array.from({ length: chunks }, () => weight(rng, [per], 0.1));
  const grads = vars.map(() => randomNormal(rng, [per]));
  const record = Object.fromEntries(vars.map((v) => [v.name, v]));
  const gradRecord = Object.fromEntries(vars.map((v, i) => [v.name, grads[i]!]));
  const chain = new Adam({ lr: 1e-3 });
  const fused = fusedAdam(1e-3, 0, false);
  return {
    key: 'adam1M',
    name: `adam update ${((per * chunks) / 1e6).toFixed(2)}M params`,
    maxTorchRatio: 1.2,
    maxPairedRatio: null,
    before: () => chain.step(record, gradRecord),
    after: () => fused.update(vars, grads),
    dispose: () => {
      chain.dispose();
      fused.dispose();
      tf.dispose([...vars, ...grads]);
    },
  };
}

function transformerWorkload(
  rng: Rng,
  key: TorchKey,
  config: TransformerConfig,
  batch: number,
  adamW: boolean,
  maxTorchRatio: number | null,
  maxPairedRatio: number | null,
): Workload {
  const params = initTransformer(rng.stream('init'), config);
  const vars = Object.values(params.tensors()) as tf.Variable[];
  const record = Object.fromEntries(vars.map((v) => [v.name, v]));
  const ids = (name: string) => {
    const r = rng.stream(name);
    const a = new Int32Array(batch * config.contextLength);
    for (let i = 0; i < a.length; i++) a[i] = r.int(config.vocabSize);
    return tf.tensor2d(a, [batch, config.contextLength], 'int32');
  };
  const input = ids('input');
  const target = ids('target');
  const loss = () => languageModelLoss(applyTransformer(params.tensors(), input, config), target);
  const chain = adamW ? new AdamW({ lr: 1e-3, weightDecay: 0.01 }) : new Adam({ lr: 1e-3 });
  const fused = fusedAdam(1e-3, adamW ? 0.01 : 0, adamW);
  const count = vars.reduce((a, v) => a + v.size, 0);
  return {
    key,
    name: `transformer L${config.layers} d${config.dModel} V${config.vocabSize} T${config.contextLength} b${batch} ${adamW ? 'AdamW' : 'Adam'} step (${(count / 1e6).toFixed(2)}M params)`,
    maxTorchRatio,
    maxPairedRatio,
    before: () => tf.dispose(chain.minimize(loss, record)),
    after: () => fused.minimize(loss, vars),
    dispose: () => {
      chain.dispose();
      fused.dispose();
      params.dispose();
      tf.dispose([input, target]);
    },
  };
}

function mlpWorkload(rng: Rng, batch: number, hidden: number): Workload {
  const x = randomNormal(rng, [batch, 784]);
  const y = randomOneHot(rng, batch, 10);
  const w1 = weight(rng, [784, hidden], 1 / 28);
  const b1 = tf.variable(tf.zeros([hidden]));
  const w2 = weight(rng, [hidden, 10], 1 / Math.sqrt(hidden));
  const b2 = tf.variable(tf.zeros([10]));
  const vars = [w1, b1, w2, b2];
  const record = Object.fromEntries(vars.map((v) => [v.name, v]));
  const loss = () =>
    tf.tidy(() => {
      const h = tf.relu(tf.add(tf.matMul(x, w1), b1));
      return tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(h, w2), b2)) as tf.Scalar;
    });
  const chain = new Adam({ lr: 1e-3 });
  const fused = fusedAdam(1e-3, 0, false);
  return {
    key: 'mlp',
    name: `mlp 784-${hidden}-10 b${batch} Adam step`,
    maxTorchRatio: 0.9,
    maxPairedRatio: null,
    before: () => tf.dispose(chain.minimize(loss, record)),
    after: () => fused.minimize(loss, vars),
    dispose: () => {
      chain.dispose();
      fused.dispose();
      tf.dispose([x, y, ...vars]);
    },
  };
}

/** One comparison's result. */
export interface NativeComparison {
  readonly key: TorchKey;
  readonly name: string;
  readonly backend: string;
  /** Median ms of the BLAS-only step (unfused optimizer chain). */
  readonly beforeMs: number;
  /** Median ms with the native kernels and the fused update. */
  readonly afterMs: number;
  /** Median of the per-round after/before ratios (each pair timed back to back). */
  readonly pairedRatio: number;
  readonly rounds: number;
  readonly torchMs: number | null;
  readonly maxTorchRatio: number | null;
  readonly maxPairedRatio: number | null;
}

const median = (v: readonly number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * Times `before` (native ops off) and `after` (on) alternately; the kernels are switched between
 * the timed sections, never inside them.
 */
async function pairedRounds(w: Workload, backend: string, budgetMs: number, maxRounds: number) {
  const timed = (fn: () => void) => {
    const t0 = performance.now();
    fn();
    return performance.now() - t0;
  };
  disableNativeOps(backend);
  w.before();
  if (!(await enableNativeOps(backend))) throw new Error(`the native kernels are unavailable on ${backend}`);
  w.after();
  const a: number[] = [];
  const b: number[] = [];
  const r: number[] = [];
  let total = 0;
  while ((total < budgetMs || a.length < 3) && a.length < maxRounds) {
    disableNativeOps(backend);
    const x = timed(w.before);
    await enableNativeOps(backend);
    const y = timed(w.after);
    a.push(x);
    b.push(y);
    r.push(y / x);
    total += x + y;
  }
  return { beforeMs: median(a), afterMs: median(b), pairedRatio: median(r), rounds: a.length };
}

/**
 * Runs the four comparisons on the active backend (which must have the BLAS kernels), leaving the
 * native kernels enabled afterwards. `quick` uses tiny sizes (CI: checks that everything starts).
 */
export async function runNativeComparisons(options: {
  readonly quick: boolean;
  readonly torch: TorchFigures | null;
}): Promise<NativeComparison[]> {
  const backend = tf.getBackend();
  const rng = Rng.fromSeed(20_261_206);
  const q = options.quick;
  const budget = q ? 30 : 3000;
  const maxRounds = q ? 3 : 40;
  const big: TransformerConfig = q
    ? { vocabSize: 32, contextLength: 8, dModel: 16, heads: 2, layers: 2 }
    : { vocabSize: 512, contextLength: 64, dModel: 128, heads: 4, layers: 4 };
  const tiny: TransformerConfig = q
    ? { vocabSize: 16, contextLength: 8, dModel: 16, heads: 2, layers: 1 }
    : { vocabSize: 256, contextLength: 64, dModel: 128, heads: 4, layers: 1 };
  const makers: (() => Workload)[] = [
    () => adamWorkload(rng.stream('adam'), q ? 1e4 : 1e6),
    () => transformerWorkload(rng.stream('big'), 'transformer093AdamW', big, q ? 2 : 8, true, 1.0, null),
    // The goal for the tiny transformer: 1.5× faster than before these kernels.
    () => transformerWorkload(rng.stream('tiny'), 'tinyTransformer', tiny, q ? 2 : 8, false, null, 1 / 1.5),
    () => mlpWorkload(rng.stream('mlp'), q ? 8 : 128, q ? 16 : 256),
  ];
  const out: NativeComparison[] = [];
  for (const make of makers) {
    const w = make();
    try {
      process.stderr.write(`  native kernels: ${w.name} on ${backend}…\n`);
      const t = await pairedRounds(w, backend, budget, maxRounds);
      out.push({
        key: w.key,
        name: w.name,
        backend,
        ...t,
        torchMs: options.torch?.[w.key] ?? null,
        maxTorchRatio: w.maxTorchRatio,
        maxPairedRatio: w.maxPairedRatio,
      });
    } finally {
      w.dispose();
    }
  }
  await enableNativeOps(backend);
  return out;
}

/** The comparisons as text: ours before/after, the paired ratio, PyTorch's figure and the goal. */
export function nativeComparisonTable(
  rows: readonly NativeComparison[],
  torch: TorchFigures | null,
  quick = false,
): string {
  const head = ['comparison', 'setup', 'blas only', 'native+fused', 'paired ×', 'PyTorch', 'goal'];
  const body = rows.map((r) => {
    const goals: string[] = [];
    if (quick) goals.push('quick sizes: not judged');
    else {
      if (r.maxPairedRatio !== null)
        goals.push(
          `${(1 / r.maxPairedRatio).toFixed(1)}× faster: ${r.pairedRatio <= r.maxPairedRatio ? 'met' : 'MISSED'}`,
        );
      if (r.maxTorchRatio !== null)
        goals.push(
          r.torchMs === null
            ? `≤ ${r.maxTorchRatio}× PyTorch: not measured`
            : `≤ ${r.maxTorchRatio}× PyTorch: ${(r.afterMs / r.torchMs).toFixed(2)}× ${r.afterMs <= r.maxTorchRatio * r.torchMs ? 'met' : 'MISSED'}`,
        );
    }
    return [
      r.name,
      `${r.backend}+blas`,
      `${r.beforeMs.toFixed(2)} ms`,
      `${r.afterMs.toFixed(2)} ms`,
      `${r.pairedRatio.toFixed(3)} (${r.rounds} pairs)`,
      r.torchMs === null ? 'not measured' : `${r.torchMs} ms`,
      goals.join('; '),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const note = torch?.version
    ? `PyTorch ${torch.version} (from --torch-ms)`
    : 'PyTorch: not measured (pass --torch-ms FILE)';
  return [
    `native kernels (same process; paired × = median over back-to-back pairs of native+fused ms / blas-only ms; ${note})`,
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
  ].join('\n');
}
