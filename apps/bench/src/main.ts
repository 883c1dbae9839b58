#!/usr/bin/env node
/**
 * paperkit bench: times matmul, conv2d, Adam and small training steps on every available setup
 * (cpu, wasm, cpu+blas, wasm+blas) in one process, prints a table and the targets, and
 * optionally writes JSON. See README.md.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { missingKernels, Rng } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { parseArgs, USAGE, UsageError } from './args.js';
import { allCases, type BenchCase } from './cases/index.js';
import { type BenchFigure, FIGURE_BENCHES, figureTable } from './figures.js';
import { profileTransformerStep } from './kernel-profile.js';
import { type Budget, measure } from './measure.js';
import {
  type NativeComparison,
  nativeComparisonTable,
  readTorchFigures,
  runNativeComparisons,
  type TorchFigures,
} from './native-kernels.js';
import { type Row, table, targetLines, targets } from './report.js';
import { activate, discover, type Setup } from './setups.js';

async function runCase(
  c: BenchCase,
  setup: Setup,
  budget: Budget,
  optimizer: 'tfjs' | 'paperkit',
): Promise<Row> {
  await activate(setup);
  const base = { case: c.name, group: c.group, setup: setup.label };
  const missing = missingKernels(c.kernels ?? []);
  if (missing.length > 0) {
    return {
      ...base,
      ms: null,
      iterations: 0,
      gflops: null,
      msPerMillionParams: null,
      note: `lacks ${missing.join(', ')}`,
    };
  }
  // The same seed on every setup: each one sees identical data and initial weights.
  const prepared = c.prepare({ rng: Rng.fromSeed(20_260_101).stream(c.name), optimizer });
  let timing: ReturnType<typeof measure>;
  // Tensors alive after the warm-up step (optimizer slots exist by then) must stay constant.
  let steady: number | null = null;
  let leaked = 0;
  try {
    timing = measure(prepared.step, budget, () => {
      steady = tf.memory().numTensors;
    });
    if (steady !== null) leaked = (tf.memory().numTensors - steady) / timing.iterations;
  } finally {
    prepared.dispose();
  }
  return {
    ...base,
    ms: timing.ms,
    iterations: timing.iterations,
    gflops: c.flops ? c.flops / (timing.ms * 1e6) : null,
    msPerMillionParams: c.group === 'adam' && c.params ? timing.ms / (c.params / 1e6) : null,
    note: leaked !== 0 ? `leaks ${leaked.toFixed(1)} tensors/step` : null,
  };
}

async function main(argv: readonly string[]): Promise<number> {
  let opts: ReturnType<typeof parseArgs>;
  try {
    opts = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  let torch: TorchFigures | null = null;
  if (opts.torchMs) {
    try {
      torch = readTorchFigures(opts.torchMs);
    } catch (err) {
      console.error((err as Error).message);
      return 2;
    }
  }
  const env = await discover(opts.threads, opts.setups);
  const budget: Budget = opts.quick ? { ms: 30, maxIterations: 3 } : { ms: 1500, maxIterations: 200 };
  const cases = allCases(opts.quick).filter(
    (c) => opts.filter.length === 0 || opts.filter.some((f) => c.name.toLowerCase().includes(f)),
  );
  console.log(`paperkit bench${opts.quick ? ' (quick: tiny sizes, not comparable)' : ''}`);
  console.log(
    `  node ${process.version}, tfjs ${tf.version_core}, ${cpus().length} cores, Adam: ${opts.optimizer}`,
  );
  console.log(
    env.blasVendor
      ? `  BLAS: ${env.blasVendor}; threads ${env.blasThreads} (--threads N or OPENBLAS_NUM_THREADS)`
      : `  BLAS kernels unavailable: ${env.blasReason}`,
  );
  console.log(`  setups: ${env.setups.map((s) => s.label).join(', ')}\n`);
  const rows: Row[] = [];
  for (const c of cases) {
    for (const setup of env.setups) {
      process.stderr.write(`  ${c.name} on ${setup.label}…\n`);
      rows.push(await runCase(c, setup, budget, opts.optimizer));
    }
  }
  console.log(table(rows));
  const figures: { bench: string; figures: readonly BenchFigure[] }[] = [];
  // Figures are measured on each wasm setup (with and without the BLAS kernels), each activated
  // first: a figure measured on whichever backend the last case left active would be unlabelled.
  const wasmSetups = env.setups.filter((s) => s.label === 'wasm' || s.label === 'wasm+blas');
  const figureSetups = wasmSetups.length > 0 ? wasmSetups : env.setups.slice(0, 1);
  for (const fb of FIGURE_BENCHES) {
    if (opts.filter.length > 0 && !opts.filter.some((f) => fb.name.toLowerCase().includes(f))) continue;
    for (const setup of figureSetups) {
      await activate(setup);
      const name = `${fb.name} (${setup.label})`;
      process.stderr.write(`  ${name}…\n`);
      const result = await fb.run(opts.quick);
      figures.push({ bench: name, figures: result });
      console.log(`\n${figureTable(name, result)}`);
    }
  }
  // The native-kernel comparisons run on the first BLAS setup (wasm+blas when it is there).
  let native: NativeComparison[] = [];
  const blasSetup = env.setups.find((s) => s.label === 'wasm+blas') ?? env.setups.find((s) => s.blas);
  const wantNative = opts.filter.length === 0 || opts.filter.some((f) => 'native kernels'.includes(f));
  if (blasSetup && (wantNative || opts.profile)) {
    await activate(blasSetup);
    if (wantNative) {
      native = await runNativeComparisons({ quick: opts.quick, torch });
      console.log(`\n${nativeComparisonTable(native, torch, opts.quick)}`);
    }
    if (opts.profile) console.log(`\n${await profileTransformerStep(opts.quick)}`);
  } else if (wantNative) {
    console.log(`\nnative kernels: not measured (${env.blasReason ?? 'no +blas setup selected'})`);
  }
  const checked = opts.quick ? [] : targets(rows);
  if (checked.length > 0)
    console.log(
      `\ntargets (same process; ×stock = ms with tfjs's own kernels / ms of the row):\n${targetLines(checked)}`,
    );
  if (opts.json) {
    const meta = {
      date: new Date().toISOString(),
      node: process.version,
      tfjs: tf.version_core,
      cores: cpus().length,
      quick: opts.quick,
      optimizer: opts.optimizer,
      blas: { vendor: env.blasVendor, threads: env.blasThreads, unavailableReason: env.blasReason },
      torch: torch ?? null,
      setups: env.setups.map((s) => s.label),
    };
    writeFileSync(
      opts.json,
      `${JSON.stringify({ meta, results: rows, figures, native, targets: checked }, null, 2)}\n`,
    );
    console.log(`\nwrote ${opts.json}`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 1;
  },
);
