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
      /prefer must be one of auto, tensorflow, wasm, cpu; got "gpu"/,
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
