import { describe, expect, it } from 'vitest';
import { canonicalJson, configHash } from '../src/run/config-hash.js';
import { backendSlug, runFolderPath } from '../src/run/run-folder.js';

describe('config hash', () => {
  it('is the sha256 of sorted-key JSON (value independently computed with Python hashlib)', () => {
    const cfg = { z: 0.001, b: [3, { d: 'x', c: true }], a: 1 };
    expect(canonicalJson(cfg)).toBe('{"a":1,"b":[3,{"c":true,"d":"x"}],"z":0.001}');
    expect(configHash(cfg)).toBe('c1c5e87149bda54d72f5ce11d8a14af3a207b05ecb3aa35e46f527a542de3910');
  });

  it('does not depend on key order and drops undefined members', () => {
    expect(configHash({ a: 1, b: { c: 2, d: 3 } })).toBe(
      configHash({ b: { d: 3, c: 2 }, a: 1, e: undefined }),
    );
  });

  it('changes with any value, and array order matters', () => {
    const base = configHash({ hidden: [128, 64], lr: 0.001 });
    expect(configHash({ hidden: [64, 128], lr: 0.001 })).not.toBe(base);
    expect(configHash({ hidden: [128, 64], lr: 0.002 })).not.toBe(base);
  });

  it('places runs at <out>/<id as nested dirs>/<hash8>/<backend>/seed-<n>', () => {
    expect(runFolderPath('/r', 'demo/mnist-mlp', 'abcdef0123456789', 'wasm+blas-2t', 3)).toBe(
      '/r/demo/mnist-mlp/abcdef01/wasm+blas-2t/seed-3',
    );
  });

  it('names the backend with its BLAS thread count (threads change the rounding of every product)', () => {
    expect(backendSlug('wasm+blas', 2)).toBe('wasm+blas-2t');
    expect(backendSlug('wasm', null)).toBe('wasm');
    expect(backendSlug('a/b', null)).toBe('a-b');
  });
});
