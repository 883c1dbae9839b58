import type { LinePlot, PlotSpec } from '@paperkit/tensor-core';
import { toVegaLite } from '../../../runner/src/plot/vega-lite.js';
import type { LogData } from '../shared/protocol.js';
import { h } from './dom.js';

type Vega = typeof import('vega');
type VegaLite = typeof import('vega-lite');

let libs: Promise<{ vega: Vega; vl: VegaLite }> | null = null;

/** vega and vega-lite load on the first plot, so the page shell stays small. */
function loadLibs(): Promise<{ vega: Vega; vl: VegaLite }> {
  libs ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vl]) => ({ vega, vl }));
  return libs;
}

const quietLogger = {
  level: () => quietLogger,
  error: (...args: readonly unknown[]) => {
    throw new Error(`vega-lite: ${args.map(String).join(' ')}`);
  },
  warn: () => quietLogger,
  info: () => quietLogger,
  debug: () => quietLogger,
};

/**
 * Renders a plot spec into `container` as SVG, through the runner's own Vega-Lite translation
 * (`apps/runner/src/plot/vega-lite.ts`), so the page shows the report's plots. Returns a disposer.
 */
export async function renderPlot(spec: PlotSpec, container: HTMLElement): Promise<() => void> {
  const { vega, vl } = await loadLibs();
  const compiled = vl.compile(toVegaLite(spec) as never, { logger: quietLogger as never }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'svg', container, hover: true });
  await view.runAsync();
  const svg = container.querySelector('svg');
  if (svg) {
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', `${spec.title}. ${spec.caption}`);
  }
  return () => view.finalize();
}

/** A plot spec to a standalone SVG document (for the run-folder zip). */
export async function plotSvg(spec: PlotSpec): Promise<string> {
  const { vega, vl } = await loadLibs();
  const compiled = vl.compile(toVegaLite(spec) as never, { logger: quietLogger as never }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const LIVE_SERIES = 4;

/**
 * A line plot of what the running cell has logged so far (`ctx.log`: the lines of `metrics.jsonl`),
 * one series per numeric key (at most four), against the step. Null before any numeric record.
 */
export function liveLogPlot(logs: readonly LogData[]): LinePlot | null {
  const last = logs.at(-1);
  if (!last) return null;
  const mine = logs.filter((l) => l.seed === last.seed && l.cell === last.cell);
  const keys = [...new Set(mine.flatMap((l) => Object.keys(l.values)))]
    .filter((k) => mine.some((l) => typeof l.values[k] === 'number'))
    .slice(0, LIVE_SERIES);
  if (keys.length === 0) return null;
  const series = keys.map((k) => {
    const pts = mine.filter((l) => typeof l.values[k] === 'number' && Number.isFinite(l.values[k]));
    return { name: k, x: pts.map((l) => l.step), y: pts.map((l) => l.values[k] as number) };
  });
  return {
    kind: 'line',
    id: 'live',
    title: `Live: cell ${last.cell}, seed ${last.seed}`,
    caption: 'What the running cell logs as it trains (ctx.log), updated as records arrive.',
    x: { label: 'step' },
    y: { label: 'value' },
    series,
  };
}

/**
 * A set of plots that re-renders when new specs arrive, at most every `intervalMs` (the last
 * request always renders), disposing the previous views.
 */
export class PlotPanel {
  readonly element: HTMLElement;
  private disposers: (() => void)[] = [];
  private pending: readonly PlotSpec[] | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private rendering: Promise<void> = Promise.resolve();
  private readonly intervalMs: number;

  constructor(label: string, intervalMs = 500) {
    this.element = h('section', { class: 'plots', 'aria-label': label });
    this.intervalMs = intervalMs;
  }

  /** Schedules a render of `specs`. */
  show(specs: readonly PlotSpec[]): void {
    this.pending = specs;
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const specs = this.pending;
      this.pending = null;
      if (specs) this.rendering = this.rendering.then(() => this.render(specs));
    }, this.intervalMs);
  }

  /** Renders now (awaitable): the final plots of a run. */
  async flush(specs: readonly PlotSpec[]): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
    this.rendering = this.rendering.then(() => this.render(specs));
    await this.rendering;
  }

  /** Removes every plot. */
  clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
    for (const d of this.disposers) d();
    this.disposers = [];
    this.element.replaceChildren();
  }

  private async render(specs: readonly PlotSpec[]): Promise<void> {
    const next: (() => void)[] = [];
    const figures: HTMLElement[] = [];
    for (const spec of specs) {
      const box = h('div', { class: 'plot' });
      const figure = h('figure', { 'data-plot': spec.id }, box);
      figures.push(figure);
      try {
        next.push(await renderPlot(spec, box));
      } catch (err) {
        box.textContent = `plot '${spec.id}' could not be drawn: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    for (const d of this.disposers) d();
    this.disposers = next;
    this.element.replaceChildren(...figures);
  }
}
