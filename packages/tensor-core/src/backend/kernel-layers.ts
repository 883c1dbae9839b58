import * as tf from '@tensorflow/tfjs-core';

/**
 * tensor-core replaces some of tfjs's kernels on the wasm and cpu backends in layers, each of which
 * handles the inputs it can and passes the rest to the layer below it (finally tfjs's own kernel):
 *
 * 1. `wasm-matmul-fix`: explicit transposes for wasm matMuls (see wasm-matmul.ts);
 * 2. `edge-shapes`: correct results for the shapes stock kernels get wrong (see edge-shapes.ts);
 * 3. `blas`: BLAS products and convolutions from `@paperkit/tensor-native`;
 * 4. `native-ops`: the addon's multi-threaded elementwise, reduction and layout kernels.
 *
 * Layers can be switched on and off in any order: the registered kernel is always rebuilt as the
 * stack of the layers in force, in this order, on top of the kernel tfjs registered. The registered
 * config for a given set of layers is cached, so switching back gives the identical config object.
 */
export type LayerName = 'wasm-matmul-fix' | 'edge-shapes' | 'blas' | 'native-ops';

const ORDER: readonly LayerName[] = ['wasm-matmul-fix', 'edge-shapes', 'blas', 'native-ops'];

/**
 * Builds a layer's kernel from the kernel below it (`null` when the backend has none: wasm's
 * `Conv2DBackpropFilter`).
 */
export type LayerFactory = (next: tf.KernelFunc | null) => tf.KernelFunc;

interface Stack {
  /** tfjs's config (or whatever was registered before tensor-core touched this kernel). */
  base: tf.KernelConfig | undefined;
  readonly layers: Map<LayerName, LayerFactory>;
  /** The factory each layer was last built with (a different one invalidates the cache). */
  readonly factories: Map<LayerName, LayerFactory>;
  readonly built: Map<string, tf.KernelConfig>;
  /** The config this module registered last (to notice a kernel registered over ours). */
  registered: tf.KernelConfig | undefined;
}

const stacks = new Map<string, Stack>();

function stackOf(backend: string, kernel: string): Stack {
  const key = `${backend}/${kernel}`;
  let s = stacks.get(key);
  if (!s) {
    const base = tf.getKernel(kernel, backend);
    s = { base, layers: new Map(), factories: new Map(), built: new Map(), registered: base };
    stacks.set(key, s);
  }
  return s;
}

function rebuild(backend: string, kernel: string, s: Stack): void {
  const current = tf.getKernel(kernel, backend);
  // Someone registered their own kernel over ours: it becomes the base the layers wrap.
  if (current !== s.registered) {
    s.base = current;
    s.built.clear();
  }
  const names = ORDER.filter((n) => s.layers.has(n));
  let config: tf.KernelConfig | undefined;
  if (names.length === 0) {
    config = s.base;
  } else {
    const signature = names.join('+');
    config = s.built.get(signature);
    if (!config) {
      let fn: tf.KernelFunc | null = s.base?.kernelFunc ?? null;
      for (const n of names) fn = s.layers.get(n)!(fn);
      config = { kernelName: kernel, backendName: backend, kernelFunc: fn! };
      // The stock setup binds wasm's C functions; it must run again if the backend is re-initialised.
      if (s.base?.setupFunc) config.setupFunc = s.base.setupFunc;
      if (s.base?.disposeFunc) config.disposeFunc = s.base.disposeFunc;
      s.built.set(signature, config);
    }
  }
  if (current) tf.unregisterKernel(kernel, backend);
  if (config) tf.registerKernel(config);
  s.registered = config;
}

/**
 * Puts `layer` over kernel `kernel` of `backend` (replacing an earlier factory of the same layer),
 * or removes it with `factory = null`. Returns whether anything changed.
 */
export function setLayer(
  backend: string,
  kernel: string,
  layer: LayerName,
  factory: LayerFactory | null,
): boolean {
  const s = stackOf(backend, kernel);
  if (factory === null && !s.layers.has(layer)) return false;
  if (factory !== null && s.layers.get(layer) === factory) return false;
  if (factory === null) s.layers.delete(layer);
  else {
    if (s.factories.has(layer) && s.factories.get(layer) !== factory) s.built.clear();
    s.layers.set(layer, factory);
    s.factories.set(layer, factory);
  }
  rebuild(backend, kernel, s);
  return true;
}

/** Whether `layer` is over kernel `kernel` of `backend`. */
export function hasLayer(backend: string, kernel: string, layer: LayerName): boolean {
  return stacks.get(`${backend}/${kernel}`)?.layers.has(layer) ?? false;
}

/** The kernel below every tensor-core layer (tfjs's own), or undefined when the backend has none. */
export function baseKernel(backend: string, kernel: string): tf.KernelConfig | undefined {
  const s = stacks.get(`${backend}/${kernel}`);
  return s ? s.base : tf.getKernel(kernel, backend);
}
