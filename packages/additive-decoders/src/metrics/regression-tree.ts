import { checkAllFinite, checkInteger, PaperkitInputError } from '@paperkit/tensor-core';

/** Options of {@link RegressionTree.fit} (scikit-learn's `DecisionTreeRegressor` defaults but the depth). */
export interface RegressionTreeOptions {
  /** Maximum depth (root = depth 0); default 10, as the reference's LMS_Tree. */
  readonly maxDepth?: number;
  /** A node with fewer samples is a leaf; default 2. */
  readonly minSamplesSplit?: number;
  /** Each child keeps at least this many samples; default 1. */
  readonly minSamplesLeaf?: number;
}

/** Nodes of a fitted tree, in depth-first order (node 0 is the root). */
interface Nodes {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[][];
}

/** The numerical noise floor below which a node counts as pure (scikit-learn's EPSILON). */
const EPSILON = 2.220446049250313e-16;
/** Consecutive feature values closer than this are not split between (scikit-learn's FEATURE_THRESHOLD). */
const FEATURE_THRESHOLD = 1e-7;

/**
 * An exact CART regression tree with multi-output targets, as scikit-learn's `DecisionTreeRegressor`
 * (squared error, best splitter, no feature subsampling): every node tries every feature and every
 * threshold halfway between consecutive distinct sorted values, keeps the split with the largest
 * decrease of the summed per-output squared error, and stops at `maxDepth`, at fewer than
 * `minSamplesSplit` samples, when a child would have fewer than `minSamplesLeaf`, or when the node is
 * pure. Leaves predict the mean target. Deterministic: among equally good splits the lowest feature and
 * then the lowest threshold win (scikit-learn visits features in a random order, so its choice among
 * exact ties varies with its seed). Features are presorted once; each level costs O(features · n).
 */
export class RegressionTree {
  /** Number of input features. */
  readonly features: number;
  /** Number of outputs. */
  readonly outputs: number;
  private readonly nodes: Nodes;

  private constructor(features: number, outputs: number, nodes: Nodes) {
    this.features = features;
    this.outputs = outputs;
    this.nodes = nodes;
  }

  /**
   * Fits a tree to `x` (row-major n × features) and `y` (row-major n × outputs).
   * @param features columns of x; the row count is x.length / features.
   * @param outputs columns of y.
   */
  static fit(
    x: ArrayLike<number>,
    features: number,
    y: ArrayLike<number>,
    outputs: number,
    options: RegressionTreeOptions = {},
  ): RegressionTree {
    checkInteger('features', features, 1);
    checkInteger('outputs', outputs, 1);
    const n = x.length / features;
    if (!Number.isInteger(n) || n < 1)
      throw new PaperkitInputError(
        'x',
        x,
        `a non-empty row-major array whose length is a multiple of ${features}`,
      );
    if (y.length !== n * outputs)
      throw new PaperkitInputError(
        'y',
        y,
        `an array of ${n * outputs} values (${n} rows × ${outputs} outputs)`,
      );
    checkAllFinite('x', x);
    checkAllFinite('y', y);
    const maxDepth = checkInteger('maxDepth', options.maxDepth ?? 10, 0);
    const minSplit = checkInteger('minSamplesSplit', options.minSamplesSplit ?? 2, 2);
    const minLeaf = checkInteger('minSamplesLeaf', options.minSamplesLeaf ?? 1, 1);
    const nodes: Nodes = { feature: [], threshold: [], left: [], right: [], value: [] };
    // Per feature, the sample indices sorted by that feature (ties by index, so the order is stable).
    const sorted: Int32Array[] = [];
    for (let f = 0; f < features; f++) {
      const idx = Int32Array.from({ length: n }, (_, i) => i);
      idx.sort((a, b) => x[a * features + f]! - x[b * features + f]! || a - b);
      sorted.push(idx);
    }
    const goesLeft = new Uint8Array(n);
    const build = (orders: Int32Array[], depth: number): number => {
      const id = nodes.feature.length;
      const m = orders[0]!.length;
      const total = new Float64Array(outputs);
      let sq = 0;
      for (const i of orders[0]!)
        for (let q = 0; q < outputs; q++) {
          const v = y[i * outputs + q]!;
          total[q]! += v;
          sq += v * v;
        }
      let meanSq = 0;
      for (let q = 0; q < outputs; q++) meanSq += (total[q]! / m) ** 2;
      const impurity = (sq / m - meanSq) / outputs;
      nodes.feature.push(-1);
      nodes.threshold.push(0);
      nodes.left.push(-1);
      nodes.right.push(-1);
      nodes.value.push(Array.from(total, (s) => s / m));
      if (depth >= maxDepth || m < minSplit || m < 2 * minLeaf || impurity <= EPSILON) return id;
      // Maximise the proxy Σ_q (S_L,q²/n_L + S_R,q²/n_R), which orders splits as the decrease in squared error.
      let bestProxy = Number.NEGATIVE_INFINITY;
      let bestFeature = -1;
      let bestPos = -1;
      const left = new Float64Array(outputs);
      for (let f = 0; f < features; f++) {
        const order = orders[f]!;
        left.fill(0);
        for (let k = 0; k < m - 1; k++) {
          const i = order[k]!;
          for (let q = 0; q < outputs; q++) left[q]! += y[i * outputs + q]!;
          const nl = k + 1;
          const nr = m - nl;
          if (nl < minLeaf || nr < minLeaf) continue;
          if (x[order[k + 1]! * features + f]! <= x[i * features + f]! + FEATURE_THRESHOLD) continue;
          let proxy = 0;
          for (let q = 0; q < outputs; q++) {
            const r = total[q]! - left[q]!;
            proxy += (left[q]! * left[q]!) / nl + (r * r) / nr;
          }
          if (proxy > bestProxy) {
            bestProxy = proxy;
            bestFeature = f;
            bestPos = k;
          }
        }
      }
      if (bestFeature < 0) return id;
      const order = orders[bestFeature]!;
      const a = x[order[bestPos]! * features + bestFeature]!;
      const b = x[order[bestPos + 1]! * features + bestFeature]!;
      // Midpoint, as scikit-learn; if it rounds up to b, the lower value keeps the split exact.
      let threshold = a / 2 + b / 2;
      if (threshold === b || !Number.isFinite(threshold)) threshold = a;
      for (let k = 0; k < m; k++) goesLeft[order[k]!] = k <= bestPos ? 1 : 0;
      const nl = bestPos + 1;
      const lefts: Int32Array[] = [];
      const rights: Int32Array[] = [];
      for (const o of orders) {
        const l = new Int32Array(nl);
        const r = new Int32Array(m - nl);
        let li = 0;
        let ri = 0;
        for (const i of o) {
          if (goesLeft[i]) l[li++] = i;
          else r[ri++] = i;
        }
        lefts.push(l);
        rights.push(r);
      }
      nodes.feature[id] = bestFeature;
      nodes.threshold[id] = threshold;
      nodes.left[id] = build(lefts, depth + 1);
      nodes.right[id] = build(rights, depth + 1);
      return id;
    };
    build(sorted, 0);
    return new RegressionTree(features, outputs, nodes);
  }

  /** Number of nodes. */
  get nodeCount(): number {
    return this.nodes.feature.length;
  }

  /** Number of leaves. */
  get leafCount(): number {
    return this.nodes.feature.filter((f) => f < 0).length;
  }

  /** Depth of the deepest leaf (a single leaf has depth 0). */
  get depth(): number {
    const walk = (id: number): number =>
      this.nodes.feature[id]! < 0 ? 0 : 1 + Math.max(walk(this.nodes.left[id]!), walk(this.nodes.right[id]!));
    return walk(0);
  }

  /** Predictions for `x` (row-major m × features): row-major m × outputs (x ≤ threshold goes left). */
  predict(x: ArrayLike<number>): Float64Array {
    const m = x.length / this.features;
    if (!Number.isInteger(m))
      throw new PaperkitInputError(
        'x',
        x,
        `a row-major array whose length is a multiple of ${this.features}`,
      );
    checkAllFinite('x', x);
    const out = new Float64Array(m * this.outputs);
    const { feature, threshold, left, right, value } = this.nodes;
    for (let r = 0; r < m; r++) {
      let id = 0;
      while (feature[id]! >= 0)
        id = x[r * this.features + feature[id]!]! <= threshold[id]! ? left[id]! : right[id]!;
      out.set(value[id]!, r * this.outputs);
    }
    return out;
  }
}
