import type { PlotSpec } from '@paperkit/tensor-core';
import { Resvg } from '@resvg/resvg-js';
import { describe, expect, it } from 'vitest';
import { resvgOptions, svgToPng } from '../src/plot/png.js';
import { plotFileStem, renderSvg } from '../src/plot/render.js';
import { toVegaLite, wrap } from '../src/plot/vega-lite.js';
import { parseXml, svgTexts } from './xml.js';

const steps = Array.from({ length: 101 }, (_, i) => i);
const LONG = 'NiNo (ours, meta-trained on 64 Adam trajectories of the in-distribution MLP task, k = 40)';
const SPECS: Record<PlotSpec['kind'], PlotSpec> = {
  line: {
    kind: 'line',
    id: 'loss',
    title: 'Loss <train & test>',
    caption: 'Training and test loss. Mean over 3 seeds; bands are the 95% interval of the mean.',
    x: { label: 'step' },
    y: { label: 'loss (nats)', log: true },
    series: [
      {
        name: 'train',
        x: steps,
        y: steps.map((s) => 2 * Math.exp(-s / 30) + 0.01),
        lo: steps.map((s) => 1.9 * Math.exp(-s / 30)),
        hi: steps.map((s) => 2.1 * Math.exp(-s / 30) + 0.02),
      },
      { name: LONG, x: [0, 50, 100], y: [2.1, Number.NaN, 0.05] },
    ],
    hlines: [{ y: 0.1, label: 'paper: 0.1' }],
    vlines: [{ x: 40, label: 'nowcast' }],
  },
  scatter: {
    kind: 'scatter',
    id: 'sc',
    title: 'Front',
    caption: 'Welfare against accuracy.',
    x: { label: 'welfare' },
    y: { label: 'accuracy' },
    points: [
      { name: 'group', x: 0.4, y: 0.6, xLo: 0.35, xHi: 0.45, yLo: 0.55, yHi: 0.65, highlight: true },
      { name: 'accuracy', x: 0.05, y: 0.98, highlight: true },
      { name: 'dominated', x: 0.03, y: 0.5, highlight: false },
    ],
  },
  bar: {
    kind: 'bar',
    id: 'bars',
    title: 'Differences to Adam',
    caption: 'Final loss minus Adam’s, per seed.',
    categories: ['SGD', 'AdamCM'],
    groups: [{ name: 'Δ loss', values: [0.012, -0.004], lo: [0.008, -0.009], hi: [0.016, 0.001] }],
    y: { label: 'Δ final loss (nats)' },
  },
  heatmap: {
    kind: 'heatmap',
    id: 'hm',
    title: 'Heat',
    caption: 'A matrix.',
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
    caption: 'Two filters.',
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

describe('Vega-Lite renderer', () => {
  for (const [kind, spec] of Object.entries(SPECS))
    it(`renders a well-formed ${kind} plot with its title, caption and labels`, async () => {
      const svg = await renderSvg(spec);
      expect(parseXml(svg)[0]).toBe('svg');
      expect(() => new Resvg(svg, resvgOptions(1))).not.toThrow();
      const texts = svgTexts(svg);
      expect(texts).toContain(spec.title);
      expect(texts.join(' ')).toContain(wrap(spec.caption)[0]);
      if ('x' in spec && spec.kind !== 'heatmap') expect(texts).toContain(spec.x.label);
      if ('y' in spec && spec.kind !== 'heatmap') expect(texts).toContain(spec.y.label);
    });

  it('line: escaped title, full legend labels (never cut), reference lines, a band layer only where intervals exist', async () => {
    const svg = await renderSvg(SPECS.line);
    expect(svg).toContain('Loss &lt;train &amp; test&gt;');
    const texts = svgTexts(svg);
    expect(texts).toContain(LONG);
    expect(texts).toContain('paper: 0.1');
    const vl = toVegaLite(SPECS.line) as { layer: { mark: { type: string } }[] };
    expect(vl.layer.map((l) => l.mark.type)).toEqual(['area', 'line', 'rule', 'text', 'rule']);
    const noBands = toVegaLite({
      ...SPECS.line,
      series: [{ name: 'a', x: [0, 1], y: [1, 2] }],
    } as PlotSpec) as { layer: { mark: { type: string } }[] };
    expect(noBands.layer[0]!.mark.type).toBe('line');
  });

  it('bar: the axis does not start at 0 unless asked, a zero rule marks the baseline of differences', () => {
    const vl = toVegaLite(SPECS.bar) as {
      layer: { mark: { type: string }; encoding?: { y?: { scale?: { zero?: boolean } } } }[];
    };
    expect(vl.layer[0]!.encoding!.y!.scale!.zero).toBe(false);
    expect(vl.layer.map((l) => l.mark.type)).toEqual(['bar', 'rule', 'rule']);
    const absolute = toVegaLite({ ...SPECS.bar, y: { label: 'acc', zero: true } } as PlotSpec) as {
      layer: unknown[];
    };
    expect(absolute.layer).toHaveLength(2);
  });

  it('heatmap and images: tick labels, per-image captions', async () => {
    const hm = svgTexts(await renderSvg(SPECS.heatmap));
    for (const t of ['a', 'b', 'c', 'r0', 'r1', 'magnitude']) expect(hm).toContain(t);
    const im = svgTexts(await renderSvg(SPECS.images));
    expect(im).toEqual(expect.arrayContaining(['1: first', '2: second']));
  });

  it('every series, group and point name is in its legend (interval and band layers share it)', async () => {
    for (const name of ['group', 'accuracy', 'dominated'])
      expect(svgTexts(await renderSvg(SPECS.scatter))).toContain(name);
    const bars = SPECS.bar as Extract<PlotSpec, { kind: 'bar' }>;
    const twoGroups = { ...bars, groups: [bars.groups[0]!, { ...bars.groups[0]!, name: 'second group' }] };
    const texts = svgTexts(await renderSvg(twoGroups as PlotSpec));
    expect(texts).toContain(bars.groups[0]!.name);
    expect(texts).toContain('second group');
  });

  it('scatter: thousands of points render (the colour order lists each name once)', async () => {
    const points = Array.from({ length: 5000 }, (_, i) => ({
      name: `m${i % 3}`,
      x: Math.sin(i),
      y: Math.cos(i),
    }));
    const spec = toVegaLite({ ...SPECS.scatter, points } as PlotSpec);
    const color = (spec.layer as { encoding: { color?: { sort?: string[] } } }[]).at(-1)!.encoding.color!;
    expect(color.sort).toEqual(['m0', 'm1', 'm2']);
    const svg = await renderSvg({ ...SPECS.scatter, points } as PlotSpec);
    expect(svg.match(/<path/g)!.length).toBeGreaterThanOrEqual(5000);
  });

  it('makes safe file stems and wraps captions at word boundaries', () => {
    expect(plotFileStem('loss curve/α', 0)).toBe('loss-curve');
    expect(plotFileStem('', 3)).toBe('plot-3');
    expect(wrap('aaa bbb ccc', 7)).toEqual(['aaa bbb', 'ccc']);
  });
});

describe('PNG rendering', () => {
  function darkPixels(png: Resvg, region: { x0: number; x1: number; y0: number; y1: number }): number {
    const img = png.render();
    // `pixels` is a getter that copies the buffer: read it once.
    const { width, pixels } = img;
    let n = 0;
    for (let y = region.y0; y < region.y1; y++)
      for (let x = region.x0; x < region.x1; x++) {
        const k = (y * width + x) * 4;
        if (pixels[k]! < 128 && pixels[k + 1]! < 128 && pixels[k + 2]! < 128) n++;
      }
    return n;
  }

  it('draws text with the bundled font (the title region is blank without a title)', async () => {
    const titled = await renderSvg(SPECS.bar);
    const untitled = await renderSvg({ ...SPECS.bar, title: ' ' } as PlotSpec);
    const region = { x0: 0, x1: 200, y0: 0, y1: 14 };
    expect(darkPixels(new Resvg(titled, resvgOptions(1)), region)).toBeGreaterThan(30);
    expect(darkPixels(new Resvg(untitled, resvgOptions(1)), region)).toBe(0);
  });

  it('writes a PNG at twice the SVG size', async () => {
    const svg = await renderSvg(SPECS.bar);
    const w = Number(/width="(\d+)"/.exec(svg)![1]);
    const png = svgToPng(svg);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(new DataView(png.buffer, png.byteOffset).getUint32(16)).toBe(2 * w);
  });
});
