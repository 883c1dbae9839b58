import type { PlotSpec } from '@paperkit/tensor-core';
import { PaperkitInputError } from '@paperkit/tensor-core';
import { renderBar } from './bar.js';
import { renderHeatmap } from './heatmap.js';
import { renderImages } from './images.js';
import { renderLine, renderScatter } from './xy.js';

/** Renders any {@link PlotSpec} to a standalone SVG document (no external resources). */
export function renderSvg(spec: PlotSpec): string {
  switch (spec.kind) {
    case 'line':
      return renderLine(spec);
    case 'scatter':
      return renderScatter(spec);
    case 'bar':
      return renderBar(spec);
    case 'heatmap':
      return renderHeatmap(spec);
    case 'images':
      return renderImages(spec);
    default:
      throw new PaperkitInputError(
        'plot.kind',
        (spec as { kind: unknown }).kind,
        'one of line, scatter, bar, heatmap, images',
      );
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
