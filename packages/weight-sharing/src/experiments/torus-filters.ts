import type { PlotSpec } from '@paperkit/tensor-core';

/** The 196 incoming weights of fc1 unit (channel c, position p), as a side×side image in pixel space. */
function unitImage(
  fc1: Float32Array,
  side: number,
  width: number,
  c: number,
  p: number,
  perm: Int32Array,
): number[] {
  const px = side * side;
  const out = new Array<number>(px).fill(0);
  // Input k of a permuted image is shifted-image pixel perm[k]; undo the permutation for display.
  for (let k = 0; k < px; k++) out[perm[k]!] = fc1[k * width * px + c * px + p]!;
  return out;
}

/**
 * An `images` plot of fc1's rows for the MNIST-torus FC twin (spec §I.8 P3: conv-like filters): for the
 * first ≤ 8 channels at two positions (the corner and the centre), each unit's incoming weights as a
 * side×side image, with a fixed pixel permutation undone so shifted and permuted runs look alike.
 */
export function filterPlot(o: {
  readonly fc1: Float32Array;
  readonly perm: Int32Array;
  readonly side: number;
  readonly width: number;
  readonly variant: string;
  readonly modelKey: string;
  readonly modelLabel: string;
}): PlotSpec {
  const { side, width } = o;
  const channels = Math.min(width, 8);
  const images: number[][] = [];
  const captions: string[] = [];
  for (const p of [0, 7 * side + 7])
    for (let c = 0; c < channels; c++) {
      images.push(unitImage(o.fc1, side, width, c, p, o.perm));
      captions.push(`ch ${c}, pos (${Math.floor(p / side)},${p % side})`);
    }
  return {
    kind: 'images',
    id: `filters-${o.variant}-${o.modelKey.replace(/[^a-z0-9]/gi, '-')}`,
    title: `${o.modelLabel}, ${o.variant} pixels: fc1 rows as ${side}×${side} images${o.variant === 'permuted' ? ' (permutation undone for display)' : ''}`,
    images,
    width: side,
    height: side,
    captions,
    columns: channels,
    scale: 'diverging',
  };
}
