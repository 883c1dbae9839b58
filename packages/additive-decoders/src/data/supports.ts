import { checkFinite, checkInteger, checkOneOf, checkPositive, PaperkitInputError, type Rng } from '@paperkit/tensor-core';
import { checkPartition, type Partition } from '../partition.js';

/** An axis-aligned box: lo[k] ≤ x_k ≤ hi[k]. */
export interface Box {
  readonly lo: readonly number[];
  readonly hi: readonly number[];
}

/**
 * The support of a latent distribution: a sampler, a membership test, and the projection proj_B(Z)
 * of the support onto every block as a union of boxes (what the Cartesian-product extension needs).
 */
export interface Support {
  /** Short name, e.g. `l-shape`. */
  readonly name: string;
  /** Number of latents. */
  readonly dim: number;
  /** The true latent blocks. */
  readonly partition: Partition;
  /** Per block B, boxes (over the latents of B, in block order) whose union is proj_B(Z). */
  readonly projections: readonly (readonly Box[])[];
  /** Whether `z` (length dim) lies in the support. */
  contains(z: ArrayLike<number>): boolean;
  /** n draws, row-major n × dim (Float64Array). */
  sample(rng: Rng, n: number): Float64Array;
}

/** Largest number of proposals per accepted draw of a rejection sampler before it gives up. */
const MAX_PROPOSALS = 10_000;

/**
 * The L-shaped support of ScalarLatents: [lo, hi]² without the upper-right square (mid, hi]², the
 * training support whose missing corner is the extrapolation target.
 * - `sampling: 'uniform'` (default): uniform on the L by rejection (`sample_L_distribution`,
 *   `data/diff_balls_dataset.py`, with y ∈ [0, 5], mid 2.5).
 * - `sampling: 'sequential'`: y₁ ~ U(lo, hi), then y₂ ~ U(lo, hi) if y₁ < mid else U(lo, mid)
 *   (`supp_l_shape`, `data/balls_dataset.py`); its density on the L is not uniform.
 * Defaults lo = 1, hi = 4, mid = 2.5: the bumps (radius 1 on [0, 5]) always lie fully in the frame.
 */
export function lShapedSupport(
  options: { lo?: number; hi?: number; mid?: number; sampling?: 'uniform' | 'sequential' } = {},
): Support {
  const lo = checkFinite('lo', options.lo ?? 1);
  const hi = checkFinite('hi', options.hi ?? 4);
  const mid = checkFinite('mid', options.mid ?? 2.5);
  if (!(lo < mid && mid < hi)) throw new PaperkitInputError('mid', mid, `a number strictly between lo (${lo}) and hi (${hi})`);
  const sampling = checkOneOf('sampling', options.sampling ?? 'uniform', ['uniform', 'sequential'] as const);
  return {
    name: 'l-shape',
    dim: 2,
    partition: [[0], [1]],
    projections: [[{ lo: [lo], hi: [hi] }], [{ lo: [lo], hi: [hi] }]],
    contains: (z) => z[0]! >= lo && z[0]! <= hi && z[1]! >= lo && z[1]! <= hi && !(z[0]! > mid && z[1]! > mid),
    sample: (rng, n) => {
      const out = new Float64Array(checkInteger('n', n, 0) * 2);
      for (let i = 0; i < n; i++) {
        let y1: number;
        let y2: number;
        if (sampling === 'sequential') {
          y1 = rng.uniform(lo, hi);
          y2 = y1 < mid ? rng.uniform(lo, hi) : rng.uniform(lo, mid);
        } else {
          do {
            y1 = rng.uniform(lo, hi);
            y2 = rng.uniform(lo, hi);
          } while (y1 > mid && y2 > mid);
        }
        out[2 * i] = y1;
        out[2 * i + 1] = y2;
      }
      return out;
    },
  };
}

/**
 * A box [lo, hi] sampled uniformly, e.g. the out-of-support square (mid, hi]² of ScalarLatents
 * (`supp_extrapolate`). Every side must have lo < hi (an empty projection is an error).
 */
export function boxSupport(box: Box, options: { partition?: Partition; name?: string } = {}): Support {
  const b = checkBox('box', box);
  const dim = b.lo.length;
  const partition = checkPartition('partition', options.partition ?? scalarBlocks(dim), dim);
  return {
    name: options.name ?? 'box',
    dim,
    partition,
    projections: partition.map((block) => [projectBox(b, block)]),
    contains: (z) => inBox(b, z, allIndices(dim)),
    sample: (rng, n) => {
      const out = new Float64Array(checkInteger('n', n, 0) * dim);
      for (let i = 0; i < n; i++) for (let k = 0; k < dim; k++) out[i * dim + k] = rng.uniform(b.lo[k]!, b.hi[k]!);
      return out;
    },
  };
}

/** Options of the BlockLatents supports (positions in the unit square, as `data/balls_dataset.py`). */
export interface BlockSupportOptions {
  /** Lower bound of every coordinate; default 0.1. */
  readonly lo?: number;
  /** Upper bound; default 0.9. */
  readonly hi?: number;
  /**
   * Draws whose two ball centres are closer than this are rejected (no occlusion); default 0.32 =
   * 2 × the reference's ball radius 0.16. Set 0 to keep every draw.
   */
  readonly minDistance?: number;
}

/**
 * `supp_iid_no_occ`: both balls' (x, y) ~ U(lo, hi)² independently, rejecting draws whose centres are
 * closer than `minDistance`; z = (x₁, y₁, x₂, y₂), blocks {0, 1} and {2, 3}.
 */
export function independentNoOcclusionSupport(options: BlockSupportOptions = {}): Support {
  const { lo, hi, minDistance } = blockOptions(options);
  const unit: Box = { lo: [lo, lo], hi: [hi, hi] };
  const far = (z: ArrayLike<number>) => (z[0]! - z[2]!) ** 2 + (z[1]! - z[3]!) ** 2 >= minDistance ** 2;
  return {
    name: 'independent-no-occlusion',
    dim: 4,
    partition: [
      [0, 1],
      [2, 3],
    ],
    projections: [[unit], [unit]],
    contains: (z) => inBox({ lo: [lo, lo, lo, lo], hi: [hi, hi, hi, hi] }, z, [0, 1, 2, 3]) && far(z),
    sample: (rng, n) =>
      rejectionSample(rng, n, 4, 'independent-no-occlusion', (z) => {
        for (let k = 0; k < 4; k++) z[k] = rng.uniform(lo, hi);
        return far(z);
      }),
  };
}

/**
 * `supp_scm_linear`: ball 1 ~ U(lo, hi)²; if x₁ + y₁ ≥ lo + hi then ball 2 ~ U(lo, m)×U(m, hi), else
 * U(m, hi)×U(lo, m) with m = (lo + hi)/2 (the reference's 0.1/0.5/0.9); same no-occlusion rejection.
 * Ball 2's projection is the union of the two boxes, so the Cartesian-product extension also holds
 * the crossed combinations.
 */
export function scmLinearSupport(options: BlockSupportOptions = {}): Support {
  const { lo, hi, minDistance } = blockOptions(options);
  const m = (lo + hi) / 2;
  const upper: Box = { lo: [lo, m], hi: [m, hi] };
  const lower: Box = { lo: [m, lo], hi: [hi, m] };
  const far = (z: ArrayLike<number>) => (z[0]! - z[2]!) ** 2 + (z[1]! - z[3]!) ** 2 >= minDistance ** 2;
  return {
    name: 'scm-linear',
    dim: 4,
    partition: [
      [0, 1],
      [2, 3],
    ],
    projections: [[{ lo: [lo, lo], hi: [hi, hi] }], [upper, lower]],
    contains: (z) => {
      if (!inBox({ lo: [lo, lo], hi: [hi, hi] }, z, [0, 1]) || !far(z)) return false;
      return inBox(z[0]! + z[1]! >= lo + hi ? upper : lower, z, [2, 3]);
    },
    sample: (rng, n) =>
      rejectionSample(rng, n, 4, 'scm-linear', (z) => {
        z[0] = rng.uniform(lo, hi);
        z[1] = rng.uniform(lo, hi);
        const box = z[0] + z[1] >= lo + hi ? upper : lower;
        z[2] = rng.uniform(box.lo[0]!, box.hi[0]!);
        z[3] = rng.uniform(box.lo[1]!, box.hi[1]!);
        return far(z);
      }),
  };
}

/**
 * The Cartesian-product extension CPE(Z) = Π_B proj_B(Z) of a support (the set on which an additive
 * decoder extrapolates, by the paper's Cartesian-product extrapolation result): every block independently anywhere in its projection.
 * Sampled by drawing each block uniformly from its union of boxes (box ∝ volume, overlaps corrected
 * by rejection). Throws when a projection is empty.
 */
export function cartesianProductExtension(support: Support): Support {
  checkSupport('support', support);
  const { partition, projections } = support;
  const dim = support.dim;
  return {
    name: `cpe(${support.name})`,
    dim,
    partition,
    projections,
    contains: (z) => partition.every((block, b) => projections[b]!.some((box) => inBox(box, z, block))),
    sample: (rng, n) => {
      const out = new Float64Array(checkInteger('n', n, 0) * dim);
      for (let i = 0; i < n; i++)
        partition.forEach((block, b) => {
          sampleBoxUnion(rng, projections[b]!, block, out.subarray(i * dim, (i + 1) * dim));
        });
      return out;
    },
  };
}

/**
 * The out-of-support set CPE(Z) \ Z: combinations of in-support block values that the training support
 * never shows (for the L-shape, the missing square). Sampled by rejection from the CPE; a set of
 * (near) zero measure fails with a clear error instead of looping.
 */
export function outOfSupport(support: Support): Support {
  const cpe = cartesianProductExtension(support);
  return {
    name: `oos(${support.name})`,
    dim: support.dim,
    partition: support.partition,
    projections: support.projections,
    contains: (z) => cpe.contains(z) && !support.contains(z),
    sample: (rng, n) =>
      rejectionSample(rng, n, support.dim, `oos(${support.name})`, (z) => {
        z.set(cpe.sample(rng, 1));
        return !support.contains(z);
      }),
  };
}

/** Checks that a support has a partition of its dim and a non-empty projection with lo < hi per block. */
export function checkSupport(parameter: string, support: Support): Support {
  if (support === null || typeof support !== 'object' || typeof support.sample !== 'function')
    throw new PaperkitInputError(parameter, support, 'a Support (dim, partition, projections, contains, sample)');
  checkInteger(`${parameter}.dim`, support.dim, 1);
  const p = checkPartition(`${parameter}.partition`, support.partition, support.dim);
  if (!Array.isArray(support.projections) || support.projections.length !== p.length)
    throw new PaperkitInputError(`${parameter}.projections`, support.projections, `one list of boxes per block (${p.length})`);
  p.forEach((block, b) => {
    const boxes = support.projections[b]!;
    if (!Array.isArray(boxes) || boxes.length === 0)
      throw new PaperkitInputError(
        `${parameter}.projections[${b}]`,
        boxes,
        'a non-empty list of boxes (the projection of the support onto this block is empty)',
      );
    boxes.forEach((box, k) => {
      const c = checkBox(`${parameter}.projections[${b}][${k}]`, box);
      if (c.lo.length !== block.length)
        throw new PaperkitInputError(
          `${parameter}.projections[${b}][${k}]`,
          box,
          `a box over the ${block.length} latents of block ${b}`,
        );
    });
  });
  return support;
}

/** Validates a box: equal-length finite bounds with lo < hi on every side. */
export function checkBox(parameter: string, box: Box): Box {
  if (box === null || typeof box !== 'object' || !Array.isArray(box.lo) || !Array.isArray(box.hi))
    throw new PaperkitInputError(parameter, box, 'a box { lo: number[], hi: number[] }');
  if (box.lo.length === 0 || box.lo.length !== box.hi.length)
    throw new PaperkitInputError(parameter, box, 'a box whose lo and hi have the same non-zero length');
  box.lo.forEach((l, k) => {
    checkFinite(`${parameter}.lo[${k}]`, l);
    checkFinite(`${parameter}.hi[${k}]`, box.hi[k]!);
    if (!(l < box.hi[k]!))
      throw new PaperkitInputError(
        parameter,
        box,
        `a box with lo < hi on every side (side ${k} is empty: [${l}, ${box.hi[k]}]), i.e. a non-empty projection`,
      );
  });
  return box;
}

function blockOptions(o: BlockSupportOptions): { lo: number; hi: number; minDistance: number } {
  const lo = checkFinite('lo', o.lo ?? 0.1);
  const hi = checkFinite('hi', o.hi ?? 0.9);
  if (!(lo < hi)) throw new PaperkitInputError('hi', hi, `a number > lo (${lo}); the support would be empty`);
  const minDistance = o.minDistance ?? 0.32;
  if (minDistance !== 0) checkPositive('minDistance', minDistance);
  return { lo, hi, minDistance };
}

function rejectionSample(
  rng: Rng,
  n: number,
  dim: number,
  name: string,
  propose: (z: Float64Array) => boolean,
): Float64Array {
  const out = new Float64Array(checkInteger('n', n, 0) * dim);
  const z = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    let tries = 0;
    while (!propose(z)) {
      if (++tries >= MAX_PROPOSALS)
        throw new PaperkitInputError(
          'support',
          name,
          `a set a rejection sampler can hit (${MAX_PROPOSALS} proposals were rejected in a row; is it of zero measure?)`,
        );
    }
    out.set(z, i * dim);
  }
  return out;
}

/** Writes a uniform draw from a union of boxes into `target[block[k]]`. */
function sampleBoxUnion(rng: Rng, boxes: readonly Box[], block: readonly number[], target: Float64Array): void {
  const vols = boxes.map((b) => b.lo.reduce((v, l, k) => v * (b.hi[k]! - l), 1));
  const x = new Float64Array(block.length);
  for (;;) {
    const box = boxes[rng.categorical(vols)]!;
    for (let k = 0; k < block.length; k++) x[k] = rng.uniform(box.lo[k]!, box.hi[k]!);
    // A point covered by c boxes was proposed c times as often: accept with probability 1/c.
    const c = boxes.reduce((acc, b) => acc + (inBox(b, x, allIndices(block.length)) ? 1 : 0), 0);
    if (c <= 1 || rng.next() < 1 / c) break;
  }
  block.forEach((i, k) => {
    target[i] = x[k]!;
  });
}

function inBox(box: Box, z: ArrayLike<number>, idx: readonly number[]): boolean {
  return idx.every((i, k) => z[i]! >= box.lo[k]! && z[i]! <= box.hi[k]!);
}

function projectBox(box: Box, block: readonly number[]): Box {
  return { lo: block.map((i) => box.lo[i]!), hi: block.map((i) => box.hi[i]!) };
}

function allIndices(d: number): number[] {
  return Array.from({ length: d }, (_, i) => i);
}

function scalarBlocks(d: number): Partition {
  return Array.from({ length: d }, (_, i) => [i]);
}

