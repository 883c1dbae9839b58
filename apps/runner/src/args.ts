import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { BackendPreference } from '@paperkit/tensor-core';
import type { SweepCommand } from './commands/sweep.js';
import type { WorkerCommand } from './commands/worker.js';
import { didYouMean } from './suggest.js';
import { UsageError } from './usage-error.js';

/** The subcommands. */
export const COMMANDS = [
  'list',
  'run',
  'report',
  'repro',
  'sweep',
  'worker',
  'readme',
  'clean',
  'help',
] as const;
/** A subcommand name. */
export type CommandName = (typeof COMMANDS)[number];

/** Backends `--backend` accepts. */
export const BACKENDS: readonly BackendPreference[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

const OPTIONS = {
  preset: { type: 'string' },
  seed: { type: 'string' },
  seeds: { type: 'string' },
  out: { type: 'string', short: 'o' },
  backend: { type: 'string' },
  'no-blas': { type: 'boolean' },
  'in-process': { type: 'boolean' },
  force: { type: 'boolean' },
  'seed-list': { type: 'string' },
  grid: { type: 'string', multiple: true },
  workers: { type: 'string' },
  queue: { type: 'string' },
  concurrency: { type: 'string' },
  attempts: { type: 'string' },
  timeout: { type: 'string' },
  'lock-ms': { type: 'string' },
  registry: { type: 'string' },
  set: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

type Flag = keyof typeof OPTIONS;

const ALLOWED: Record<CommandName | 'none', readonly Flag[]> = {
  none: ['help', 'version'],
  help: ['help'],
  list: ['registry', 'help'],
  run: [
    'preset',
    'seed',
    'seeds',
    'out',
    'backend',
    'no-blas',
    'in-process',
    'force',
    'set',
    'registry',
    'help',
  ],
  report: ['out', 'registry', 'help'],
  repro: ['seed', 'seeds', 'out', 'backend', 'no-blas', 'in-process', 'force', 'registry', 'workers', 'help'],
  clean: ['out', 'help'],
  sweep: [
    'preset',
    'seed',
    'seeds',
    'seed-list',
    'grid',
    'workers',
    'queue',
    'attempts',
    'out',
    'backend',
    'no-blas',
    'force',
    'registry',
    'help',
  ],
  worker: ['queue', 'concurrency', 'timeout', 'lock-ms', 'backend', 'no-blas', 'registry', 'help'],
  readme: ['out', 'help'],
};

/** Options shared by the commands that execute experiments. */
export interface ExecOptions {
  /** Seeds to run, in order; null: each experiment's default for the preset. */
  readonly seeds: readonly number[] | null;
  /** Absolute output root. */
  readonly out: string;
  readonly backend: BackendPreference;
  /** `off` with `--no-blas`: stock tfjs kernels, for A/B timing against the BLAS-accelerated ones. */
  readonly blas: 'auto' | 'off';
  /** `--in-process`: run experiments on the main thread instead of a worker thread (debugging fallback). */
  readonly inProcess: boolean;
  /** `--force`: recompute runs whose completed folder already exists. */
  readonly force: boolean;
  /** `--registry`: path or URL of a module exporting `packages` (or `experiments`) to use instead of the default. */
  readonly registry: string | null;
}

/** A parsed command line. */
export type ParsedCommand =
  | { readonly kind: 'help'; readonly topic: CommandName | null }
  | { readonly kind: 'version' }
  | { readonly kind: 'list'; readonly registry: string | null }
  | ({
      readonly kind: 'run';
      readonly ids: readonly string[];
      /** Preset name, validated per experiment later (presets beyond quick/full exist). */
      readonly preset: string;
      /** `--set key=value` pairs, values parsed as JSON when possible. */
      readonly sets: Readonly<Record<string, unknown>>;
    } & ExecOptions)
  | ({
      readonly kind: 'repro';
      /** `--workers N`: local worker processes (null: one per core; 1: one after another in a worker thread). */
      readonly workers: number | null;
    } & ExecOptions)
  | { readonly kind: 'report'; readonly out: string; readonly registry: string | null }
  | { readonly kind: 'clean'; readonly out: string }
  | { readonly kind: 'readme'; readonly files: readonly string[]; readonly out: string }
  | ({ readonly kind: 'sweep' } & SweepCommand)
  | ({ readonly kind: 'worker' } & WorkerCommand);

/** Parses a `--set` value: JSON when it parses (numbers, booleans, arrays, null, quoted strings), else the raw string. */
export function parseSetValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function parseSets(list: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set expects key=value; got '${item}'`);
    const key = item.slice(0, eq).trim();
    if (!/^[A-Za-z_$][\w$]*$/.test(key))
      throw new UsageError(`--set key must be a config key name; got '${key}'`);
    if (key === '__proto__' || key === 'constructor' || key === 'prototype')
      throw new UsageError(`--set key '${key}' is not a config key (reserved name)`);
    if (Object.hasOwn(out, key)) throw new UsageError(`--set key '${key}' is given twice`);
    out[key] = parseSetValue(item.slice(eq + 1));
  }
  return out;
}

function nonNegativeInt(flag: string, raw: string, min: number): number {
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min)
    throw new UsageError(`--${flag} must be an integer >= ${min}; got '${raw}'`);
  return n;
}

function execOptions(values: Partial<Record<Flag, unknown>>, cwd: string): ExecOptions {
  if (values.seed !== undefined && values.seeds !== undefined)
    throw new UsageError('use either --seed N (one seed) or --seeds N (seeds 0..N-1), not both');
  let seeds: number[] | null = null;
  if (values.seed !== undefined) seeds = [nonNegativeInt('seed', values.seed as string, 0)];
  if (values.seeds !== undefined) {
    const n = nonNegativeInt('seeds', values.seeds as string, 1);
    if (n > 1000) throw new UsageError(`--seeds must be at most 1000; got '${values.seeds}'`);
    seeds = Array.from({ length: n }, (_, i) => i);
  }
  const backend = (values.backend ?? 'auto') as string;
  if (!BACKENDS.includes(backend as BackendPreference))
    throw new UsageError(
      `unknown backend '${backend}'${didYouMean(backend, BACKENDS)} (choose one of ${BACKENDS.join(', ')})`,
    );
  return {
    seeds,
    out: outDir(values, cwd),
    backend: backend as BackendPreference,
    blas: values['no-blas'] === true ? 'off' : 'auto',
    inProcess: values['in-process'] === true,
    force: values.force === true,
    registry: (values.registry as string | undefined) ?? null,
  };
}

/** `--out`, resolved against `cwd`; an empty value is an error (it would write into the current folder). */
function outDir(values: Partial<Record<Flag, unknown>>, cwd: string): string {
  const raw = values.out as string | undefined;
  if (raw !== undefined && raw.trim() === '') throw new UsageError("--out needs a directory; got ''");
  return resolve(cwd, raw ?? 'runs');
}

/**
 * Parses `argv` (without `node` and the script path). Throws {@link UsageError} with a one-line
 * message for an unknown command or flag (suggesting the nearest name), a flag without its value, a
 * malformed number, seed, backend or `--set` item.
 */
export function parseCommand(argv: readonly string[], cwd: string): ParsedCommand {
  const { tokens } = parseArgs({
    args: [...argv],
    options: OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const positionals: string[] = [];
  const values: Partial<Record<Flag, unknown>> = {};
  let command: CommandName | 'none' = 'none';
  const sets: string[] = [];
  const grids: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'positional') {
      if (command === 'none') {
        if (!(COMMANDS as readonly string[]).includes(t.value))
          throw new UsageError(
            `unknown command '${t.value}'${didYouMean(t.value, COMMANDS)} (commands: ${COMMANDS.join(', ')})`,
          );
        command = t.value as CommandName;
      } else positionals.push(t.value);
      continue;
    }
    if (t.kind !== 'option') continue;
    const name = t.name as Flag;
    const spec = OPTIONS[name] as { type: 'string' | 'boolean' } | undefined;
    const allowed = ALLOWED[command];
    if (!spec || !allowed.includes(name)) {
      const where = command === 'none' ? 'paperkit' : `paperkit ${command}`;
      const names = allowed.map((f) => `--${f}`);
      throw new UsageError(`unknown flag '${t.rawName}' for '${where}'${didYouMean(`--${t.name}`, names)}`);
    }
    if (spec.type === 'string') {
      const v = t.value;
      // parseArgs (non-strict) takes the next word even when it is another flag; a negative number is still a value.
      if (
        v === undefined ||
        (!t.inlineValue && v.startsWith('-') && !/^-\d/.test(v)) ||
        (name !== 'out' && v === '')
      )
        throw new UsageError(`flag '${t.rawName}' needs a value`);
      if (name === 'set') sets.push(v);
      else if (name === 'grid') grids.push(v);
      else values[name] = v;
    } else {
      if (t.value !== undefined) throw new UsageError(`flag '${t.rawName}' takes no value`);
      values[name] = true;
    }
  }
  if (values.version && command === 'none') return { kind: 'version' };
  if (values.help || command === 'none') return { kind: 'help', topic: command === 'none' ? null : command };
  switch (command) {
    case 'help': {
      const topic = positionals[0];
      if (topic !== undefined && !(COMMANDS as readonly string[]).includes(topic))
        throw new UsageError(`unknown command '${topic}'${didYouMean(topic, COMMANDS)}`);
      return { kind: 'help', topic: (topic as CommandName | undefined) ?? null };
    }
    case 'list':
      if (positionals.length > 0)
        throw new UsageError(`'paperkit list' takes no arguments; got '${positionals[0]}'`);
      return { kind: 'list', registry: (values.registry as string | undefined) ?? null };
    case 'report':
      if (positionals.length > 0)
        throw new UsageError(`'paperkit report' takes no arguments; got '${positionals[0]}'`);
      return {
        kind: 'report',
        out: outDir(values, cwd),
        registry: (values.registry as string | undefined) ?? null,
      };
    case 'readme':
      if (positionals.length === 0)
        throw new UsageError("'paperkit readme' needs at least one Markdown file");
      return { kind: 'readme', files: positionals.map((f) => resolve(cwd, f)), out: outDir(values, cwd) };
    case 'sweep': {
      if (positionals.length === 0)
        throw new UsageError("'paperkit sweep' needs at least one experiment id (see 'paperkit list')");
      const exec = execOptions(values, cwd);
      let seeds = exec.seeds;
      if (values['seed-list'] !== undefined) {
        if (values.seed !== undefined || values.seeds !== undefined)
          throw new UsageError('use one of --seed, --seeds or --seed-list');
        seeds = String(values['seed-list'])
          .split(',')
          .map((x) => nonNegativeInt('seed-list', x, 0));
      }
      return {
        kind: 'sweep',
        ids: positionals,
        preset: (values.preset as string | undefined) ?? 'quick',
        seeds,
        grid: grids,
        workers: values.workers === undefined ? null : nonNegativeInt('workers', values.workers as string, 1),
        queue: (values.queue as string | undefined) ?? null,
        attempts:
          values.attempts === undefined ? 3 : nonNegativeInt('attempts', values.attempts as string, 1),
        out: exec.out,
        backend: exec.backend,
        blas: exec.blas,
        force: exec.force,
        registry: (values.registry as string | undefined) ?? null,
      };
    }
    case 'worker': {
      if (positionals.length > 0)
        throw new UsageError(`'paperkit worker' takes no arguments; got '${positionals[0]}'`);
      if (values.queue === undefined)
        throw new UsageError("'paperkit worker' needs --queue redis://host:port/db");
      const exec = execOptions(values, cwd);
      return {
        kind: 'worker',
        queue: values.queue as string,
        concurrency:
          values.concurrency === undefined
            ? 1
            : nonNegativeInt('concurrency', values.concurrency as string, 1),
        timeoutMs:
          1000 *
          (values.timeout === undefined ? 3600 : nonNegativeInt('timeout', values.timeout as string, 1)),
        lockMs:
          values['lock-ms'] === undefined
            ? 30_000
            : nonNegativeInt('lock-ms', values['lock-ms'] as string, 1000),
        backend: exec.backend,
        blas: exec.blas,
        registry: (values.registry as string | undefined) ?? null,
      };
    }
    case 'clean':
      if (positionals.length > 0)
        throw new UsageError(`'paperkit clean' takes no arguments; got '${positionals[0]}'`);
      return { kind: 'clean', out: outDir(values, cwd) };
    case 'repro':
      if (positionals.length > 0)
        throw new UsageError(
          `'paperkit repro' takes no experiment names (it runs every headline); got '${positionals[0]}'`,
        );
      return {
        kind: 'repro',
        workers: values.workers === undefined ? null : nonNegativeInt('workers', values.workers as string, 1),
        ...execOptions(values, cwd),
      };
    case 'run': {
      if (positionals.length === 0)
        throw new UsageError("'paperkit run' needs at least one experiment id (see 'paperkit list')");
      const preset = (values.preset as string | undefined) ?? 'quick';
      return { kind: 'run', ids: positionals, preset, sets: parseSets(sets), ...execOptions(values, cwd) };
    }
  }
}
