import { createHash } from 'node:crypto';

/** Font stack of every plot; the PNG renderer loads DejaVu Sans, browsers fall back to similar faces. */
export const FONT_FAMILY = 'DejaVu Sans, Verdana, Arial, sans-serif';

/** Escapes text for XML content and attribute values. */
export function esc(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** A pixel coordinate with at most two decimals (keeps files small and diffs stable). */
export function px(v: number): string {
  return String(Math.round(v * 100) / 100);
}

type AttrValue = string | number | undefined;

/** An element with attributes (undefined ones are omitted) and optional raw-XML children. */
export function el(name: string, attrs: Record<string, AttrValue>, children?: string): string {
  let s = `<${name}`;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined) continue;
    s += ` ${k}="${typeof v === 'number' ? px(v) : esc(v)}"`;
  }
  return children === undefined ? `${s}/>` : `${s}>${children}</${name}>`;
}

/** Options of {@link text}. */
export interface TextOptions {
  readonly size?: number;
  readonly anchor?: 'start' | 'middle' | 'end';
  readonly weight?: 'normal' | 'bold';
  readonly fill?: string;
  /** Rotation in degrees about (x, y). */
  readonly rotate?: number;
  /** Vertical alignment of the baseline: `middle` centres the glyphs on y. */
  readonly baseline?: 'alphabetic' | 'middle' | 'hanging';
}

/**
 * A text element. Vertical centring uses a dy shift instead of `dominant-baseline`, which renderers
 * (resvg, browsers) treat differently.
 */
export function text(x: number, y: number, content: string, o: TextOptions = {}): string {
  const size = o.size ?? 12;
  const dy = o.baseline === 'middle' ? size * 0.35 : o.baseline === 'hanging' ? size * 0.8 : undefined;
  return el(
    'text',
    {
      x,
      y,
      dy,
      'font-size': size,
      'text-anchor': o.anchor && o.anchor !== 'start' ? o.anchor : undefined,
      'font-weight': o.weight === 'bold' ? 'bold' : undefined,
      fill: o.fill ?? '#222',
      transform: o.rotate ? `rotate(${o.rotate} ${px(x)} ${px(y)})` : undefined,
    },
    esc(content),
  );
}

/** Estimated width in px of `s` in DejaVu Sans at `size` (its average advance is about 0.6 em). */
export function textWidth(s: string, size: number): number {
  return s.length * size * 0.6;
}

/** Cuts `s` to `max` characters with an ellipsis. */
export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(1, max - 1))}…`;
}

/**
 * A short id prefix derived from the plot's content, so that several SVGs inlined into one HTML page
 * never share a clip-path or gradient id (ids are document-global there).
 */
export function idPrefix(spec: unknown): string {
  return `pk${createHash('sha1').update(JSON.stringify(spec)).digest('hex').slice(0, 10)}`;
}

/** Wraps drawn content in a root `<svg>` with a white background and an accessible title. */
export function svgDocument(width: number, height: number, title: string, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${px(width)}" height="${px(height)}" ` +
    `viewBox="0 0 ${px(width)} ${px(height)}" font-family="${esc(FONT_FAMILY)}" role="img">` +
    `<title>${esc(title)}</title>` +
    el('rect', { x: 0, y: 0, width, height, fill: '#ffffff' }) +
    body +
    '</svg>\n'
  );
}
