import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverPackages, missingPackageHint } from '../src/discover.js';
import { tempDir } from './helpers.js';

/** Writes node_modules/@paperkit/<name> with an ./experiments export whose module is `source`. */
function fakePackage(root: string, name: string, source: string | null): void {
  const dir = join(root, 'node_modules', '@paperkit', name);
  mkdirSync(dir, { recursive: true });
  const exports: Record<string, string> = { '.': './index.js' };
  if (source !== null) exports['./experiments'] = './experiments.js';
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: `@paperkit/${name}`, type: 'module', exports }),
  );
  writeFileSync(join(dir, 'index.js'), 'export {};\n');
  if (source !== null) writeFileSync(join(dir, 'experiments.js'), source);
}

const ONE = (id: string) =>
  `export const experiments = [{ id: '${id}', paper: { title: 't' }, title: 'x', cells() { return []; }, cell() {} }];\n`;

describe('discovering installed experiment packages', () => {
  it('loads every @paperkit package with an ./experiments export, nearest node_modules first', async () => {
    const root = tempDir();
    const app = join(root, 'app');
    mkdirSync(app);
    fakePackage(app, 'alpha', ONE('alpha/one'));
    fakePackage(app, 'library-only', null);
    fakePackage(root, 'alpha', ONE('alpha/shadowed'));
    fakePackage(root, 'beta', ONE('beta/two'));
    const d = await discoverPackages(app, { besideCli: false });
    expect(d.problems).toEqual([]);
    expect(d.packages.map((p) => [p.name, p.experiments.map((e) => e.id)])).toEqual([
      ['@paperkit/alpha', ['alpha/one']],
      ['@paperkit/beta', ['beta/two']],
    ]);
  });

  it('names the package to add when experiments import one that is missing, and loads the rest', async () => {
    const root = tempDir();
    fakePackage(root, 'digits', `import '@paperkit/mnist';\n${ONE('digits/a')}`);
    fakePackage(root, 'ok', ONE('ok/a'));
    const d = await discoverPackages(root, { besideCli: false });
    expect(d.packages.map((p) => p.name)).toEqual(['@paperkit/ok']);
    expect(d.problems).toEqual([
      '@paperkit/digits: its experiments need @paperkit/mnist, which is not installed (npm install @paperkit/mnist)',
    ]);
    expect(missingPackageHint('digits/a', d)).toBe(d.problems[0]);
  });

  it('rejects experiment lists of another contract and says which package to install for an id', async () => {
    const root = tempDir();
    fakePackage(root, 'old', "export const experiments = [{ id: 'old/a', paper: 'a string', run() {} }];\n");
    const d = await discoverPackages(root, { besideCli: false });
    expect(d.packages).toEqual([]);
    expect(d.problems[0]).toMatch(
      /^@paperkit\/old: its \.\/experiments export is not a list of experiments this CLI can run/,
    );
    expect(missingPackageHint('nupi/oscillator', d)).toBe(
      "experiment 'nupi/oscillator' is in @paperkit/nupi, which is not installed here: npm install @paperkit/nupi",
    );
    expect(missingPackageHint('old/a', d)).toBe(d.problems[0]);
  });
});

describe('the published manifest', () => {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as {
    name: string;
    private?: boolean;
    bin: Record<string, string>;
    files: string[];
    dependencies: Record<string, string>;
  };

  it('is @paperkit/cli with the paperkit bin and no paper package among its dependencies', () => {
    expect(pkg.name).toBe('@paperkit/cli');
    expect(pkg.private).toBeUndefined();
    expect(pkg.bin).toEqual({ paperkit: './dist/cli.js' });
    // Paper packages are devDependencies (the workspace registry); users install the ones they want.
    expect(Object.keys(pkg.dependencies).filter((d) => d.startsWith('@paperkit/'))).toEqual([
      '@paperkit/tensor-core',
    ]);
    // Without the static registry in the tarball, the CLI discovers the installed packages.
    expect(pkg.files).toContain('!dist/registry.*');
  });
});
