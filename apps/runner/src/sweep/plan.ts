import type { Experiment } from '@paperkit/tensor-core';
import { parseSetValue } from '../args.js';
import { seedsFor } from '../commands/exec.js';
import { findExperiment, planConfig, type RegisteredExperiment } from '../plan.js';
import { configHash } from '../run/config-hash.js';
import { didYouMean } from '../suggest.js';
import { UsageError } from '../usage-error.js';

/** One job of a sweep: one experiment run (config + seed); the backend is the runner's. */
export interface SweepJob {
  /** Identity without the backend: `<experiment>|<config hash>|<seed>` (the queue's job id). */
  readonly key: string;
  readonly experiment: string;
  readonly packageName: string;
  readonly preset: string;
  /** `--set`/`--grid` values of this job. */
  readonly overrides: Readonly<Record<string, unknown>>;
  readonly config: unknown;
  readonly configHash: string;
  readonly seed: number;
}

/**
 * Splits `v1,v2,[1,2],"a,b"` at top-level commas (brackets, braces and quotes keep theirs), so list
 * values can be swept: `--grid hidden=[64],[128,64]`.
 */
export function splitGridValues(raw: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (quoted) {
      cur += ch;
      if (ch === '\\' && i + 1 < raw.length) cur += raw[++i];
      else if (ch === '"') quoted = false;
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === '[' || ch === '{') depth++;
    else if (ch === ']' || ch === '}') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  if (depth !== 0 || quoted) throw new UsageError(`--grid value '${raw}' has unbalanced brackets or quotes`);
  if (out.some((v) => v.trim() === '')) throw new UsageError(`--grid value '${raw}' has an empty item`);
  return out.map((v) => v.trim());
}

/** Parses `--grid key=v1,v2` items into key → values (JSON when it parses, else strings). */
export function parseGrid(items: readonly string[]): Record<string, unknown[]> {
  const grid: Record<string, unknown[]> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--grid expects key=v1,v2,…; got '${item}'`);
    const key = item.slice(0, eq).trim();
    if (
      !/^[A-Za-z_$][\w$]*$/.test(key) ||
      key === '__proto__' ||
      key === 'constructor' ||
      key === 'prototype'
    )
      throw new UsageError(`--grid key must be a config key name; got '${key}'`);
    if (Object.hasOwn(grid, key)) throw new UsageError(`--grid key '${key}' is given twice`);
    grid[key] = splitGridValues(item.slice(eq + 1)).map(parseSetValue);
  }
  return grid;
}

function product(grid: Readonly<Record<string, readonly unknown[]>>): Record<string, unknown>[] {
  let acc: Record<string, unknown>[] = [{}];
  for (const [k, vs] of Object.entries(grid)) acc = acc.flatMap((a) => vs.map((v) => ({ ...a, [k]: v })));
  return acc;
}

/**
 * Expands experiments × grid settings × seeds into jobs, validating everything before any job runs:
 * unknown experiments, a grid key an experiment does not know, a value its schema rejects (each a
 * one-line {@link UsageError} naming the experiment and key). Duplicate jobs (same identity) collapse.
 */
export function planSweep(
  index: Map<string, RegisteredExperiment>,
  ids: readonly string[],
  preset: string,
  grid: Readonly<Record<string, readonly unknown[]>>,
  seeds: readonly number[] | null,
): SweepJob[] {
  const jobs = new Map<string, SweepJob>();
  for (const id of [...new Set(ids)]) {
    const reg = findExperiment(index, id);
    const e: Experiment = reg.experiment;
    const keys = Object.keys(e.schema.shape);
    for (const k of Object.keys(grid))
      if (!keys.includes(k))
        throw new UsageError(
          `--grid key '${k}' is not a config key of ${id}${didYouMean(k, keys)} (keys: ${keys.join(', ')})`,
        );
    for (const overrides of product(grid)) {
      const config = planConfig(e, preset, overrides);
      const hash = configHash(config);
      for (const seed of seedsFor(e, preset, seeds)) {
        const key = `${id}|${hash.slice(0, 16)}|${seed}`;
        if (!jobs.has(key))
          jobs.set(key, {
            key,
            experiment: id,
            packageName: reg.packageName,
            preset,
            overrides,
            config,
            configHash: hash,
            seed,
          });
      }
    }
  }
  return [...jobs.values()];
}
