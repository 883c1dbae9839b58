import type { CellRecord, ImagesData } from '@paperkit/tensor-core';

/** Layout of a tiled figure: `rows × cols` images of `size × size` pixels. */
export interface TileLayout {
  readonly rows: number;
  readonly cols: number;
  readonly size: number;
  /** Tiles framed in a negative value (drawn red on a diverging scale), e.g. the out-of-support ones. */
  readonly framed: (row: number, col: number) => boolean;
  /** Each pixel is drawn as `zoom × zoom`; default 2. */
  readonly zoom?: number;
}

/**
 * Tiles row-major images (`images[i]` is tile (⌊i/cols⌋, i mod cols)) into one image, with a 2-pixel
 * gap between tiles and a frame around the tiles `framed` selects, so a grid of decoded images reads
 * as one picture. Pixel values are clamped to [−1, 1] (so figures of several decoders share one colour
 * scale); the gap is 0 and the frame −1.
 */
export function tileImages(images: Float32Array, layout: TileLayout): number[] {
  const { rows, cols, size } = layout;
  const zoom = layout.zoom ?? 2;
  const gap = 2;
  const cell = size * zoom + 2 * gap;
  const width = cols * cell;
  const out = new Array<number>(width * rows * cell).fill(0);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const tile = r * cols + c;
      const top = r * cell;
      const left = c * cell;
      if (layout.framed(r, c))
        for (let i = 0; i < cell; i++)
          for (let j = 0; j < cell; j++)
            if (i < gap || j < gap || i >= cell - gap || j >= cell - gap)
              out[(top + i) * width + left + j] = -1;
      for (let i = 0; i < size * zoom; i++)
        for (let j = 0; j < size * zoom; j++)
          out[(top + gap + i) * width + left + gap + j] = Math.max(
            -1,
            Math.min(1, images[tile * size * size + Math.floor(i / zoom) * size + Math.floor(j / zoom)]!),
          );
    }
  return out;
}

/** Width (= height) in pixels of a tiled figure of `n × n` tiles (see {@link tileImages}). */
export function tiledSide(n: number, size: number, zoom = 2): number {
  return n * (size * zoom + 4);
}

/** Images named `name` of the first seed's cell that `pick` selects, or undefined. */
export function firstSeedImages(
  records: readonly CellRecord[],
  pick: (r: CellRecord) => boolean,
  name: string,
): { seed: number; images: ImagesData } | undefined {
  const hits = records.filter((r) => pick(r) && r.result.images?.[name]).sort((a, b) => a.seed - b.seed);
  const first = hits[0];
  return first ? { seed: first.seed, images: first.result.images![name]! } : undefined;
}
