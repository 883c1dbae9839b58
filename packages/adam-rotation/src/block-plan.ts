import { haarOrthogonal, type Matrix, PaperkitInputError, type Rng } from '@paperkit/tensor-core';

/** One batch of equal-sized blocks in the gathered vector: `rows` blocks of `size` coordinates each. */
export interface PlanSegment {
  /** Block size k (the matrix is k×k). */
  readonly size: number;
  /** Number of blocks. */
  readonly rows: number;
  /** Offset of the first block in the gathered vector. */
  readonly offset: number;
  /** The shared k×k orthogonal block, or null for coordinates that stay unrotated. */
  readonly matrix: Matrix | null;
}

/**
 * A block-diagonal-plus-permutation rotation of a flat vector (App. A.1, A.3), as index arrays and a few
 * small matrices: `rotate(g) = place(blocks(gather(g)))`.
 * - `gather[k]` is the flat index that lands at position k of the gathered vector; within a group it
 *   applies the random permutation P_π.
 * - The gathered vector is laid out group by group (groups ordered by their first index, unrotated
 *   coordinates in runs between them); consecutive blocks of equal size form one segment, i.e. one
 *   batched matMul, and each row x of a segment becomes R_k x.
 * - `place[i]` says which rotated coordinate is stored at flat index i: a group's j-th rotated
 *   coordinate is stored at the group's j-th smallest index. That is the paper's blockdiag·P_π without
 *   P_πᵀ (App. A.2; Adam is permutation-equivariant), and it keeps rotated coordinates inside their
 *   own layer and neuron, so probes can partition them. For contiguous groups (`global`, `layer` on
 *   unfused tensors) it is the identity and costs nothing.
 */
export interface BlockPlan {
  /** Length d of the flat vector. */
  readonly dim: number;
  /** Gather indices, or null when they are the identity. */
  readonly gather: Int32Array | null;
  /** Placement indices, or null when they are the identity. */
  readonly place: Int32Array | null;
  /** Segments in gathered order, covering it exactly. */
  readonly segments: readonly PlanSegment[];
}

/** How {@link buildPlan} sizes and draws blocks. */
export interface PlanOptions {
  /** Block size n, or `group` for one block per group (neuron-wise scopes). */
  readonly blockSize: number | 'group';
  /** Apply a uniformly random permutation inside each group before blocking. */
  readonly permute: boolean;
  /**
   * A user-given R_n (already validated orthogonal) used for every block of size n; a block of size
   * k < n (a group smaller than n, or the residual when n does not divide a group) gets its top-left
   * k×k block, which must then be orthogonal too (it is for I or any block-diagonal R_n aligned to k).
   */
  readonly matrix: Matrix | undefined;
  /** Tolerance of the orthogonality check of the top-left blocks of `matrix`; default 1e-5. */
  readonly tolerance?: number;
  /** What to do when n does not divide a group: draw a Haar residual block R_p, or throw. */
  readonly residual: 'haar' | 'error';
  /** Negate a column of Haar draws with det −1 (SO(n) instead of O(n)). */
  readonly special: boolean;
  /** Source of the Haar matrices (`haar-<k>` sub-streams) and permutations (`permutation`). */
  readonly rng: Rng;
}

/**
 * Builds the plan for `groups` (ascending flat-index lists) of a d-vector. One R_k per block size k
 * is shared by every block of that size, as the paper shares one R_n (App. B.1); residual blocks of a
 * group whose size n does not divide get R_p ∈ O(p). Memory O(d + Σk²), no dense d×d matrix.
 */
export function buildPlan(dim: number, groups: readonly Int32Array[], o: PlanOptions): BlockPlan {
  const seen = new Uint8Array(dim);
  for (const g of groups) {
    const s = g.length;
    const n = o.blockSize === 'group' ? s : o.blockSize;
    const p = s % n;
    if (p > 0 && o.residual === 'error')
      throw new PaperkitInputError(
        'blockSize',
        n,
        `a divisor of every rotation group's size (a group has ${s} coordinates; set residual: 'haar' to rotate the last ${p} with their own block)`,
      );
    for (let j = 0; j < s; j++) {
      if (seen[g[j]!]) throw new Error('internal: rotation groups overlap');
      seen[g[j]!] = 1;
    }
  }
  // Units in order of their first index: the groups, and runs of unrotated coordinates between them.
  type Unit = {
    readonly first: number;
    readonly group: Int32Array | null;
    readonly start: number;
    readonly len: number;
  };
  const units: Unit[] = groups
    .filter((g) => g.length > 0)
    .map((g) => ({ first: g[0]!, group: g, start: 0, len: g.length }));
  for (let i = 0; i < dim; ) {
    if (seen[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < dim && !seen[j]) j++;
    units.push({ first: i, group: null, start: i, len: j - i });
    i = j;
  }
  units.sort((a, b) => a.first - b.first);
  const gather = new Int32Array(dim);
  const place = new Int32Array(dim);
  const segments: PlanSegment[] = [];
  const matrices = new Map<number, Matrix>();
  const matrixOf = (k: number): Matrix => {
    let m = matrices.get(k);
    if (!m) {
      m =
        o.matrix === undefined
          ? haarOrthogonal(k, o.rng.stream(`haar-${k}`), { special: o.special })
          : topLeftBlock(o.matrix, k, o.tolerance ?? 1e-5);
      matrices.set(k, m);
    }
    return m;
  };
  const push = (size: number, rows: number, offset: number, rotated: boolean) => {
    const last = segments.at(-1);
    if (
      last &&
      last.size === size &&
      (last.matrix !== null) === rotated &&
      last.offset + last.rows * last.size === offset
    )
      segments[segments.length - 1] = { ...last, rows: last.rows + rows };
    else segments.push({ size, rows, offset, matrix: rotated ? matrixOf(size) : null });
  };
  const permRng = o.rng.stream('permutation');
  let y = 0;
  for (const u of units) {
    if (u.group === null) {
      for (let k = 0; k < u.len; k++) {
        gather[y + k] = u.start + k;
        place[u.start + k] = y + k;
      }
      push(1, u.len, y, false);
      y += u.len;
      continue;
    }
    const g = u.group;
    const s = g.length;
    const n = o.blockSize === 'group' ? s : o.blockSize;
    let order: Int32Array = g;
    if (o.permute && s > 1) {
      const pi = permRng.permutation(s);
      order = new Int32Array(s);
      for (let j = 0; j < s; j++) order[j] = g[pi[j]!]!;
    }
    for (let j = 0; j < s; j++) {
      gather[y + j] = order[j]!;
      place[g[j]!] = y + j;
    }
    const b = Math.floor(s / n);
    if (b > 0) push(n, b, y, true);
    if (s - b * n > 0) push(s - b * n, 1, y + b * n, true);
    y += s;
  }
  return {
    dim,
    gather: isIdentity(gather) ? null : gather,
    place: isIdentity(place) ? null : place,
    segments,
  };
}

/**
 * The top-left k×k block of the user's R_n for a block of size k ≤ n. A silent Haar draw here would
 * make `matrix: I` a random rotation of the leftover coordinates, so a block that is not orthogonal is
 * an error instead.
 */
function topLeftBlock(m: Matrix, k: number, tolerance: number): Matrix {
  const n = m.rows;
  if (k === n) return m;
  const data = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) data[i * k + j] = m.data[i * n + j]!;
  let worst = 0;
  for (let i = 0; i < k; i++)
    for (let j = i; j < k; j++) {
      let s = 0;
      for (let r = 0; r < k; r++) s += data[r * k + i]! * data[r * k + j]!;
      worst = Math.max(worst, Math.abs(s - (i === j ? 1 : 0)));
    }
  if (worst > tolerance)
    throw new PaperkitInputError(
      'matrix',
      `a ${n}×${n} matrix whose top-left ${k}×${k} block is not orthogonal (max |(BᵀB − I)_ij| = ${worst.toPrecision(3)})`,
      `an R_${n} whose top-left block is orthogonal for a block of ${k} coordinates (a group smaller than ${n}, or the remainder when ${n} does not divide a group), e.g. I or a block-diagonal matrix; or groups whose sizes ${n} divides (residual: 'error' checks it)`,
    );
  return { rows: k, cols: k, data };
}

function isIdentity(a: Int32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== i) return false;
  return true;
}

/** The inverse of a permutation array. */
export function invertPermutation(p: Int32Array): Int32Array {
  const inv = new Int32Array(p.length);
  for (let i = 0; i < p.length; i++) inv[p[i]!] = i;
  return inv;
}
