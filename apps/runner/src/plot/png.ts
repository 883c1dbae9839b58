import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';

let fonts: string[] | null = null;

/**
 * Paths of the bundled DejaVu Sans faces (npm `dejavu-fonts-ttf`). resvg draws no text at all
 * without a loaded font (resvg#893), and system fonts differ per machine, so we always load these.
 */
export function fontFiles(): string[] {
  if (fonts === null) {
    const require = createRequire(import.meta.url);
    const root = dirname(require.resolve('dejavu-fonts-ttf/package.json'));
    fonts = [join(root, 'ttf', 'DejaVuSans.ttf'), join(root, 'ttf', 'DejaVuSans-Bold.ttf')];
  }
  return fonts;
}

/** resvg options: bundled fonts only (same output on every machine), white background, `zoom`× scale. */
export function resvgOptions(zoom = 2): ResvgRenderOptions {
  return {
    fitTo: { mode: 'zoom', value: zoom },
    background: '#ffffff',
    font: { fontFiles: fontFiles(), loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' },
  };
}

/** Rasterises an SVG document to PNG at `zoom`× its size (2 gives crisp text on high-DPI screens). */
export function svgToPng(svg: string, zoom = 2): Uint8Array {
  return new Resvg(svg, resvgOptions(zoom)).render().asPng();
}
