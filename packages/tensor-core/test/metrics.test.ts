import { describe, expect, it } from 'vitest';
import { fromRows, type Matrix, matrix, toRows } from '../src/linalg/index.js';
import {
  accuracyFromLabels,
  accuracyFromScores,
  edgeErrors,
  linearSumAssignment,
  meanCorrelationCoefficient,
  pearsonCorrelationMatrix,
  permuteAdjacency,
  r2Score,
  rankColumns,
  spearmanCorrelationMatrix,
  structuralHammingDistance,
} from '../src/metrics/index.js';
import { Rng } from '../src/random/index.js';
import { PaperkitInputError } from '../src/validate/index.js';

const thrownParameter = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PaperkitInputError);
    return (e as PaperkitInputError).parameter;
  }
  return undefined;
};

/** n×d matrix whose column j is f_j(row) for the row of `z`. */
const mapColumns = (z: Matrix, fs: ((row: Float64Array) => number)[]): Matrix => {
  const out = matrix(z.rows, fs.length);
  for (let i = 0; i < z.rows; i++) {
    const row = z.data.subarray(i * z.cols, (i + 1) * z.cols);
    fs.forEach((f, j) => {
      out.data[i * fs.length + j] = f(row);
    });
  }
  return out;
};
const gaussian = (rng: Rng, n: number, d: number): Matrix =>
  matrix(n, d, rng.fillNormal(new Float64Array(n * d)));

describe('accuracy on host arrays', () => {
  it('from labels and from scores (argmax, lowest index on ties)', () => {
    expect(accuracyFromLabels([0, 1, 2, 2], [0, 1, 1, 2])).toBe(0.75);
    const scores = fromRows([
      [2, 1, 0],
      [0, 3, 3],
      [1, 1, 1],
      [0.1, 0.2, 0.7],
    ]);
    // Row 1 ties between classes 1 and 2 (→ 1), row 2 ties everywhere (→ 0).
    expect(accuracyFromScores(scores, [0, 2, 0, 2])).toBe(0.75);
    expect(accuracyFromScores({ rows: 2, cols: 2, data: new Float32Array([1, 0, 0, 1]) }, [1, 1])).toBe(0.5);
    expect(thrownParameter(() => accuracyFromScores(scores, [0, 1]))).toBe('labels');
    expect(thrownParameter(() => accuracyFromScores(scores, [0, 1, 3, 0]))).toBe('labels[2]');
    expect(thrownParameter(() => accuracyFromLabels([], []))).toBe('predicted');
    expect(thrownParameter(() => accuracyFromLabels([Number.NaN, 1], [Number.NaN, 1]))).toBe('predicted[0]');
    expect(thrownParameter(() => accuracyFromLabels([0, 1], [0, 1.5]))).toBe('labels[1]');
  });
});

describe('R²', () => {
  const y = fromRows([
    [1, 10],
    [2, 20],
    [3, 10],
    [4, 40],
  ]);
  it('is 1 for perfect predictions and 0 for predicting the column mean', () => {
    const perfect = r2Score(y, y);
    expect(Array.from(perfect.perDimension)).toEqual([1, 1]);
    expect(perfect.mean).toBe(1);
    const mean = fromRows(Array.from({ length: 4 }, () => [2.5, 20]));
    const r = r2Score(y, mean);
    expect(Math.abs(r.perDimension[0]!)).toBeLessThan(1e-15);
    expect(Math.abs(r.perDimension[1]!)).toBeLessThan(1e-15);
  });

  it('matches a hand computation and accepts float32 data', () => {
    // Column 0: SS_res = 1 (one prediction off by 1), SS_tot = 5 → 0.8. Column 1: SS_res = 100, SS_tot = 600.
    const pred = { rows: 4, cols: 2, data: new Float32Array([1, 10, 2, 20, 3, 20, 5, 40]) };
    const r = r2Score(y, pred);
    expect(r.perDimension[0]).toBeCloseTo(0.8, 15);
    expect(r.perDimension[1]).toBeCloseTo(1 - 100 / 600, 15);
    expect(r.mean).toBeCloseTo((0.8 + 1 - 100 / 600) / 2, 15);
  });

  it('constant targets score 1 when exact, 0 otherwise; shapes are checked', () => {
    const c = fromRows([[3], [3], [3]]);
    expect(r2Score(c, c).mean).toBe(1);
    expect(r2Score(c, fromRows([[3], [3], [4]])).mean).toBe(0);
    expect(thrownParameter(() => r2Score(y, matrix(4, 3)))).toBe('yPred');
  });
});

describe('correlation matrices', () => {
  it('ranks with average ties (scipy rankdata)', () => {
    const r = rankColumns(fromRows([[3], [1], [4], [1], [5], [4]]));
    expect(Array.from(r.data)).toEqual([3, 1.5, 4.5, 1.5, 6, 4.5]);
  });

  it('Pearson: ±1 for affine maps, hand value, 0 against a constant column', () => {
    const x = fromRows([
      [1, 1, 7],
      [2, 0, 7],
      [3, 2, 7],
    ]);
    const c = pearsonCorrelationMatrix(x, mapColumns(x, [(r) => 2 * r[0]! + 1, (r) => -0.5 * r[0]!]));
    expect(c.rows).toBe(3);
    expect(c.cols).toBe(2);
    expect(c.data[0]).toBeCloseTo(1, 15);
    expect(c.data[1]).toBeCloseTo(-1, 15);
    // x0 = (1, 2, 3), x1 = (1, 0, 2): centred (−1, 0, 1)·(0, −1, 1) = 1, norms √2·√2 → 0.5.
    expect(c.data[2]).toBeCloseTo(0.5, 15);
    expect(c.data[4]).toBe(0);
    expect(c.data[5]).toBe(0);
  });

  it('Spearman is ±1 for strictly monotone maps where Pearson is not', () => {
    const z = gaussian(Rng.fromSeed(5), 500, 1);
    const y = mapColumns(z, [(r) => r[0]! ** 3, (r) => -Math.exp(r[0]!)]);
    const s = spearmanCorrelationMatrix(z, y);
    expect(Array.from(s.data)).toEqual([1, -1]);
    const p = pearsonCorrelationMatrix(z, y);
    expect(p.data[0]!).toBeLessThan(0.95);
    expect(thrownParameter(() => pearsonCorrelationMatrix(z, matrix(3, 1)))).toBe('y');
  });
});

/** Optimal total over all injective row→column maps (or column→row when m > n), by enumeration. */
function bruteForce(cost: Matrix, maximize: boolean): number {
  const { rows: m, cols: n, data } = cost;
  const transposed = m > n;
  const [r, c] = transposed ? [n, m] : [m, n];
  const at = (i: number, j: number) => (transposed ? data[j * n + i]! : data[i * n + j]!);
  let best = maximize ? -Infinity : Infinity;
  const used = new Uint8Array(c);
  const rec = (i: number, acc: number) => {
    if (i === r) {
      best = maximize ? Math.max(best, acc) : Math.min(best, acc);
      return;
    }
    for (let j = 0; j < c; j++) {
      if (used[j]) continue;
      used[j] = 1;
      rec(i + 1, acc + at(i, j));
      used[j] = 0;
    }
  };
  rec(0, 0);
  return best;
}

describe('linear sum assignment', () => {
  it('equals brute force over all assignments for every shape up to 6×6', () => {
    const rng = Rng.fromSeed(13);
    let cases = 0;
    for (let m = 1; m <= 6; m++)
      for (let n = 1; n <= 6; n++)
        for (let t = 0; t < 6; t++) {
          // Half the cases use small integers, so ties between optimal assignments are common.
          const data = Float64Array.from({ length: m * n }, () => (t % 2 === 0 ? rng.int(4) : rng.normal()));
          const cost = matrix(m, n, data);
          for (const maximize of [false, true]) {
            const res = linearSumAssignment(cost, { maximize });
            expect(res.total).toBeCloseTo(bruteForce(cost, maximize), 12);
            const cols = Array.from(res.rowToCol).filter((j) => j >= 0);
            expect(cols.length).toBe(Math.min(m, n));
            expect(new Set(cols).size).toBe(cols.length);
            let total = 0;
            res.rowToCol.forEach((j, i) => {
              if (j >= 0) {
                expect(res.colToRow[j]).toBe(i);
                total += data[i * n + j]!;
              }
            });
            expect(total).toBe(res.total);
            cases++;
          }
        }
    expect(cases).toBe(432);
  });

  it('handles empty matrices and rejects non-finite costs', () => {
    expect(linearSumAssignment(matrix(0, 3)).total).toBe(0);
    expect(thrownParameter(() => linearSumAssignment(fromRows([[1, Number.NaN]])))).toBe('cost.data[1]');
  });
});

describe('mean correlation coefficient', () => {
  const rng = Rng.fromSeed(17);
  const n = 2000;
  const z = gaussian(rng, n, 4);

  it('is 1 with Pearson for a permuted affine map, and the assignment inverts the permutation', () => {
    // ẑ_j = a_j·z_σ(j) + b_j with σ = (2, 0, 3, 1), some scales negative.
    const sigma = [2, 0, 3, 1];
    const zHat = mapColumns(z, [
      (r) => 3 * r[2]! + 1,
      (r) => -0.5 * r[0]!,
      (r) => 2 * r[3]! - 4,
      (r) => -7 * r[1]!,
    ]);
    const res = meanCorrelationCoefficient(z, zHat);
    expect(Math.abs(res.mcc - 1)).toBeLessThan(1e-12);
    const inverse = [0, 0, 0, 0];
    sigma.forEach((s, j) => {
      inverse[s] = j;
    });
    expect(Array.from(res.assignment)).toEqual(inverse);
    expect(toRows(res.permutation)).toEqual(inverse.map((j) => [0, 1, 2, 3].map((k) => (k === j ? 1 : 0))));
    expect(res.correlation.data[1 * 4 + 3]).toBeCloseTo(-1, 12);
  });

  it('monotone maps: Spearman MCC = 1, Pearson well below (spec §0.2 example)', () => {
    // ẑ = (3·tanh z₃ + 1, z₁³, −2z₄, e^{z₂}) in the spec's 1-based indices.
    const zHat = mapColumns(z, [
      (r) => 3 * Math.tanh(r[2]!) + 1,
      (r) => r[0]! ** 3,
      (r) => -2 * r[3]!,
      (r) => Math.exp(r[1]!),
    ]);
    const spearman = meanCorrelationCoefficient(z, zHat, { method: 'spearman' });
    expect(Math.abs(spearman.mcc - 1)).toBeLessThan(1e-12);
    expect(Array.from(spearman.assignment)).toEqual([1, 3, 0, 2]);
    const pearson = meanCorrelationCoefficient(z, zHat, { method: 'pearson' });
    // Population value ≈ 0.869 (spec, numpy); n = 2000 samples of heavy-tailed z³ and e^z spread it.
    expect(pearson.mcc).toBeGreaterThan(0.84);
    expect(pearson.mcc).toBeLessThan(0.92);
  });

  it('rectangular: extra estimates are left unmatched, fewer estimates average over matched pairs', () => {
    const noise = gaussian(rng.stream('noise'), n, 2);
    const wide = matrix(n, 5);
    for (let i = 0; i < n; i++) {
      wide.data.set([noise.data[2 * i]!, z.data[4 * i + 1]!, noise.data[2 * i + 1]!, z.data[4 * i]!], i * 5);
      wide.data[i * 5 + 4] = z.data[4 * i + 3]! - z.data[4 * i + 2]!;
    }
    const zz = mapColumns(z, [(r) => r[0]!, (r) => r[1]!]);
    const res = meanCorrelationCoefficient(zz, wide);
    expect(Math.abs(res.mcc - 1)).toBeLessThan(1e-12);
    expect(Array.from(res.assignment)).toEqual([3, 1]);
    const narrow = meanCorrelationCoefficient(z, zz);
    expect(Math.abs(narrow.mcc - 1)).toBeLessThan(1e-12);
    expect(Array.from(narrow.assignment.slice(0, 2))).toEqual([0, 1]);
    expect(Array.from(narrow.assignment.slice(2))).toEqual([-1, -1]);
  });

  it('is near 0 for independent estimates and validates shapes', () => {
    const res = meanCorrelationCoefficient(z, gaussian(rng.stream('indep'), n, 4));
    expect(res.mcc).toBeLessThan(0.08);
    expect(thrownParameter(() => meanCorrelationCoefficient(z, matrix(10, 4)))).toBe('zHat');
    expect(thrownParameter(() => meanCorrelationCoefficient(z, z, { method: 'kendall' as never }))).toBe(
      'method',
    );
  });
});

describe('structural Hamming distance', () => {
  const adj = (n: number, edges: [number, number][]): Matrix => {
    const m = matrix(n, n);
    for (const [i, j] of edges) m.data[i * n + j] = 1;
    return m;
  };
  const chain = adj(4, [
    [0, 1],
    [1, 2],
    [2, 3],
  ]);

  it('is 0 for identical graphs', () => {
    expect(structuralHammingDistance(chain, chain)).toEqual({
      shd: 0,
      insertions: 0,
      deletions: 0,
      reversed: 0,
    });
  });

  it('counts one insertion, one deletion and one reversal (once by default, twice on request)', () => {
    // Truth 0→1→2→3. Prediction: 1→0 (reversed), 1→2 kept, 2→3 deleted, 0→3 inserted.
    const pred = adj(4, [
      [1, 0],
      [1, 2],
      [0, 3],
    ]);
    expect(structuralHammingDistance(chain, pred)).toEqual({
      shd: 3,
      insertions: 1,
      deletions: 1,
      reversed: 1,
    });
    expect(structuralHammingDistance(chain, pred, { reversals: 'twice' }).shd).toBe(4);
    // For graphs without 2-cycles, counting reversals twice equals element-wise fn + fp.
    expect(edgeErrors(chain, pred)).toEqual({ falseNegatives: 2, falsePositives: 2, total: 4 });
  });

  it('2-cycles, self-loops, empty graphs and thresholds', () => {
    const twoCycle = adj(4, [
      [0, 1],
      [1, 0],
      [1, 2],
      [2, 3],
      [3, 3],
    ]);
    expect(structuralHammingDistance(chain, twoCycle)).toEqual({
      shd: 2,
      insertions: 1,
      deletions: 0,
      reversed: 1,
    });
    expect(structuralHammingDistance(chain, matrix(4, 4)).shd).toBe(3);
    expect(structuralHammingDistance(matrix(4, 4), chain)).toEqual({
      shd: 3,
      insertions: 3,
      deletions: 0,
      reversed: 0,
    });
    const probs = matrix(
      4,
      4,
      chain.data.map((v) => (v ? 0.9 : 0.3)),
    );
    expect(structuralHammingDistance(chain, probs, { threshold: 0.5 }).shd).toBe(0);
    // Threshold 0: every 0.3 is an edge, so the 3 chain pairs become 2-cycles, the 3 other pairs
    // and the 4 self-loops are insertions.
    expect(structuralHammingDistance(chain, probs)).toEqual({
      shd: 10,
      insertions: 7,
      deletions: 0,
      reversed: 3,
    });
  });

  it('aligning a relabelled graph with P·Ĝ·Pᵀ gives 0', () => {
    // Learned node j is true node σ(j); the MCC assignment is π = σ⁻¹.
    const sigma = [2, 0, 3, 1];
    const learned = matrix(4, 4);
    for (let j = 0; j < 4; j++)
      for (let k = 0; k < 4; k++) learned.data[j * 4 + k] = chain.data[sigma[j]! * 4 + sigma[k]!]!;
    const pi = [1, 3, 0, 2];
    expect(structuralHammingDistance(chain, learned).shd).toBeGreaterThan(0);
    expect(structuralHammingDistance(chain, permuteAdjacency(learned, pi)).shd).toBe(0);
    expect(thrownParameter(() => permuteAdjacency(learned, [0, 0, 1, 2]))).toBe('assignment');
  });

  it('edge errors work on rectangular masks; shapes are checked', () => {
    const t = fromRows([
      [1, 0, 1],
      [0, 1, 0],
    ]);
    const p = fromRows([
      [1, 1, 0],
      [0, 1, 0],
    ]);
    expect(edgeErrors(t, p)).toEqual({ falseNegatives: 1, falsePositives: 1, total: 2 });
    expect(thrownParameter(() => structuralHammingDistance(t, t))).toBe('trueAdj');
    expect(thrownParameter(() => structuralHammingDistance(chain, matrix(3, 3)))).toBe('predAdj');
    expect(thrownParameter(() => edgeErrors(t, chain))).toBe('predMask');
  });
});
