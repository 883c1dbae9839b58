import type { ImageGridPlot } from '@paperkit/tensor-core';
import { checkInteger, PaperkitInputError } from '@paperkit/tensor-core';
import { grayColor } from './colors.js';
import { drawTitle, FONT } from './frame.js';
import { el, svgDocument, text, truncate } from './svg.js';

// Odd count so that the middle level (0 on a diverging scale) is exactly mid grey.
const LEVELS = 65;

/**
 * Draws one image as runs of equal (quantised) gray level, over a background rectangle of its most
 * common level; MNIST-like images then need a few dozen rectangles instead of one per pixel.
 */
function drawImage(levels: Uint8Array, w: number, h: number, x0: number, y0: number, scale: number): string {
  const counts = new Uint32Array(LEVELS);
  for (const l of levels) counts[l]!++;
  let bg = 0;
  for (let l = 1; l < LEVELS; l++) if (counts[l]! > counts[bg]!) bg = l;
  const shade = (l: number) => grayColor(l / (LEVELS - 1));
  let s = el('rect', { x: x0, y: y0, width: w * scale, height: h * scale, fill: shade(bg) });
  for (let r = 0; r < h; r++) {
    let c = 0;
    while (c < w) {
      const l = levels[r * w + c]!;
      let end = c + 1;
      while (end < w && levels[r * w + end] === l) end++;
      if (l !== bg)
        s += el('rect', {
          x: x0 + c * scale,
          y: y0 + r * scale,
          width: (end - c) * scale,
          height: scale,
          fill: shade(l),
        });
      c = end;
    }
  }
  return s;
}

/**
 * Renders a grid of grayscale images with captions. One scale spans all images so they compare:
 * `sequential` maps the smallest value to black and the largest to white; `diverging` maps 0 to mid
 * grey and ±max|v| to black/white (signed weights).
 */
export function renderImages(spec: ImageGridPlot): string {
  checkInteger(`plot ${spec.id}: width`, spec.width, 1);
  checkInteger(`plot ${spec.id}: height`, spec.height, 1);
  const n = spec.images.length;
  spec.images.forEach((img, i) => {
    if (img.length !== spec.width * spec.height)
      throw new PaperkitInputError(
        `plot ${spec.id}: images[${i}]`,
        img.length,
        `width × height = ${spec.width * spec.height} values`,
      );
  });
  const columns = Math.max(1, Math.min(n || 1, spec.columns ?? Math.ceil(Math.sqrt(n || 1))));
  const rows = Math.max(1, Math.ceil(n / columns));
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const img of spec.images)
    for (const v of img)
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
  if (!(hi >= lo)) [lo, hi] = [0, 1];
  const diverging = spec.scale === 'diverging';
  const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  const toT = (v: number) => (diverging ? 0.5 + (0.5 * v) / m : hi > lo ? (v - lo) / (hi - lo) : 0.5);

  // Pixel scale: as large as fits ~720 px of width, between 1 and 8 screen pixels per image pixel.
  const scale = Math.max(1, Math.min(8, Math.floor(720 / (columns * (spec.width + 2)))));
  const iw = spec.width * scale;
  const ih = spec.height * scale;
  const hasCaptions = (spec.captions?.length ?? 0) > 0;
  const gap = 10;
  const cellW = Math.max(iw, 40) + gap;
  const capSize = FONT.tick - 1;
  const cellH = ih + (hasCaptions ? capSize + 8 : 0) + gap;
  const left = 16;
  const top = 48;
  const width = Math.max(left * 2 + columns * cellW - gap, 320);
  const height = top + rows * cellH + 8;
  const maxCapChars = Math.max(3, Math.floor(cellW / (capSize * 0.6)));
  let body = drawTitle({ width, height, left, right: 0, top, bottom: 0 }, spec.title);
  let imgs = '';
  spec.images.forEach((img, i) => {
    const r = Math.floor(i / columns);
    const c = i % columns;
    const x0 = left + c * cellW + (cellW - gap - iw) / 2;
    const y0 = top + r * cellH;
    const levels = new Uint8Array(img.length);
    for (let k = 0; k < img.length; k++) {
      const t = Number.isFinite(img[k]!) ? toT(img[k]!) : 0;
      levels[k] = Math.round(Math.min(1, Math.max(0, t)) * (LEVELS - 1));
    }
    imgs += drawImage(levels, spec.width, spec.height, x0, y0, scale);
    imgs += el('rect', {
      x: x0,
      y: y0,
      width: iw,
      height: ih,
      fill: 'none',
      stroke: '#888',
      'stroke-width': 0.5,
    });
    const cap = spec.captions?.[i];
    if (cap !== undefined)
      body += text(x0 + iw / 2, y0 + ih + capSize + 3, truncate(cap, maxCapChars), {
        size: capSize,
        anchor: 'middle',
      });
  });
  if (n === 0)
    body += text(width / 2, top + 20, '(no images)', { size: FONT.label, anchor: 'middle', fill: '#666' });
  return svgDocument(width, height, spec.title, el('g', { 'shape-rendering': 'crispEdges' }, imgs) + body);
}
