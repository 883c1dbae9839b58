import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend, missingKernels, requireKernels } from '../src/index.js';

describe('initBackend', () => {
  it('loads exactly the backend asked for', async () => {
    const info = await initBackend({ prefer: 'cpu', blas: 'off' });
    expect(info.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    const wasm = await initBackend({ prefer: 'wasm', blas: 'off' });
    expect(wasm.name).toBe('wasm');
    expect(wasm.label).toBe('wasm');
  });

  it('auto falls through a missing tfjs-node and records why', async () => {
    const info = await initBackend({ prefer: 'auto', blas: 'off' });
    expect(['tensorflow', 'wasm']).toContain(info.name);
    if (info.name === 'wasm') expect(info.skipped.map((s) => s.name)).toEqual(['tensorflow']);
  });

  it('a named backend that cannot load is an error, not a fallback', async () => {
    let native = true;
    try {
      await import('@tensorflow/tfjs-node' as string);
    } catch {
      native = false;
    }
    if (native) return; // the native backend installed on this machine: nothing to fail
    await expect(initBackend({ prefer: 'tensorflow' })).rejects.toThrow(
      /backend 'tensorflow' was asked for but cannot load/,
    );
  });

  it('rejects unknown preferences with the allowed list', async () => {
    await expect(initBackend({ prefer: 'gpu' as never })).rejects.toThrow(
      /prefer must be one of auto, tensorflow, webgpu, webgl, wasm, cpu; got "gpu"/,
    );
  });

  it('names the missing kernel before training', async () => {
    await initBackend({ prefer: 'wasm', blas: 'off' });
    expect(missingKernels(['Conv2D', 'Conv2DBackpropFilter'])).toEqual(['Conv2DBackpropFilter']);
    expect(() => requireKernels(['Conv2DBackpropFilter'], 'CNN training')).toThrow(
      /lacks kernel Conv2DBackpropFilter needed for CNN training/,
    );
    await initBackend({ prefer: 'cpu', blas: 'off' });
    expect(() => requireKernels(['Conv2DBackpropFilter'], 'CNN training')).not.toThrow();
  });
});

describe('initBackend browser backends and wasm paths', () => {
  it('names the package to import when webgl or webgpu is not registered', async () => {
    await expect(initBackend({ prefer: 'webgl' })).rejects.toThrow(
      /backend 'webgl' was asked for but cannot load: the webgl backend is not registered: import '@tensorflow\/tfjs-backend-webgl'/,
    );
    await expect(initBackend({ prefer: 'webgpu' })).rejects.toThrow(
      /import '@tensorflow\/tfjs-backend-webgpu'/,
    );
  });

  it('auto in Node never tries the browser backends', async () => {
    const info = await initBackend({ prefer: 'auto', blas: 'off' });
    expect(info.skipped.map((s) => s.name).filter((n) => n === 'webgl' || n === 'webgpu')).toEqual([]);
  });

  it('rejects malformed wasmPaths, naming the option', async () => {
    for (const bad of ['', 42, [], {}, { 'tfjs-backend-wasm.wasm': 3 }]) {
      await expect(initBackend({ prefer: 'cpu', wasmPaths: bad as never })).rejects.toThrow(
        /wasmPaths must be a non-empty URL prefix or a non-empty map from \.wasm file name to URL/,
      );
    }
  });

  it('wasmPaths after wasm has loaded is an input error, not a silent no-op', async () => {
    await initBackend({ prefer: 'wasm', blas: 'off' });
    await expect(initBackend({ prefer: 'wasm', blas: 'off', wasmPaths: '/static/' })).rejects.toThrow(
      /wasmPaths must be set before the wasm backend first loads/,
    );
  });
});
