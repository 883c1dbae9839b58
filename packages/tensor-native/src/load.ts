import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { LoadResult, TensorNativeAddon } from './types.js';

/** The call interface this loader speaks; must equal the addon's `abiVersion`. */
export const ABI_VERSION = 1;

/** Where the install step puts the addon (src/ and dist/ are both one level below the package root). */
export const DEFAULT_ADDON_PATH: string = fileURLToPath(
  new URL('../build/Release/tensor_native.node', import.meta.url),
);

const FUNCTIONS = [
  'sgemmBatched',
  'conv2d',
  'conv2dBackpropInput',
  'conv2dBackpropFilter',
  'im2col',
  'col2im',
  'getThreads',
  'setThreads',
  'numProcs',
  'kernelThreads',
  'unary',
  'castI32ToF32',
  'binary',
  'reduce',
  'softmax',
  'transpose',
  'gather',
  'segmentSum',
  'adamUpdate',
  'momentumUpdate',
] as const;

const cache = new Map<string, LoadResult>();

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n').find((l) => l.trim().length > 0) ?? text;
}

/**
 * A 2×3 by 3×2 product with a broadcast batch of 2 and a padded 3×3 convolution, checked against
 * values worked by hand: an addon that loads but computes garbage (wrong BLAS ABI, e.g. a 64-bit
 * integer interface behind a 32-bit header) is reported broken instead of silently training wrong.
 */
function selfTest(addon: TensorNativeAddon): string | null {
  const a = new Float32Array([1, 2, 3, 4, 5, 6]);
  const b = new Float32Array([1, 0, 0, 1, 1, 1]);
  const c = new Float32Array(8);
  addon.sgemmBatched(false, false, 2, 2, 3, 1, a, 0, 3, b, 0, 2, 0, c, 0, 2, [2], [0], [0], [4]);
  const want = [4, 5, 10, 11, 4, 5, 10, 11];
  if (want.some((v, i) => c[i] !== v)) return `sgemm self-test gave [${Array.from(c)}], expected [${want}]`;
  // 3×3 image of ones, 3×3 filter of ones, 'same' padding: corners see 4 pixels, edges 6, centre 9.
  const x = new Float32Array(9).fill(1);
  const w = new Float32Array(9).fill(1);
  const y = new Float32Array(9);
  addon.conv2d(x, 0, w, 0, y, 0, [1, 3, 3, 1, 3, 3, 1, 3, 3, 1, 1, 1, 1, 1, 1], true);
  const wantY = [4, 6, 4, 6, 9, 6, 4, 6, 4];
  if (wantY.some((v, i) => y[i] !== v))
    return `conv2d self-test gave [${Array.from(y)}], expected [${wantY}]`;
  // [2, 3] + [3] broadcast, then the row sums: exact small integers.
  const s = new Float32Array(6);
  addon.binary(0, a, 0, [3, 1], b, 0, [0, 1], s, 0, [2, 3]);
  const sums = new Float32Array(2);
  addon.reduce(0, s, 0, sums, 0, 2, 3, 1);
  if (sums[0] !== 7 || sums[1] !== 16)
    return `binary/reduce self-test gave [${Array.from(sums)}], expected [7,16]`;
  return null;
}

function tryLoad(path: string): LoadResult {
  if (!existsSync(path)) {
    return {
      addon: null,
      failure: 'absent',
      reason: 'the native addon was not built at install (no C compiler or BLAS headers; see the README)',
      path,
    };
  }
  const module = { exports: {} as Record<string, unknown> };
  try {
    // RTLD_NOW resolves every BLAS symbol at load time, so a missing one is a load error here
    // rather than a crash at the first call.
    process.dlopen(module, path, constants.dlopen.RTLD_NOW);
  } catch (err) {
    return { addon: null, failure: 'broken', reason: `cannot load ${path}: ${firstLine(err)}`, path };
  }
  const exp = module.exports;
  if (exp.abiVersion !== ABI_VERSION) {
    const got = String(exp.abiVersion);
    return {
      addon: null,
      failure: 'broken',
      reason: `addon interface version ${got} does not match the loader's ${ABI_VERSION}; reinstall @paperkit/tensor-native`,
      path,
    };
  }
  const missing = FUNCTIONS.filter((f) => typeof exp[f] !== 'function');
  if (missing.length > 0) {
    return { addon: null, failure: 'broken', reason: `addon lacks ${missing.join(', ')}`, path };
  }
  const addon = exp as unknown as TensorNativeAddon;
  let failed: string | null;
  try {
    failed = selfTest(addon);
  } catch (err) {
    failed = `self-test threw: ${firstLine(err)}`;
  }
  if (failed) return { addon: null, failure: 'broken', reason: failed, path };
  return { addon, failure: null, reason: null, path };
}

/**
 * Loads the BLAS addon once per path and self-tests it. Never throws: an addon that was never built
 * gives `{ addon: null, failure: 'absent' }`, one that is present but unusable (ABI mismatch, missing
 * shared library or symbol, wrong results) gives `failure: 'broken'`, each with a one-line reason.
 */
export function load(options: { readonly path?: string } = {}): LoadResult {
  const path = options.path ?? DEFAULT_ADDON_PATH;
  let result = cache.get(path);
  if (!result) {
    result = tryLoad(path);
    cache.set(path, result);
  }
  return result;
}
