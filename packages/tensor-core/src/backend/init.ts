import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's gradient configs and chained ops, which tfjs-core's own entry does not register (the
// @tensorflow/tfjs umbrella does, with layers, converter, data and webgl besides). The package import
// resolves to a generated module in Node and to tfjs-core's ES modules in bundlers (package.json).
import '#tfjs-registrations';
import { importTfjsNode, RUNTIME } from '#node-addons';
import { PaperkitInputError } from '../validate/errors.js';
import { enableEdgeShapeGuards } from './edge-shapes.js';
import { enableWasmMatMulFix } from './wasm-matmul.js';

/**
 * A tfjs backend paperkit can run on. `tensorflow` is tfjs-node's native backend (Node only);
 * `webgl` and `webgpu` are browser backends the application registers itself by importing
 * `@tensorflow/tfjs-backend-webgl` / `-webgpu` (same version as tfjs-core) before {@link initBackend}.
 */
export type BackendName = 'tensorflow' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/**
 * What the caller asks for: one backend by name, or `auto`: in Node tensorflow → wasm → cpu, in a
 * browser webgpu → webgl → wasm → cpu (webgpu and webgl only when their packages are imported).
 */
export type BackendPreference = BackendName | 'auto';

/**
 * Where the wasm backend finds its `.wasm` binaries (tfjs-backend-wasm's `setWasmPaths`): a URL
 * prefix ending in `/`, or a map from file name (`tfjs-backend-wasm.wasm`, `-simd.wasm`,
 * `-threaded-simd.wasm`) to URL. Needed in browsers when a bundler does not serve the binaries next to
 * the script; Node finds them in the installed package.
 */
export type WasmPaths = string | Readonly<Record<string, string>>;

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
  /** Where the wasm binaries are served from (see {@link WasmPaths}); set before wasm first loads. */
  readonly wasmPaths?: WasmPaths;
}

const NAMES: readonly BackendName[] = ['tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu'];
const PREFERENCES: readonly BackendPreference[] = ['auto', ...NAMES];
/** `auto`'s order: the fastest backend that can exist where tensor-core runs. */
const AUTO_ORDER: Readonly<Record<typeof RUNTIME, readonly BackendName[]>> = {
  node: ['tensorflow', 'wasm', 'cpu'],
  browser: ['webgpu', 'webgl', 'wasm', 'cpu'],
};
/** The npm package that registers each backend the application must import itself. */
const BROWSER_PACKAGES: Partial<Record<BackendName, string>> = {
  webgl: '@tensorflow/tfjs-backend-webgl',
  webgpu: '@tensorflow/tfjs-backend-webgpu',
};

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

function checkWasmPaths(paths: unknown): WasmPaths | undefined {
  if (paths === undefined) return undefined;
  if (typeof paths === 'string' && paths.length > 0) return paths;
  if (
    paths !== null &&
    typeof paths === 'object' &&
    !Array.isArray(paths) &&
    Object.keys(paths).length > 0 &&
    Object.values(paths).every((v) => typeof v === 'string' && v.length > 0)
  )
    return paths as WasmPaths;
  throw new PaperkitInputError(
    'wasmPaths',
    paths,
    'a non-empty URL prefix or a non-empty map from .wasm file name to URL',
  );
}

let wasmPathsSet: string | null = null;

async function setWasmPaths(paths: WasmPaths): Promise<void> {
  const key = JSON.stringify(paths);
  if (wasmPathsSet === key) return;
  // tfjs-backend-wasm reads the paths once, when its module initialises, and silently ignores later
  // changes: an initialised wasm backend means these paths could no longer take effect.
  if (tf.engine().registry.wasm !== undefined)
    throw new PaperkitInputError(
      'wasmPaths',
      paths,
      'set before the wasm backend first loads (it is already initialised in this page or process)',
    );
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  try {
    wasm.setWasmPaths(paths as string | { [file: string]: string });
  } catch (err) {
    throw new PaperkitInputError(
      'wasmPaths',
      paths,
      `accepted by tfjs-backend-wasm (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  wasmPathsSet = key;
}

/**
 * Why a registered backend's factory failed. tfjs's `setBackend` only answers false (and logs the
 * error outside prod mode), so the factory runs once more to catch its error: a wasm binary that
 * 404s says so instead of "failed to initialise".
 */
async function initFailure(name: BackendName): Promise<string> {
  const factory = tf.findBackendFactory(name);
  if (!factory) return 'not registered';
  try {
    const backend = await factory();
    backend.dispose();
    return 'its factory succeeded on a second try; tfjs had rejected it';
  } catch (err) {
    return err instanceof Error ? err.message.split('\n')[0]! : String(err);
  }
}

async function load(name: BackendName, wasmPaths: WasmPaths | undefined): Promise<void> {
  // Each import registers the backend with the one tfjs-core engine (a peer dependency, one instance).
  if (name === 'tensorflow') await importTfjsNode();
  else if (name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    if (wasmPaths !== undefined) await setWasmPaths(wasmPaths);
  } else if (name === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
  if (!tf.findBackendFactory(name)) {
    const pkg = BROWSER_PACKAGES[name];
    throw new Error(
      pkg
        ? `the ${name} backend is not registered: import '${pkg}' (the version of @tensorflow/tfjs-core) before initBackend`
        : `the ${name} backend did not register with tfjs-core`,
    );
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tf.setBackend('${name}') failed to initialise: ${await initFailure(name)}`);
  await tf.ready();
}

/**
 * Selects and initialises a tfjs backend. With `prefer: 'auto'` it tries, in Node, tfjs-node's native
 * TensorFlow, then wasm, then cpu, and in a browser webgpu, webgl (each when the application imported
 * its package), then wasm, then cpu; it returns the first that loads. With a name it loads exactly
 * that one or throws an error that says why. tfjs's console advice is silenced with prod mode
 * (not `IS_TEST`, which turns on kernel leak checks that throw on tfjs's own ops). On wasm, matMuls
 * with a transposed operand transpose it explicitly first ({@link enableWasmMatMulFix}: the stock
 * kernel is 15–40× slower on them). On wasm and cpu, the shapes tfjs's stock kernels answer wrongly
 * without an error (two-sided batch broadcasts, empty reductions, zero-channel convolutions) are
 * answered correctly whether or not the BLAS kernels load ({@link enableEdgeShapeGuards}).
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const prefer = options.prefer ?? 'auto';
  if (!PREFERENCES.includes(prefer))
    throw new PaperkitInputError('prefer', prefer, `one of ${PREFERENCES.join(', ')}`);
  const blas = options.blas ?? 'auto';
  if (blas !== 'auto' && blas !== 'off') throw new PaperkitInputError('blas', blas, '"auto" or "off"');
  const wasmPaths = checkWasmPaths(options.wasmPaths);
  tf.enableProdMode();
  const order = prefer === 'auto' ? AUTO_ORDER[RUNTIME] : [prefer];
  const skipped: { name: BackendName; reason: string }[] = [];
  for (const name of order) {
    try {
      await load(name, wasmPaths);
    } catch (err) {
      const reason = err instanceof Error ? err.message.split('\n')[0]! : String(err);
      if (prefer !== 'auto') {
        throw new Error(`backend '${name}' was asked for but cannot load: ${reason}`, { cause: err });
      }
      skipped.push({ name, reason });
      continue;
    }
    // The kernel layers (kernel-layers.ts) stack in a fixed order whatever the call order: the wasm
    // matMul fix, the edge-shape guards, then the BLAS and native kernels, each falling back to the
    // one below for the inputs it does not take.
    // These patch wasm's and cpu's kernels only; webgl, webgpu and tensorflow run their own.
    if (name === 'wasm') enableWasmMatMulFix();
    if (name === 'wasm' || name === 'cpu') enableEdgeShapeGuards(name);
    let accelerated = false;
    // BLAS kernels are registered globally per backend, so 'off' must also restore the stock kernels
    // that an earlier 'auto' replaced.
    if ((name === 'wasm' || name === 'cpu') && accelerator) {
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
