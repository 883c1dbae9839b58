/**
 * The run manifest's schema, without Node imports: the runner validates folders with it and the
 * browser playground writes manifests that `paperkit report` accepts.
 */
import { z } from 'zod';

/** Version of the manifest layout; bump when a field changes meaning. */
export const MANIFEST_SCHEMA_VERSION = 2;

/** Lifecycle of a run as recorded in its manifest. */
export type RunStatus = 'running' | 'completed' | 'failed' | 'aborted';

const memory = z.object({ numTensors: z.number(), numBytes: z.number(), numDataBuffers: z.number() });

/**
 * `manifest.json`: everything needed to know what produced a run folder. Read back through this
 * schema, so a damaged or planted manifest is reported by field instead of crashing a report.
 */
export const manifestSchema = z.object({
  schemaVersion: z.literal(MANIFEST_SCHEMA_VERSION),
  /** Unique id of this attempt (random UUID). */
  runId: z.string().min(1),
  /** Experiment id, e.g. `demo/mnist-mlp`. */
  experiment: z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/),
  /** Experiment title and formatted paper, copied so a report needs no registry. */
  title: z.string(),
  paper: z.string(),
  /** `name@version` of the package that defines the experiment. */
  package: z.string(),
  /** sha256 of the canonical resolved config (config.json). */
  configHash: z.string().regex(/^[0-9a-f]{64}$/),
  seed: z.number().int().min(0),
  preset: z.string(),
  /** Config keys overridden with `--set`. */
  overrides: z.record(z.string(), z.unknown()),
  /** Backend label from initBackend, e.g. `wasm` or `wasm+blas`. */
  backend: z.string(),
  /** BLAS threads when native kernels are registered, else null (part of the run identity). */
  blasThreads: z.number().int().nullable(),
  /** The backend folder name: label plus BLAS threads. */
  backendId: z.string(),
  tfjsVersion: z.string(),
  node: z.string(),
  platform: z.string(),
  arch: z.string(),
  /** `git rev-parse HEAD` of the working directory, or null outside a git checkout. */
  gitSha: z.string().nullable(),
  /** Whether the checkout had uncommitted changes; null when unknown. */
  gitDirty: z.boolean().nullable(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  wallMs: z.number().nullable(),
  finalMemory: memory.nullable(),
  status: z.enum(['running', 'completed', 'failed', 'aborted']),
  /** One-line reason for failed/aborted runs, else null. */
  error: z.string().nullable(),
  /** Non-fatal problems. */
  warnings: z.array(z.string()),
  /** Cells of the seed: how many the config has, which completed, which were reused from `resumedFrom`. */
  cells: z.object({
    total: z.number().int().min(0),
    completed: z.array(z.string()),
    reused: z.array(z.string()),
  }),
  /** runId of the interrupted attempt whose completed cells this run reused, or null. */
  resumedFrom: z.string().nullable(),
});

/** `manifest.json`. */
export type RunManifest = z.infer<typeof manifestSchema>;

/** `tf.memory()` at the end of a run (the fields every backend reports). */
export type MemorySnapshot = z.infer<typeof memory>;

/** Validates a parsed manifest; the error names the first bad field. */
export function parseManifest(v: unknown): { ok: true; value: RunManifest } | { ok: false; error: string } {
  const r = manifestSchema.safeParse(v);
  if (r.success) return { ok: true, value: r.data };
  const i = r.error.issues[0]!;
  return { ok: false, error: `field '${i.path.map(String).join('.') || '(root)'}': ${i.message}` };
}
