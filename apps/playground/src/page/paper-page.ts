import type { BackendPreference } from '@paperkit/tensor-core';
import type {
  CellData,
  ExperimentMeta,
  FieldError,
  FromWorker,
  LogData,
  PackageMeta,
  SeedEnd,
  SummaryData,
} from '../shared/protocol.js';
import { type LazyPackage, packageBySlug } from '../shared/registry.js';
import { byId, h } from './dom.js';
import { ConfigForm } from './form.js';
import { liveLogPlot, PlotPanel, plotSvg } from './plots.js';
import { saveLastRun } from './results-store.js';
import { runFolderZip } from './run-zip.js';
import { claimsTable, resultsTable } from './tables.js';
import { ExperimentWorker } from './worker-client.js';

const BACKENDS: readonly BackendPreference[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

/** The page's state, mirrored on `<body data-state>` (styles and the browser tests read it). */
type State = 'loading' | 'ready' | 'running' | 'stopping' | 'done' | 'stopped' | 'failed' | 'unavailable';

interface Run {
  readonly id: number;
  readonly experiment: ExperimentMeta;
  readonly preset: string;
  readonly overrides: Record<string, unknown>;
  readonly seeds: readonly number[];
  readonly t0: number;
  config: Record<string, unknown> | null;
  configHash: string;
  cellCount: number;
  cells: CellData[];
  logs: LogData[];
  ends: SeedEnd[];
  summary: SummaryData | null;
  wallMs: number | null;
  aborted: (() => void) | null;
}

class PaperPage {
  private readonly pkg: LazyPackage;
  private readonly worker: ExperimentWorker;
  private meta: PackageMeta | null = null;
  private experiment: ExperimentMeta | null = null;
  private form: ConfigForm | null = null;
  private run: Run | null = null;
  private runs = 0;
  private backendLabel = '';
  private tfjsVersion = '';
  private readonly live = new PlotPanel('Live training curves', 400);
  private readonly plots = new PlotPanel('Plots of the results', 600);

  constructor(pkg: LazyPackage, backend: BackendPreference) {
    this.pkg = pkg;
    this.worker = new ExperimentWorker(backend, (m) => this.onMessage(m));
    this.worker.send({ type: 'describe', pkg: pkg.name });
    byId('live-plots').append(this.live.element);
    byId('result-plots').append(this.plots.element);
    const select = byId<HTMLSelectElement>('backend-choice');
    for (const b of BACKENDS) select.append(h('option', { value: b, selected: b === backend }, b));
    select.addEventListener('change', () => {
      const url = new URL(location.href);
      url.searchParams.set('backend', select.value);
      location.assign(url.href);
    });
    byId('run').addEventListener('click', () => this.start());
    byId('stop').addEventListener('click', () => void this.stop());
    byId('restart').addEventListener('click', () => void this.restart());
    byId('download').addEventListener('click', () => void this.download());
    this.setState('loading');
  }

  private setState(s: State): void {
    document.body.dataset.state = s;
    const running = s === 'running' || s === 'stopping';
    byId<HTMLButtonElement>('run').disabled = running || s === 'loading' || s === 'unavailable';
    byId<HTMLButtonElement>('stop').disabled = s !== 'running';
    byId<HTMLButtonElement>('restart').disabled = s === 'loading' || s === 'unavailable' || s === 'stopping';
    byId<HTMLButtonElement>('download').disabled = s !== 'done';
    this.form?.setDisabled(running);
    for (const id of ['experiment-choice', 'preset-choice', 'seed-first', 'seed-count'])
      byId<HTMLInputElement>(id).disabled = running || s === 'unavailable';
  }

  private status(text: string): void {
    byId('status').textContent = text;
  }

  private onMessage(m: FromWorker): void {
    const r = this.run;
    switch (m.type) {
      case 'ready':
        this.backendLabel = m.backend.label;
        this.tfjsVersion = m.backend.tfjsVersion;
        byId('backend').textContent = m.backend.label;
        byId('backend').dataset.backend = m.backend.name;
        byId('backend-skipped').textContent = m.backend.skipped.length
          ? `(not available here: ${m.backend.skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')})`
          : '';
        return;
      case 'init-failed':
        byId('backend').textContent = `none (${m.error})`;
        if (r) this.finishFailed(m.error);
        return;
      case 'described':
        this.described(m.meta);
        return;
    }
    if (!r || m.runId !== r.id) return;
    switch (m.type) {
      case 'invalid':
        this.form?.showErrors(m.errors);
        this.seedErrors([]);
        this.run = null;
        this.status(`Not run: ${m.errors.map((e) => e.message).join('; ')}`);
        this.setState('ready');
        return;
      case 'started':
        r.config = m.config;
        r.configHash = m.configHash;
        r.cellCount = m.cells;
        this.status(
          `Running ${r.experiment.id} (${r.preset}), ${r.seeds.length} seed(s) × ${m.cells} cell(s)…`,
        );
        return;
      case 'progress': {
        const bar = byId<HTMLProgressElement>('progress');
        const doneCells = r.cells.length;
        const total = r.cellCount * r.seeds.length || 1;
        const within = m.total > 0 ? m.done / m.total : 0;
        bar.value = Math.min(1, (doneCells + within) / total);
        byId('progress-text').textContent =
          `seed ${m.seed}: ${m.label} ${m.total > 0 ? `${m.done}/${m.total}` : ''} ${m.status}`;
        return;
      }
      case 'logs':
        r.logs.push(...m.logs);
        {
          const spec = liveLogPlot(r.logs);
          if (spec) this.live.show([spec]);
        }
        return;
      case 'cell':
        r.cells.push(m.cell);
        r.summary = m.summary;
        this.showSummary(m.summary, false);
        this.plots.show(m.summary.plots);
        this.status(
          `Completed ${r.cells.length} of ${r.cellCount * r.seeds.length} cells (seed ${m.cell.seed}, ${m.cell.label || m.cell.key}).`,
        );
        return;
      case 'seed-done':
        r.ends.push(m.end);
        return;
      case 'done':
        void this.finishDone(r, m.summary, m.wallMs);
        return;
      case 'aborted':
        r.aborted?.();
        return;
      case 'failed':
        this.finishFailed(m.error);
        return;
    }
  }

  private described(meta: PackageMeta): void {
    this.meta = meta;
    if (!meta.ok) {
      const box = byId('unavailable');
      box.hidden = false;
      box.textContent = `${meta.name} cannot run in this browser: ${meta.error}`;
      this.status('Unavailable in the browser.');
      this.setState('unavailable');
      return;
    }
    const choice = byId<HTMLSelectElement>('experiment-choice');
    const list = [...meta.experiments].sort((a, b) => Number(b.headline) - Number(a.headline));
    for (const e of list)
      choice.append(h('option', { value: e.id }, `${e.id}${e.headline ? ' (headline)' : ''}: ${e.title}`));
    const wanted = new URL(location.href).searchParams.get('experiment');
    choice.value = list.find((e) => e.id === wanted)?.id ?? list[0]!.id;
    choice.addEventListener('change', () => this.selectExperiment(choice.value, null));
    byId<HTMLSelectElement>('preset-choice').addEventListener('change', (ev) =>
      this.selectPreset((ev.target as HTMLSelectElement).value),
    );
    this.selectExperiment(choice.value, new URL(location.href).searchParams.get('preset'));
    this.setState('ready');
    this.status('Ready.');
  }

  private selectExperiment(id: string, preset: string | null): void {
    if (!this.meta?.ok) return;
    const e = this.meta.experiments.find((x) => x.id === id)!;
    this.experiment = e;
    byId('paper').textContent = e.paper;
    byId('experiment-title').textContent = e.title;
    byId('notes').replaceChildren(...e.notes.map((n) => h('li', {}, n)));
    const presets = byId<HTMLSelectElement>('preset-choice');
    presets.replaceChildren(...e.presets.map((p) => h('option', { value: p.name }, p.name)));
    presets.value = e.presets.some((p) => p.name === preset) ? preset! : e.defaultPreset;
    this.form?.element.remove();
    this.form = new ConfigForm(e.jsonSchema);
    byId('config').append(this.form.element);
    this.selectPreset(presets.value);
  }

  private selectPreset(name: string): void {
    const p = this.experiment?.presets.find((x) => x.name === name);
    if (!p || !this.form) return;
    this.form.fill(p);
    byId<HTMLInputElement>('seed-count').value = String(p.seeds);
    byId<HTMLInputElement>('seed-first').value = '0';
  }

  private seedErrors(errors: readonly FieldError[]): void {
    byId('seed-error').textContent = errors.map((e) => e.message).join('; ');
  }

  private readSeeds(): number[] | null {
    const first = Number(byId<HTMLInputElement>('seed-first').value);
    const count = Number(byId<HTMLInputElement>('seed-count').value);
    const errors: FieldError[] = [];
    if (!Number.isInteger(first) || first < 0)
      errors.push({
        field: 'seed',
        message: `first seed = ${byId<HTMLInputElement>('seed-first').value}: an integer ≥ 0`,
      });
    if (!Number.isInteger(count) || count < 1 || count > 100)
      errors.push({
        field: 'seeds',
        message: `seeds = ${byId<HTMLInputElement>('seed-count').value}: an integer in [1, 100]`,
      });
    this.seedErrors(errors);
    if (errors.length > 0) {
      byId<HTMLInputElement>(errors[0]!.field === 'seed' ? 'seed-first' : 'seed-count').focus();
      return null;
    }
    return Array.from({ length: count }, (_, i) => first + i);
  }

  /** Validates the form in the worker and runs the experiment over the seeds. */
  start(): void {
    const e = this.experiment;
    if (!e || !this.form || this.run?.wallMs === null) return;
    const seeds = this.readSeeds();
    if (!seeds) return;
    const preset = byId<HTMLSelectElement>('preset-choice').value;
    const overrides = this.form.overrides();
    this.form.showErrors([]);
    const run: Run = {
      id: ++this.runs,
      experiment: e,
      preset,
      overrides,
      seeds,
      t0: performance.now(),
      config: null,
      configHash: '',
      cellCount: 0,
      cells: [],
      logs: [],
      ends: [],
      summary: null,
      wallMs: null,
      aborted: null,
    };
    this.run = run;
    this.live.clear();
    this.plots.clear();
    byId('claims').replaceChildren();
    byId('results').replaceChildren();
    byId<HTMLProgressElement>('progress').value = 0;
    byId('progress-text').textContent = '';
    byId('timing').textContent = '';
    this.setState('running');
    this.status(`Starting ${e.id} (${preset})…`);
    this.worker.send({
      type: 'run',
      runId: run.id,
      pkg: this.pkg.name,
      experiment: e.id,
      preset,
      overrides,
      seeds,
    });
  }

  /** Stops the running experiment (within a second: see ExperimentWorker.stop). */
  async stop(): Promise<void> {
    const r = this.run;
    if (!r || r.wallMs !== null || document.body.dataset.state !== 'running') return;
    this.setState('stopping');
    const t = performance.now();
    const aborted = new Promise<void>((resolve) => {
      r.aborted = resolve;
    });
    const how = await this.worker.stop(aborted);
    r.wallMs = performance.now() - r.t0;
    this.live.clear();
    this.status(
      `Stopped after ${(r.wallMs / 1000).toFixed(1)} s (${how === 'aborted' ? 'at an abort point' : 'experiment thread replaced'} in ${Math.round(performance.now() - t)} ms); ${r.cells.length} cell(s) had completed.`,
    );
    this.setState('stopped');
  }

  /** Stops a running experiment if any, then runs again with the form's current values. */
  async restart(): Promise<void> {
    if (document.body.dataset.state === 'running') await this.stop();
    this.start();
  }

  private showSummary(s: SummaryData, final: boolean): void {
    byId('claims').replaceChildren(claimsTable(s.claims, final));
    if (this.experiment) byId('results').replaceChildren(resultsTable(s, this.experiment.metrics));
  }

  private async finishDone(r: Run, summary: SummaryData, workerMs: number): Promise<void> {
    r.summary = summary;
    r.wallMs = performance.now() - r.t0;
    // For the browser tests, which compare the page's numbers with the Node run's.
    (window as unknown as { __lastSummary?: SummaryData }).__lastSummary = summary;
    this.live.clear();
    byId<HTMLProgressElement>('progress').value = 1;
    this.showSummary(summary, true);
    await this.plots.flush(summary.plots);
    const counts = { holds: 0, fails: 0, inconclusive: 0 };
    for (const c of summary.claims) counts[c.verdict.status]++;
    const timing = byId('timing');
    timing.textContent = `${r.experiment.id} (${r.preset}, ${r.seeds.length} seed(s)) finished in ${(r.wallMs / 1000).toFixed(1)} s on ${this.backendLabel}.`;
    timing.dataset.wallMs = String(Math.round(r.wallMs));
    timing.dataset.workerMs = String(workerMs);
    timing.dataset.configHash = r.configHash;
    timing.dataset.experiment = r.experiment.id;
    timing.dataset.preset = r.preset;
    timing.dataset.seeds = r.seeds.join(',');
    this.status(
      `Done: ${counts.holds} claim(s) hold, ${counts.fails} fail, ${counts.inconclusive} inconclusive.`,
    );
    saveLastRun(this.pkg.name, {
      experiment: r.experiment.id,
      preset: r.preset,
      backend: this.backendLabel,
      wallMs: Math.round(r.wallMs),
      verdicts: summary.claims.map((c) => ({ claim: c.id, status: c.verdict.status })),
      at: new Date().toISOString(),
    });
    this.setState('done');
  }

  private finishFailed(error: string): void {
    if (this.run) this.run.wallMs = performance.now() - this.run.t0;
    this.live.clear();
    this.status(`Failed: ${error}`);
    this.setState('failed');
  }

  /** Zips the finished run as the runner's run folders and hands it to the browser as a download. */
  private async download(): Promise<void> {
    const r = this.run;
    if (!r?.summary || !r.config || !this.meta?.ok) return;
    const plots = [];
    for (const spec of r.summary.plots) plots.push({ spec, svg: await plotSvg(spec) });
    const zip = runFolderZip({
      experiment: r.experiment.id,
      title: r.experiment.title,
      paper: r.experiment.paper,
      packageSpec: `${this.meta.name}@${this.meta.version}`,
      preset: r.preset,
      overrides: r.overrides,
      config: r.config,
      configHash: r.configHash,
      backend: { label: this.backendLabel, tfjsVersion: this.tfjsVersion },
      deterministic: r.experiment.deterministic,
      metrics: r.experiment.metrics,
      cells: r.cells,
      logs: r.logs,
      seeds: r.ends,
      statistics: r.summary.statistics,
      claims: r.summary.claims,
      plots,
      notes: r.experiment.notes,
      order: [...new Set(r.cells.map((c) => c.key))],
    });
    const url = URL.createObjectURL(new Blob([zip as BlobPart], { type: 'application/zip' }));
    const a = h('a', {
      href: url,
      download: `${r.experiment.id.replace('/', '-')}-${r.configHash.slice(0, 8)}.zip`,
    });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
}

const params = new URL(location.href).searchParams;
const slug = params.get('pkg') ?? '';
const pkg = packageBySlug(slug);
const backendParam = params.get('backend') ?? 'auto';
const backend = (BACKENDS as readonly string[]).includes(backendParam)
  ? (backendParam as BackendPreference)
  : 'auto';
if (!pkg) {
  document.body.dataset.state = 'unavailable';
  byId('unavailable').hidden = false;
  byId('unavailable').textContent = `No registered package '${slug}'.`;
} else {
  document.title = `${pkg.name} — paperkit playground`;
  byId('package-name').textContent = pkg.name;
  new PaperPage(pkg, backend);
}
