import type { PlotSpec } from '@paperkit/tensor-core';
import { Resvg } from '@resvg/resvg-js';
import { describe, expect, it } from 'vitest';
import { resvgOptions, svgToPng } from '../src/plot/png.js';
import { plotFileStem, renderSvg } from '../src/plot/render.js';
import { formatNumber, linearTicks, logTicks, makeScale, niceStep } from '../src/plot/scale.js';
import { parseXml, svgTexts } from './xml.js';

const steps = Array.from({ length: 101 }, (_, i) => i);
const SPECS: Record<PlotSpec['kind'], PlotSpec> = {
  line: {
    kind: 'line',
    id: 'loss',
    title: 'Loss <train & test>',
    x: { label: 'step' },
    y: { label: 'loss (nats)', log: true },
    series: [
      {
        name: 'train',
        x: steps,
        y: steps.map((s) => 2 * Math.exp(-s / 30) + 0.01),
        band: steps.map(() => 0.005),
      },
      { name: 'test', x: [0, 50, 100], y: [2.1, Number.NaN, 0.05] },
    ],
    markers: true,
    hlines: [{ y: 0.1, label: 'paper: 0.1' }],
  },
  scatter: {
    kind: 'scatter',
    id: 'sc',
    title: 'Scatter',
    x: { label: 'width' },
    y: { label: 'accuracy' },
    series: [{ name: 'ours', x: [1, 2, 4], y: [0.5, 0.7, 0.9], band: [0.05, 0.05, 0.02] }],
  },
  bar: {
    kind: 'bar',
    id: 'bars',
    title: 'Bars',
    categories: ['SGD', 'Adam'],
    groups: [
      { name: 'ours', values: [0.9, -0.2] },
      { name: 'paper', values: [0.92, 0.95] },
    ],
    y: { label: 'score' },
  },
  heatmap: {
    kind: 'heatmap',
    id: 'hm',
    title: 'Heat',
    rows: 2,
    cols: 3,
    values: [1, 2, 3, 4, 5, Number.NaN],
    xTicks: ['a', 'b', 'c'],
    yTicks: ['r0', 'r1'],
    x: { label: 'column' },
    y: { label: 'row' },
    colorLabel: 'magnitude',
  },
  images: {
    kind: 'images',
    id: 'img',
    title: 'Filters',
    width: 3,
    height: 2,
    images: [
      [0, 1, 0, 1, 0, 1],
      [-1, 0, 1, 0, 0, 0],
    ],
    captions: ['first', 'second'],
    scale: 'diverging',
  },
};

describe('SVG renderer', () => {
  for (const [kind, spec] of Object.entries(SPECS))
    it(`renders a well-formed ${kind} plot with its title and labels`, () => {
      const svg = renderSvg(spec);
      const names = parseXml(svg);
      expect(names[0]).toBe('svg');
      expect(() => new Resvg(svg, resvgOptions(1))).not.toThrow();
      const texts = svgTexts(svg);
      expect(texts).toContain(spec.title);
      if ('x' in spec) expect(texts).toContain(spec.x.label);
      if ('y' in spec) expect(texts).toContain(spec.y.label);
    });

  it('line: log ticks, reference line, legend, broken series and escaped title', () => {
    const svg = renderSvg(SPECS.line);
    expect(svg).toContain('Loss &lt;train &amp; test&gt;');
    const texts = svgTexts(svg);
    for (const t of ['0.01', '0.1', '1', '10', 'paper: 0.1', 'train', 'test']) expect(texts).toContain(t);
    for (const t of ['0', '20', '40', '60', '80', '100']) expect(texts).toContain(t);
    // The test series has a NaN in the middle: its path is two single points (two M, no L), drawn as dots.
    const testPath = [...svg.matchAll(/<path d="([^"]*)" fill="none" stroke="#ff7f0e"/g)][0]![1]!;
    expect(testPath.match(/M/g)!.length).toBe(2);
    expect(testPath).not.toContain('L');
    expect(svg).toContain('stroke-dasharray="6 4"');
  });

  it('bar: categories, legend for groups, a zero line when values change sign', () => {
    const texts = svgTexts(renderSvg(SPECS.bar));
    for (const t of ['SGD', 'Adam', 'ours', 'paper', '0']) expect(texts).toContain(t);
  });

  it('heatmap: tick labels, values in cells of a small matrix, colour bar with label and ticks', () => {
    const svg = renderSvg(SPECS.heatmap);
    const texts = svgTexts(svg);
    for (const t of ['a', 'b', 'c', 'r0', 'r1', 'magnitude', '1', '5']) expect(texts).toContain(t);
    expect(svg).toContain('<linearGradient');
    expect(svg).toContain('fill="#bdbdbd"');
  });

  it('images: diverging scale maps 0 to mid grey, -max to black and +max to white', () => {
    const svg = renderSvg(SPECS.images);
    expect(svg).toContain('fill="#808080"');
    expect(svg).toContain('fill="#000000"');
    expect(svg).toContain('fill="#ffffff"');
    expect(svgTexts(svg)).toEqual(expect.arrayContaining(['first', 'second']));
  });

  it('rejects specs whose arrays disagree, naming the plot', () => {
    expect(() => renderSvg({ ...SPECS.heatmap, values: [1, 2] } as PlotSpec)).toThrow(/plot hm: values/);
    expect(() =>
      renderSvg({
        kind: 'line',
        id: 'l',
        title: 't',
        x: { label: 'x' },
        y: { label: 'y' },
        series: [{ name: 's', x: [1, 2], y: [1] }],
      }),
    ).toThrow(/plot l: series\[0\]/);
  });

  it('gives unique clip-path ids to different plots (they share one HTML page in the report)', () => {
    const a = renderSvg(SPECS.line).match(/clipPath id="([^"]+)"/)![1];
    const b = renderSvg({ ...SPECS.line, title: 'other' } as PlotSpec).match(/clipPath id="([^"]+)"/)![1];
    expect(a).not.toBe(b);
  });

  it('makes safe file stems', () => {
    expect(plotFileStem('loss curve/α', 0)).toBe('loss-curve');
    expect(plotFileStem('', 3)).toBe('plot-3');
  });
});

describe('ticks', () => {
  it('picks 1-2-5 steps and ticks at their multiples', () => {
    expect(niceStep(97, 5)).toBe(20);
    expect(niceStep(1, 5)).toBe(0.2);
    expect(niceStep(0.037, 6)).toBe(0.005);
    expect(linearTicks(0, 1).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(linearTicks(-3, 7, 5).ticks).toEqual([-2, 0, 2, 4, 6]);
  });

  it('puts log ticks at decades, with 2 and 5 when the span is short', () => {
    expect(logTicks(1e-3, 100)).toEqual([0.001, 0.01, 0.1, 1, 10, 100]);
    expect(logTicks(1, 10)).toEqual([1, 2, 5, 10]);
    expect(logTicks(1e-20, 1)).toEqual([1e-18, 1e-15, 1e-12, 1e-9, 1e-6, 1e-3, 1]);
  });

  it('extends an automatic domain to round ticks and keeps a fixed one', () => {
    const s = makeScale([0.13, 0.91], {}, [0, 100]);
    expect(s.domain).toEqual([0, 1]);
    expect(s.ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(s(0.5)).toBe(50);
    // Widening [0.8515, 0.9305] (float32 values, as tfjs returns them) to the 0.01 grid raises the step
    // to 0.02; both ends must still be ticks.
    const w = makeScale([0.8514999747276306, 0.9304999709129333, 0.9], {}, [0, 1]);
    expect(w.domain).toEqual([0.84, 0.94]);
    expect(w.ticks[0]).toBe(0.84);
    expect(w.ticks.at(-1)).toBe(0.94);
    const f = makeScale([5], { domain: [0, 10] }, [100, 0]);
    expect(f.domain).toEqual([0, 10]);
    expect(f(5)).toBe(50);
    const l = makeScale([0, -1, 0.02, 30], { log: true }, [0, 300]);
    expect(l.domain).toEqual([0.01, 100]);
    expect(l(1)).toBeCloseTo(150, 9);
    expect(l.valid(0)).toBe(false);
  });

  it('formats tick values for reading', () => {
    expect(formatNumber(0.30000000000000004, 0.1)).toBe('0.3');
    expect(formatNumber(1500, 500)).toBe('1500');
    expect(formatNumber(2e-6, 1e-6)).toBe('2e-6');
    expect(formatNumber(3e7, 1e7)).toBe('3e7');
  });
});

describe('PNG rendering', () => {
  function darkPixels(svg: string, region: { x0: number; x1: number; y0: number; y1: number }): number {
    const img = new Resvg(svg, resvgOptions(1)).render();
    const { width, pixels } = img;
    let n = 0;
    for (let y = region.y0; y < region.y1; y++)
      for (let x = region.x0; x < region.x1; x++) {
        const k = (y * width + x) * 4;
        if (pixels[k]! < 128 && pixels[k + 1]! < 128 && pixels[k + 2]! < 128) n++;
      }
    return n;
  }

  const plain: PlotSpec = {
    kind: 'line',
    id: 'p',
    title: 'Loss',
    x: { label: 'training step' },
    y: { label: 'loss value' },
    series: [{ name: 's', x: [0, 1], y: [0, 1] }],
  };

  it('draws axis-label text with the bundled font (the region is blank without the label)', () => {
    const unlabelled = { ...plain, x: { label: '' }, y: { label: '' } } as PlotSpec;
    // x label: centred under the plot near the bottom edge; y label: rotated at the left edge.
    const xRegion = { x0: 250, x1: 450, y0: 372, y1: 396 };
    const yRegion = { x0: 2, x1: 24, y0: 120, y1: 300 };
    expect(darkPixels(renderSvg(plain), xRegion)).toBeGreaterThan(40);
    expect(darkPixels(renderSvg(plain), yRegion)).toBeGreaterThan(40);
    expect(darkPixels(renderSvg(unlabelled), xRegion)).toBe(0);
    expect(darkPixels(renderSvg(unlabelled), yRegion)).toBe(0);
  });

  it('writes a PNG at twice the SVG size', () => {
    const png = svgToPng(renderSvg(plain));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const view = new DataView(png.buffer, png.byteOffset);
    expect(view.getUint32(16)).toBe(1280);
    expect(view.getUint32(20)).toBe(800);
  });
});
