import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCommand, parseSetValue } from '../src/args.js';
import { editDistance, suggest } from '../src/suggest.js';
import { UsageError } from '../src/usage-error.js';

const cwd = '/work/x';

function usage(argv: string[]): string {
  try {
    parseCommand(argv, cwd);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`expected a usage error for ${argv.join(' ')}`);
}

describe('parseCommand', () => {
  it("fills run defaults: quick preset, the experiment's seeds, ./runs, auto backend, BLAS on", () => {
    expect(parseCommand(['run', 'demo/mnist-mlp'], cwd)).toEqual({
      kind: 'run',
      ids: ['demo/mnist-mlp'],
      preset: 'quick',
      sets: {},
      seeds: null,
      out: join(cwd, 'runs'),
      backend: 'auto',
      blas: 'auto',
      inProcess: false,
      force: false,
      registry: null,
    });
  });

  it('reads every run flag', () => {
    const c = parseCommand(
      [
        'run',
        'a/b',
        'c/d',
        '--preset',
        'full',
        '--seeds',
        '3',
        '--out',
        '/tmp/o',
        '--backend=wasm',
        '--no-blas',
        '--set',
        'lr=0.01',
        '--set',
        'hidden=[64,32]',
        '--set',
        'name=abc',
      ],
      cwd,
    );
    expect(c).toEqual({
      kind: 'run',
      ids: ['a/b', 'c/d'],
      preset: 'full',
      sets: { lr: 0.01, hidden: [64, 32], name: 'abc' },
      seeds: [0, 1, 2],
      out: '/tmp/o',
      backend: 'wasm',
      blas: 'off',
      inProcess: false,
      force: false,
      registry: null,
    });
    expect(parseCommand(['run', 'a/b', '--force'], cwd)).toMatchObject({ force: true });
    expect(parseCommand(['clean', '--out', 'x'], cwd)).toEqual({ kind: 'clean', out: join(cwd, 'x') });
    expect(parseCommand(['readme', 'README.md'], cwd)).toEqual({
      kind: 'readme',
      files: [join(cwd, 'README.md')],
      out: join(cwd, 'runs'),
    });
    expect(parseCommand(['run', 'a/b', '--seed', '42'], cwd)).toMatchObject({ seeds: [42] });
    expect(parseCommand(['run', 'a/b', '--in-process'], cwd)).toMatchObject({ inProcess: true });
    expect(parseCommand(['repro', '--in-process'], cwd)).toMatchObject({ inProcess: true });
    expect(usage(['report', '--in-process'])).toBe("unknown flag '--in-process' for 'paperkit report'");
  });

  it('parses --set values as JSON when possible, else as strings', () => {
    expect(parseSetValue('3')).toBe(3);
    expect(parseSetValue('1e-3')).toBe(0.001);
    expect(parseSetValue('true')).toBe(true);
    expect(parseSetValue('null')).toBe(null);
    expect(parseSetValue('[1,2]')).toEqual([1, 2]);
    expect(parseSetValue('"7"')).toBe('7');
    expect(parseSetValue('relu')).toBe('relu');
    expect(parseSetValue('')).toBe('');
  });

  it('parses list, report, repro and help', () => {
    expect(parseCommand(['list'], cwd)).toEqual({ kind: 'list', registry: null });
    expect(parseCommand(['list', '--registry', 'r.mjs'], cwd)).toEqual({ kind: 'list', registry: 'r.mjs' });
    expect(parseCommand(['report', '-o', 'out'], cwd)).toEqual({
      kind: 'report',
      out: join(cwd, 'out'),
      registry: null,
    });
    expect(parseCommand(['repro', '--seeds', '2', '--backend', 'cpu'], cwd)).toMatchObject({
      kind: 'repro',
      seeds: [0, 1],
      backend: 'cpu',
      workers: null,
    });
    expect(parseCommand(['repro', '--workers', '1'], cwd)).toMatchObject({ kind: 'repro', workers: 1 });
    expect(() => parseCommand(['repro', '--workers', '0'], cwd)).toThrow(/--workers/);
    expect(parseCommand([], cwd)).toEqual({ kind: 'help', topic: null });
    expect(parseCommand(['run', '--help'], cwd)).toEqual({ kind: 'help', topic: 'run' });
    expect(parseCommand(['help', 'report'], cwd)).toEqual({ kind: 'help', topic: 'report' });
    expect(parseCommand(['--version'], cwd)).toEqual({ kind: 'version' });
  });

  it('rejects bad input with one line naming the problem and the nearest valid name', () => {
    expect(usage(['rnu', 'x/y'])).toBe(
      "unknown command 'rnu'; did you mean 'run'? (commands: list, run, report, repro, sweep, worker, readme, clean, help)",
    );
    expect(usage(['run', 'x/y', '--sed', '1'])).toBe(
      "unknown flag '--sed' for 'paperkit run'; did you mean '--seed'?",
    );
    expect(usage(['report', '--seed', '1'])).toBe("unknown flag '--seed' for 'paperkit report'");
    expect(usage(['run', 'x/y', '--seed'])).toBe("flag '--seed' needs a value");
    expect(usage(['run', 'x/y', '--out', '--seed', '1'])).toBe("flag '--out' needs a value");
    expect(usage(['run', 'x/y', '--seed', '-1'])).toBe("--seed must be an integer >= 0; got '-1'");
    expect(usage(['run', 'x/y', '--seed', '1.5'])).toBe("--seed must be an integer >= 0; got '1.5'");
    expect(usage(['run', 'x/y', '--seeds', '0'])).toBe("--seeds must be an integer >= 1; got '0'");
    expect(usage(['run', 'x/y', '--seed', '1', '--seeds', '2'])).toMatch(/either --seed N .* or --seeds N/);
    expect(usage(['run', 'x/y', '--backend', 'wsam'])).toBe(
      "unknown backend 'wsam'; did you mean 'wasm'? (choose one of auto, tensorflow, wasm, cpu)",
    );
    expect(usage(['run', 'x/y', '--no-blas=yes'])).toBe("flag '--no-blas' takes no value");
    expect(usage(['run', 'x/y', '--set', 'lr'])).toBe("--set expects key=value; got 'lr'");
    expect(usage(['run'])).toMatch(/needs at least one experiment id/);
    expect(usage(['list', 'extra'])).toMatch(/takes no arguments/);
  });
});

describe('near-miss suggestions', () => {
  it('computes Levenshtein distances', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('mnist-mpl', 'mnist-mlp')).toBe(2);
    expect(editDistance('same', 'same')).toBe(0);
  });

  it('suggests close names and stays quiet for unrelated ones', () => {
    const ids = ['demo/mnist-mlp', 'nupi/oscillator', 'nupi/fairness'];
    expect(suggest('demo/mnist-mpl', ids)).toBe('demo/mnist-mlp');
    expect(suggest('nupi/osclator', ids)).toBe('nupi/oscillator');
    expect(suggest('mnist-mlp', ids)).toBe('demo/mnist-mlp');
    expect(suggest('transformer', ids)).toBeNull();
  });
});
