import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** A throwaway copy of the package, so these runs never touch the real build/. */
function scratchPackage(): string {
  const dir = mkdtempSync(join(tmpdir(), 'paperkit-native-install-'));
  scratch.push(dir);
  for (const p of ['native', 'scripts', 'binding.gyp', 'package.json'])
    cpSync(join(root, p), join(dir, p), { recursive: true });
  return dir;
}

function install(dir: string, env: Record<string, string>) {
  return spawnSync(process.execPath, ['scripts/build-addon.js'], {
    cwd: dir,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
}

describe('install script', () => {
  it('PAPERKIT_NATIVE_SKIP=1 exits 0, removes an earlier build and says why', () => {
    const dir = scratchPackage();
    mkdirSync(join(dir, 'build', 'Release'), { recursive: true });
    writeFileSync(join(dir, 'build', 'Release', 'tensor_native.node'), 'stale');
    const run = install(dir, { PAPERKIT_NATIVE_SKIP: '1' });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/native BLAS addon not built \(PAPERKIT_NATIVE_SKIP is set\)/);
    expect(existsSync(join(dir, 'build'))).toBe(false);
  });

  it('missing BLAS headers still exit 0 and leave the addon absent', () => {
    const dir = scratchPackage();
    const run = install(dir, {
      PAPERKIT_NATIVE_CBLAS_HEADER: 'paperkit-no-such-cblas.h',
      PAPERKIT_NATIVE_SKIP: '',
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/native BLAS addon not built \(/);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, 'build', 'Release', 'tensor_native.node'))).toBe(false);
  });
});
