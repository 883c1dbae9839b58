import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ABI_VERSION, load } from '../src/index.js';

describe('load', () => {
  it('reports a never-built addon as absent with a reason, without throwing', () => {
    const res = load({ path: join(tmpdir(), 'paperkit-no-such-dir', 'tensor_native.node') });
    expect(res.addon).toBeNull();
    expect(res.failure).toBe('absent');
    expect(res.reason).toMatch(/not built at install/);
  });

  it('reports a present but unloadable addon as broken with the loader error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paperkit-native-'));
    const path = join(dir, 'tensor_native.node');
    writeFileSync(path, 'this is not a shared object');
    const res = load({ path });
    expect(res.addon).toBeNull();
    expect(res.failure).toBe('broken');
    expect(res.reason).toMatch(/^cannot load .*tensor_native\.node: /);
    expect(res.reason).not.toContain('\n');
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads the built addon (or says why not) and caches the result', () => {
    const res = load();
    expect(load()).toBe(res);
    if (res.addon === null) {
      console.warn(`[tensor-native] addon unavailable: ${res.reason}`);
      expect(res.failure).toBe('absent');
      return;
    }
    expect(res.addon.abiVersion).toBe(ABI_VERSION);
    expect(res.addon.vendor.length).toBeGreaterThan(0);
  });
});
