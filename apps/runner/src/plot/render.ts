import type { PlotSpec } from '@paperkit/tensor-core';
import * as vega from 'vega';
import { compile } from 'vega-lite';
import { toVegaLite } from './vega-lite.js';

const silentLogger = {
  level: () => silentLogger,
  error: (...args: readonly unknown[]) => {
    throw new Error(`vega-lite: ${args.map(String).join(' ')}`);
  },
  warn: () => silentLogger,
  info: () => silentLogger,
  debug: () => silentLogger,
} as never;

/**
 * Renders a plot spec to a standalone SVG document through Vega-Lite (headless: no canvas, no DOM,
 * no network; text is measured by vega's estimator and drawn with the bundled DejaVu Sans by resvg).
 */
export async function renderSvg(spec: PlotSpec): Promise<string> {
  // Vega-Lite's warnings (e.g. a dropped scale property) go to a silent logger: the spec is ours.
  const compiled = compile(toVegaLite(spec) as never, { logger: silentLogger }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** A file stem for a plot id: letters, digits, `-` and `_` only (anything else becomes `-`). */
export function plotFileStem(id: string, index: number): string {
  const stem = String(id ?? '')
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return stem.length > 0 ? stem : `plot-${index}`;
}
