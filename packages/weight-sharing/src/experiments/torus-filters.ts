import type { ImagesData } from '@paperkit/tensor-core';

/** The side² incoming weights of fc1 unit (channel c, position p), as a side×side image in pixel space. */
function unitImage(fc1: Float32Array, side: number, width: number, c: number, p: number, perm: Int32Array) {
  const px = side * side;
  const out = new Array<number>(px).fill(0);
  // Input k of a permuted image is shifted-image pixel perm[k]; undo the permutation for display.
  for (let k = 0; k < px; k++) out[perm[k]!] = fc1[k * width * px + c * px + p]!;
  return out;
}

/**
 * fc1's rows of the MNIST-torus FC twin as images (conv-like filters when weight sharing works): the
 * first ≤ 8 channels at two units (0 and the centre index; the FC twin's unit order within a channel
 * is arbitrary, as position pooling follows), each unit's incoming weights as a side×side image, with
 * a fixed pixel permutation undone so shifted and permuted runs look alike.
 */
export function filterImages(fc1: Float32Array, perm: Int32Array, side: number, width: number): ImagesData {
  const channels = Math.min(width, 8);
  const images: number[][] = [];
  const captions: string[] = [];
  const centre = Math.floor(side / 2) * (side + 1);
  for (const p of [0, centre])
    for (let c = 0; c < channels; c++) {
      images.push(unitImage(fc1, side, width, c, p, perm));
      captions.push(`ch ${c}, unit ${p}`);
    }
  return { width: side, height: side, images, captions };
}
