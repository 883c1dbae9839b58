/**
 * The browser (and any non-Node) half of `#node-addons`: tfjs-node and the BLAS addon exist only in
 * Node, so they are reported as unavailable without importing anything.
 * @module
 */

/** Where tensor-core runs; `auto` backend order and error messages depend on it. */
export const RUNTIME: 'node' | 'browser' = 'browser';

/** tfjs-node is a Node addon: always rejects here. */
export async function importTfjsNode(): Promise<void> {
  throw new Error('tfjs-node runs only in Node; in a browser use webgpu, webgl, wasm or cpu');
}

/** The BLAS addon is a Node addon: resolves to null here ("not installed"). */
export async function importTensorNative(): Promise<unknown> {
  return null;
}
