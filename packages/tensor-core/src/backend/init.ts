import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node bundle registers no gradient functions, and its ESM register_all_gradients file uses
// extension-less imports that Node cannot resolve; the @tensorflow/tfjs bundle registers them on the one
// global tfjs-core engine, so it is imported once here for that side effect.
import '@tensorflow/tfjs';
import { PaperkitInputError } from '../validate/errors.js';
import { enableWasmMatMulFix } from './wasm-matmul.js';

/** A tfjs backend paperkit can run on. `tensorflow` is tfjs-node's native backend. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** What the caller asks for: one backend by name, or `auto` (tensorflow → wasm → cpu). */
export type BackendPreference = BackendName | 'auto';

/** The backend that was selected, as recorded in run manifests. */
export interface BackendInfo {
  /** The tfjs backend name in use. */
  readonly name: BackendName;
  /** Label for manifests and bench output, e.g. `wasm` or `wasm+blas` when native kernels are registered. */
  readonly label: string;
  /** tfjs-core version. */
  readonly tfjsVersion: string;
  /** Backends that were tried and failed before this one, with the reason. */
  readonly skipped: readonly { name: BackendName; reason: string }[];
  /** Whether native BLAS kernels were registered on this backend. */
  readonly accelerated: boolean;
}

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /** Which backend to use; default `auto`. A named backend that cannot load is an error, never a fallback. */
  readonly prefer?: BackendPreference;
  /**
   * Native BLAS acceleration of matmul/convolution kernels on wasm and cpu (see `@paperkit/tensor-native`):
   * `auto` registers them when the addon loads, `off` keeps the stock kernels. Default `auto`.
   */
  readonly blas?: 'auto' | 'off';
  /** Called once with a one-line warning when an optional accelerator is present but broken. */
  readonly onWarning?: (message: string) => void;
}

const ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];
const PREFERENCES: readonly BackendPreference[] = ['auto', ...ORDER];

/** Hook the BLAS module installs so that backend selection stays free of the addon's import cost. */
type Accelerator = (
  backend: BackendName,
  onWarning: (m: string) => void,
  mode: 'auto' | 'off',
) => Promise<boolean>;
let accelerator: Accelerator | null = null;

/** Lets the kernel module register its accelerator without a static import cycle. */
export function setAccelerator(fn: Accelerator | null): void {
  accelerator = fn;
}

let current: BackendInfo | null = null;

async function load(name: BackendName): Promise<void> {
  // Each import registers the backend with the one tfjs-core engine (a peer dependency, one instance).
  if (name === 'tensorflow') await import('@tensorflow/tfjs-node' as string);
  else if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  else await import('@tensorflow/tfjs-backend-cpu');
  if (!tf.findBackendFactory(name)) throw new Error(`the ${name} backend did not register with tfjs-core`);
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tf.setBackend('${name}') failed to initialise`);
  await tf.ready();
}

/**
 * Selects and initialises a tfjs backend. With `prefer: 'auto'` it tries tfjs-node's native
 * TensorFlow, then wasm, then cpu, and returns the first that loads; with a name it loads exactly
 * that one or throws an error that says why. tfjs's console advice is silenced with prod mode
 * (not `IS_TEST`, which turns on kernel leak checks that throw on tfjs's own ops). On wasm, matMuls
 * with a transposed operand transpose it explicitly first ({@link enableWasmMatMulFix}: the stock
 * kernel is 15–40× slower on them).
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const prefer = options.prefer ?? 'auto';
  if (!PREFERENCES.includes(prefer))
    throw new PaperkitInputError('prefer', prefer, `one of ${PREFERENCES.join(', ')}`);
  const blas = options.blas ?? 'auto';
  if (blas !== 'auto' && blas !== 'off') throw new PaperkitInputError('blas', blas, '"auto" or "off"');
  tf.enableProdMode();
  const order = prefer === 'auto' ? ORDER : [prefer];
  const skipped: { name: BackendName; reason: string }[] = [];
  for (const name of order) {
    try {
      await load(name);
    } catch (err) {
      const reason = err instanceof Error ? err.message.split('\n')[0]! : String(err);
      if (prefer !== 'auto') {
        throw new Error(`backend '${name}' was asked for but cannot load: ${reason}`, { cause: err });
      }
      skipped.push({ name, reason });
      continue;
    }
    // Before the BLAS kernels, which keep the kernel they replace for the inputs they do not take.
    if (name === 'wasm') enableWasmMatMulFix();
    let accelerated = false;
    // BLAS kernels are registered globally per backend, so 'off' must also restore the stock kernels
    // that an earlier 'auto' replaced.
    if (name !== 'tensorflow' && accelerator) {
      accelerated = await accelerator(name, options.onWarning ?? (() => {}), blas);
    }
    current = {
      name,
      label: accelerated ? `${name}+blas` : name,
      tfjsVersion: tf.version_core,
      skipped,
      accelerated,
    };
    return current;
  }
  throw new Error(`no tfjs backend could load: ${skipped.map((s) => `${s.name} (${s.reason})`).join('; ')}`);
}

/** The backend chosen by the last {@link initBackend} call, or null before any. */
export function currentBackend(): BackendInfo | null {
  return current && tf.getBackend() === current.name ? current : null;
}
