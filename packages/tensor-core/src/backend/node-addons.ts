/**
 * The Node half of tensor-core's optional native pieces, reached through the package import
 * `#node-addons` (package.json `imports`: `node` → this file, anything else → node-addons.browser.ts).
 * Bundlers for the browser never see these specifiers, so they neither fail to resolve tfjs-node nor
 * try to bundle its native graph.
 * @module
 */

/** Where tensor-core runs; `auto` backend order and error messages depend on it. */
export const RUNTIME: 'node' | 'browser' = 'node';

// Variables, not literals: TypeScript does not resolve them (neither package is a dependency: both
// are optional peers the application installs), and no bundler follows them.
const TFJS_NODE = '@tensorflow/tfjs-node';
const TENSOR_NATIVE = '@paperkit/tensor-native';

/** Imports tfjs-node, which registers the `tensorflow` backend; rejects when it is absent or broken. */
export async function importTfjsNode(): Promise<void> {
  await import(TFJS_NODE);
}

/** The `@paperkit/tensor-native` module; rejects (ERR_MODULE_NOT_FOUND) when it is not installed. */
export async function importTensorNative(): Promise<unknown> {
  return await import(TENSOR_NATIVE);
}
