import type { ImagesData } from '@paperkit/tensor-core';

/**
 * fc1's rows of the MNIST-torus FC twin as images (conv-like filters when weight sharing works): the
 * first ≤ 8 channels at two units (0 and the centre index; the FC twin's unit order within a channel
 * is arbitrary, as position pooling follows), each unit's incoming weights as a side×side image, with
 * a fixed pixel permutation undone so shifted and permuted runs look alike.
 */
export function filterImages(fc1: Float32Array, perm: Int32Array, side: number, width: number): ImagesData {
  const px = side * side;
  const centre = Math.floor(side / 2) * (side + 1);
  const units = [0, centre].flatMap((p) => Array.from({ length: Math.min(width, 8) }, (_, c) => [c, p]));
  const images = units.map(([c, p]) => {
    const out = new Array<number>(px).fill(0);
    // Input k of a permuted image is shifted-image pixel perm[k]; undo the permutation for display.
    for (let k = 0; k < px; k++) out[perm[k]!] = fc1[k * width * px + c! * px + p!]!;
    return out;
  });
  return { width: side, height: side, images, captions: units.map(([c, p]) => `ch ${c}, unit ${p}`) };
}
