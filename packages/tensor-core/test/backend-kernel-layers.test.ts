import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { baseKernel, hasLayer, type LayerFactory, setLayer } from '../src/backend/kernel-layers.js';

// A private backend and kernel, so these tests never touch the kernels the others use.
const BACKEND = 'layers-test';
const KERNEL = 'PaperkitLayersTestOp';

/** A layer that appends its tag to the output's shape list: the output names the stack, bottom first. */
function tag(name: string): LayerFactory {
  return (next) => (args) => {
    const out = next
      ? (next(args) as tf.TensorInfo)
      : { dataId: {}, shape: [] as number[], dtype: 'float32' as const };
    return { ...out, shape: [...out.shape, name.length] };
  };
}

const call = () => {
  const k = tf.getKernel(KERNEL, BACKEND)!;
  return (k.kernelFunc({ inputs: {}, attrs: {}, backend: {} as never }) as tf.TensorInfo).shape;
};

describe('kernel layers', () => {
  tf.registerKernel({
    kernelName: KERNEL,
    backendName: BACKEND,
    kernelFunc: () => ({ dataId: {}, shape: [0], dtype: 'float32' }),
  });
  const stock = tf.getKernel(KERNEL, BACKEND)!;
  afterAll(() => {
    for (const l of ['wasm-matmul-fix', 'edge-shapes', 'blas', 'native-ops'] as const)
      setLayer(BACKEND, KERNEL, l, null);
    tf.unregisterKernel(KERNEL, BACKEND);
  });
  // Tag lengths identify layers: fix = 1, edge = 2, blas = 3, ops = 4.
  const fix = tag('f');
  const edge = tag('ee');
  const blas = tag('bbb');
  const ops = tag('oooo');

  it('stacks layers in their fixed order whatever the order they are switched on', () => {
    expect(setLayer(BACKEND, KERNEL, 'native-ops', ops)).toBe(true);
    expect(setLayer(BACKEND, KERNEL, 'blas', blas)).toBe(true);
    expect(setLayer(BACKEND, KERNEL, 'wasm-matmul-fix', fix)).toBe(true);
    expect(setLayer(BACKEND, KERNEL, 'edge-shapes', edge)).toBe(true);
    expect(call()).toEqual([0, 1, 2, 3, 4]);
    expect(setLayer(BACKEND, KERNEL, 'edge-shapes', edge)).toBe(false); // already there
    expect(hasLayer(BACKEND, KERNEL, 'blas')).toBe(true);
    expect(baseKernel(BACKEND, KERNEL)).toBe(stock);
  });

  it('removes any layer from the middle, and gives back the identical config for a stack seen before', () => {
    const full = tf.getKernel(KERNEL, BACKEND);
    expect(setLayer(BACKEND, KERNEL, 'blas', null)).toBe(true);
    expect(call()).toEqual([0, 1, 2, 4]);
    expect(setLayer(BACKEND, KERNEL, 'blas', null)).toBe(false);
    setLayer(BACKEND, KERNEL, 'blas', blas);
    expect(tf.getKernel(KERNEL, BACKEND)).toBe(full);
    for (const l of ['native-ops', 'wasm-matmul-fix', 'blas', 'edge-shapes'] as const)
      setLayer(BACKEND, KERNEL, l, null);
    expect(tf.getKernel(KERNEL, BACKEND)).toBe(stock);
    expect(call()).toEqual([0]);
  });

  it('a kernel registered over ours by someone else becomes the base the layers wrap', () => {
    setLayer(BACKEND, KERNEL, 'blas', blas);
    tf.unregisterKernel(KERNEL, BACKEND);
    tf.registerKernel({
      kernelName: KERNEL,
      backendName: BACKEND,
      kernelFunc: () => ({ dataId: {}, shape: [9], dtype: 'float32' }),
    });
    setLayer(BACKEND, KERNEL, 'edge-shapes', edge);
    expect(call()).toEqual([9, 2, 3]);
  });
});
