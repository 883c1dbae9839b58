import { defaultSeeds, type Experiment, formatCitation, resolveConfig } from '@paperkit/tensor-core';
import { z } from 'zod';
import type { ExperimentMeta, FieldError } from '../shared/protocol.js';

/** The preset a page runs by default: the browser-sized one when the experiment declares it. */
export function defaultPreset(e: Experiment): string {
  return Object.hasOwn(e.presets, 'browser') ? 'browser' : 'quick';
}

function jsonSchemaOf(e: Experiment): Record<string, unknown> | null {
  try {
    // Input side: the form edits what the user types, before the schema's transforms.
    return z.toJSONSchema(e.schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** An experiment as plain data for the page: presets with their resolved configs, the schema, metrics. */
export function describeExperiment(e: Experiment): ExperimentMeta {
  return {
    id: e.id,
    title: e.title,
    paper: formatCitation(e.paper),
    headline: e.headline === true,
    deterministic: e.deterministic === true,
    presets: Object.keys(e.presets).map((name) => ({
      name,
      config: resolveConfig(e, name) as Record<string, unknown>,
      seeds: defaultSeeds(e, name),
    })),
    defaultPreset: defaultPreset(e),
    jsonSchema: jsonSchemaOf(e),
    metrics: e.metrics,
    notes: e.notes ?? [],
  };
}

function shown(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

/**
 * Validates a preset plus the fields the user changed with the experiment's own schema (as
 * `resolveConfig` does), returning every rejected field with its value and what is allowed.
 */
export function validateConfig(
  e: Experiment,
  preset: string,
  overrides: Readonly<Record<string, unknown>>,
): { ok: true; config: Record<string, unknown> } | { ok: false; errors: FieldError[] } {
  if (!Object.hasOwn(e.presets, preset))
    return {
      ok: false,
      errors: [
        {
          field: 'preset',
          message: `preset = ${shown(preset)}: one of ${Object.keys(e.presets).join(', ')}`,
        },
      ],
    };
  const keys = Object.keys(e.schema.shape);
  const unknown = Object.keys(overrides).filter((k) => !keys.includes(k));
  if (unknown.length > 0)
    return {
      ok: false,
      errors: unknown.map((k) => ({ field: k, message: `${k}: not a config field (${keys.join(', ')})` })),
    };
  const merged = {
    ...(e.base as object),
    ...((e.presets as Record<string, object>)[preset] ?? {}),
    ...overrides,
  } as Record<string, unknown>;
  const r = e.schema.safeParse(merged);
  if (r.success) return { ok: true, config: r.data as Record<string, unknown> };
  const errors: FieldError[] = [];
  for (const issue of r.error.issues) {
    const field = issue.path.length > 0 ? String(issue.path[0]) : '(config)';
    if (errors.some((x) => x.field === field)) continue;
    const at = issue.path.map(String).join('.');
    const value = issue.path.reduce<unknown>(
      (v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined),
      merged,
    );
    errors.push({ field, message: `${at || field} = ${shown(value)}: ${issue.message}` });
  }
  return { ok: false, errors };
}
