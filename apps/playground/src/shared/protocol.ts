import type {
  BackendInfo,
  BackendPreference,
  CellParams,
  CellResult,
  CellStatistic,
  ClaimResult,
  MetricSpec,
  PlotSpec,
} from '@paperkit/tensor-core';

/** One preset of an experiment as the form shows it. */
export interface PresetMeta {
  readonly name: string;
  /** The resolved config (base ⊕ preset), already validated by the experiment's schema. */
  readonly config: Record<string, unknown>;
  /** Seeds the runner uses for this preset when the user gives none. */
  readonly seeds: number;
}

/** An experiment as data the page can render (no functions: it crosses the worker boundary). */
export interface ExperimentMeta {
  readonly id: string;
  readonly title: string;
  readonly paper: string;
  readonly headline: boolean;
  readonly deterministic: boolean;
  readonly presets: readonly PresetMeta[];
  /** The preset the page runs by default: `browser` when the experiment has one, else `quick`. */
  readonly defaultPreset: string;
  /** JSON Schema of the config (zod's `toJSONSchema`, input side), or null when it cannot be expressed. */
  readonly jsonSchema: Record<string, unknown> | null;
  readonly metrics: Readonly<Record<string, MetricSpec>>;
  readonly notes: readonly string[];
}

/** A package's experiments, or why they cannot load in a browser. */
export type PackageMeta =
  | {
      readonly ok: true;
      readonly name: string;
      readonly version: string;
      readonly experiments: readonly ExperimentMeta[];
    }
  | { readonly ok: false; readonly name: string; readonly version: string; readonly error: string };

/** A claim as data: its declaration beside its verdict (the runner's `summary.json` form). */
export type ClaimData = ClaimResult;

/** tensor-core's `summarizeExperiment` as plain data. */
export interface SummaryData {
  readonly statistics: readonly CellStatistic[];
  readonly claims: readonly ClaimData[];
  readonly plots: readonly PlotSpec[];
  readonly plotErrors: readonly { readonly id: string; readonly error: string }[];
}

/** One completed cell of one seed. */
export interface CellData {
  readonly seed: number;
  readonly key: string;
  readonly label: string;
  readonly params: CellParams;
  readonly result: CellResult;
  readonly wallMs: number;
}

/** One `ctx.log` record (a line of `metrics.jsonl`). */
export interface LogData {
  readonly seed: number;
  readonly cell: string;
  readonly step: number;
  readonly values: Readonly<Record<string, number | string>>;
}

/** How one seed ended. */
export interface SeedEnd {
  readonly seed: number;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly wallMs: number;
  readonly finalMemory: { numTensors: number; numBytes: number; numDataBuffers: number };
  readonly leaked: number;
}

/** A request to run one experiment over seeds. */
export interface RunRequest {
  readonly runId: number;
  readonly pkg: string;
  readonly experiment: string;
  readonly preset: string;
  /** Config fields changed from the preset (validated by the experiment's schema in the worker). */
  readonly overrides: Readonly<Record<string, unknown>>;
  readonly seeds: readonly number[];
}

/** Page → worker. */
export type ToWorker =
  | {
      readonly type: 'init';
      readonly backend: BackendPreference;
      /** Absolute URL prefix of the site's `wasm/` folder. */
      readonly wasmBase: string;
      /** Absolute URL prefix of the site's `checkpoints/` folder. */
      readonly checkpointBase: string;
    }
  | { readonly type: 'describe'; readonly pkg: string }
  | ({ readonly type: 'run' } & RunRequest)
  | { readonly type: 'stop' };

/** A field the experiment's schema rejected: the field, the value and what is allowed. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** Worker → page. */
export type FromWorker =
  | { readonly type: 'ready'; readonly backend: BackendInfo }
  | { readonly type: 'init-failed'; readonly error: string }
  | { readonly type: 'described'; readonly meta: PackageMeta }
  | { readonly type: 'invalid'; readonly runId: number; readonly errors: readonly FieldError[] }
  | {
      readonly type: 'started';
      readonly runId: number;
      readonly config: Record<string, unknown>;
      readonly configHash: string;
      readonly cells: number;
    }
  | {
      readonly type: 'progress';
      readonly runId: number;
      readonly seed: number;
      readonly label: string;
      readonly done: number;
      readonly total: number;
      readonly status: string;
    }
  | { readonly type: 'logs'; readonly runId: number; readonly logs: readonly LogData[] }
  | {
      readonly type: 'cell';
      readonly runId: number;
      readonly cell: CellData;
      /** Summary over the cells completed so far (live claims and plots). */
      readonly summary: SummaryData;
    }
  | { readonly type: 'seed-done'; readonly runId: number; readonly end: SeedEnd }
  | { readonly type: 'done'; readonly runId: number; readonly summary: SummaryData; readonly wallMs: number }
  | { readonly type: 'aborted'; readonly runId: number }
  | { readonly type: 'failed'; readonly runId: number; readonly error: string };
