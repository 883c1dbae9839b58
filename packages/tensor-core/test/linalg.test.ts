import { describe, expect, it } from 'vitest';
import {
  cholesky,
  choleskySolve,
  det,
  diag,
  eigSym,
  fromRows,
  haarOrthogonal,
  identity,
  inverse,
  leastSquares,
  lu,
  type Matrix,
  type MatrixLike,
  matmul,
  matrix,
  matvec,
  powerIteration,
  qr,
  solve,
  svd,
  toRows,
  transpose,
  vectorNorm,
} from '../src/linalg/index.js';
import { Rng } from '../src/random/index.js';
import { maxAbsDiff } from '../src/testing/numeric.js';
import { PaperkitInputError } from '../src/validate/index.js';

const randn = (rng: Rng, rows: number, cols: number): Matrix =>
  matrix(rows, cols, rng.fillNormal(new Float64Array(rows * cols)));
const diff = (a: MatrixLike, b: MatrixLike): number => {
  expect([a.rows, a.cols]).toEqual([b.rows, b.cols]);
  return maxAbsDiff(a.data, b.data);
};
/** max |QᵀQ − I|. */
const orthErr = (q: MatrixLike): number => diff(matmul(transpose(q), q), identity(q.cols));
const symmetric = (rng: Rng, n: number): Matrix => {
  const g = randn(rng, n, n);
  const t = transpose(g);
  return matrix(
    n,
    n,
    g.data.map((v, i) => v + t.data[i]!),
  );
};
/** Q·diag(values)·Qᵀ for a Haar Q: a symmetric matrix with a known spectrum. */
const withSpectrum = (rng: Rng, values: number[]): Matrix => {
  const q = haarOrthogonal(values.length, rng);
  return matmul(matmul(q, diag(values)), transpose(q));
};
const thrownParameter = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PaperkitInputError);
    return (e as PaperkitInputError).parameter;
  }
  return undefined;
};

describe('matrix helpers', () => {
  it('matmul, matvec and transpose match hand-computed products', () => {
    const a = fromRows([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const b = fromRows([
      [7, 8],
      [9, 10],
      [11, 12],
    ]);
    expect(toRows(matmul(a, b))).toEqual([
      [58, 64],
      [139, 154],
    ]);
    expect(Array.from(matvec(a, [1, 0, -1]))).toEqual([-2, -2]);
    expect(toRows(transpose(a))).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    expect(vectorNorm([3e200, 4e200]) / 5e200).toBeCloseTo(1, 15); // no overflow
  });

  it('shape mismatches name the parameter', () => {
    const a = matrix(2, 3);
    expect(thrownParameter(() => matmul(a, matrix(2, 2)))).toBe('b');
    expect(thrownParameter(() => matvec(a, [1, 2]))).toBe('x');
    expect(thrownParameter(() => matmul({ rows: 2, cols: 2, data: new Float64Array(3) }, a))).toBe('a.data');
    expect(() => matmul(a, matrix(2, 2))).toThrow(/b must be a matrix with 3 rows/);
  });
});

describe('Householder QR', () => {
  const rng = Rng.fromSeed(1).stream('qr');
  const shapes: [number, number][] = [
    [7, 4],
    [4, 7],
    [6, 6],
    [1, 1],
    [1, 5],
    [5, 1],
    [40, 25],
  ];
  for (const [m, n] of shapes) {
    it(`${m}×${n}: a = qr, qᵀq = I, r upper triangular (thin and full)`, () => {
      const a = randn(rng, m, n);
      for (const mode of ['thin', 'full'] as const) {
        const { q, r } = qr(a, { mode });
        const k = mode === 'thin' ? Math.min(m, n) : m;
        expect([q.rows, q.cols, r.rows, r.cols]).toEqual([m, k, k, n]);
        expect(diff(matmul(q, r), a)).toBeLessThan(1e-12);
        expect(orthErr(q)).toBeLessThan(1e-13);
        for (let i = 0; i < r.rows; i++)
          for (let j = 0; j < Math.min(i, n); j++) expect(r.data[i * n + j]).toBe(0);
        if (mode === 'full') expect(diff(matmul(q, transpose(q)), identity(m))).toBeLessThan(1e-13);
      }
    });
  }

  it('handles rank-deficient input (zero and repeated columns)', () => {
    const a = fromRows([
      [1, 0, 1],
      [2, 0, 2],
      [3, 0, 3],
      [4, 0, 4],
    ]);
    const { q, r } = qr(a, { mode: 'full' });
    expect(diff(matmul(q, r), a)).toBeLessThan(1e-13);
    expect(orthErr(q)).toBeLessThan(1e-14);
    expect(Math.abs(r.data[1 * 3 + 1]!)).toBeLessThan(1e-14);
  });
});

describe('Haar orthogonal matrices', () => {
  it('are orthogonal to 1e-12 and reproducible from the seed', () => {
    for (const n of [1, 2, 3, 8, 64]) {
      const q = haarOrthogonal(n, Rng.fromSeed(7).stream(`n${n}`));
      expect(orthErr(q)).toBeLessThan(1e-12);
      expect(diff(matmul(q, transpose(q)), identity(n))).toBeLessThan(1e-12);
      expect(haarOrthogonal(n, Rng.fromSeed(7).stream(`n${n}`)).data).toEqual(q.data);
    }
  });

  it('special lands in SO(n); without it both determinant signs occur', () => {
    const rng = Rng.fromSeed(3);
    const plain = new Set<number>();
    for (let s = 0; s < 20; s++) {
      plain.add(Math.round(det(haarOrthogonal(5, rng))));
      expect(det(haarOrthogonal(5, rng, { special: true }))).toBeCloseTo(1, 12);
    }
    expect([...plain].sort()).toEqual([-1, 1]);
  });

  it('has Haar moments: E[Q11] = 0 and E[Q11²] = 1/n (the sign correction matters)', () => {
    // Without diag(sign R_ii), Householder QR gives Q11 = x1/α ≤ 0 always: the mean test would fail.
    const rng = Rng.fromSeed(11);
    const n = 8;
    let m1 = 0;
    let m2 = 0;
    const samples = 2000;
    for (let s = 0; s < samples; s++) {
      const q11 = haarOrthogonal(n, rng).data[0]!;
      m1 += q11 / samples;
      m2 += (q11 * q11) / samples;
    }
    expect(Math.abs(m1)).toBeLessThan(0.03);
    expect(Math.abs(m2 - 1 / n)).toBeLessThan(0.01);
  });
});

describe('symmetric eigendecomposition', () => {
  it('2×2 and diagonal matrices by hand, ascending by default', () => {
    const e = eigSym(
      fromRows([
        [2, 1],
        [1, 2],
      ]),
    );
    expect(Array.from(e.values)).toEqual([expect.closeTo(1, 14), expect.closeTo(3, 14)]);
    const v0 = [e.vectors.data[0]!, e.vectors.data[2]!];
    expect(Math.abs(v0[0]! + v0[1]!)).toBeLessThan(1e-14); // (1, −1)/√2 up to sign
    const d = eigSym(diag([3, -1, 2]), { order: 'descending' });
    expect(Array.from(d.values)).toEqual([3, 2, -1]);
  });

  for (const n of [1, 5, 50, 200]) {
    it(`n = ${n}: a = VΛVᵀ and VᵀV = I to 1e-10, sorted`, () => {
      const a = symmetric(Rng.fromSeed(5).stream(`eig${n}`), n);
      for (const order of ['ascending', 'descending'] as const) {
        const { values, vectors } = eigSym(a, { order });
        expect(diff(matmul(matmul(vectors, diag(values)), transpose(vectors)), a)).toBeLessThan(1e-10);
        expect(orthErr(vectors)).toBeLessThan(1e-10);
        for (let i = 1; i < n; i++)
          expect(order === 'ascending' ? values[i]! >= values[i - 1]! : values[i]! <= values[i - 1]!).toBe(
            true,
          );
      }
    });
  }

  it('recovers a known spectrum with repeated eigenvalues', () => {
    const spectrum = [-3, 1, 1, 2, 2, 2, 5];
    const a = withSpectrum(Rng.fromSeed(9), spectrum);
    const { values, vectors } = eigSym(a);
    expect(maxAbsDiff(values, spectrum)).toBeLessThan(1e-12);
    expect(orthErr(vectors)).toBeLessThan(1e-12);
  });

  it('rejects an asymmetric matrix, naming a', () => {
    expect(
      thrownParameter(() =>
        eigSym(
          fromRows([
            [1, 2],
            [0, 1],
          ]),
        ),
      ),
    ).toBe('a');
    expect(thrownParameter(() => eigSym(matrix(2, 3)))).toBe('a');
  });
});

describe('thin SVD (one-sided Jacobi)', () => {
  const rng = Rng.fromSeed(2).stream('svd');
  const shapes: [number, number][] = [
    [6, 4],
    [4, 6],
    [30, 30],
    [1, 5],
    [5, 1],
    [60, 12],
  ];
  for (const [m, n] of shapes) {
    it(`${m}×${n}: a = u·diag(s)·vᵀ, orthonormal u and v, s descending ≥ 0`, () => {
      const a = randn(rng, m, n);
      const { u, s, v } = svd(a);
      const k = Math.min(m, n);
      expect([u.rows, u.cols, s.length, v.rows, v.cols]).toEqual([m, k, k, n, k]);
      expect(diff(matmul(matmul(u, diag(s)), transpose(v)), a)).toBeLessThan(1e-12);
      expect(orthErr(u)).toBeLessThan(1e-12);
      expect(orthErr(v)).toBeLessThan(1e-12);
      for (let i = 0; i < k; i++) {
        expect(s[i]!).toBeGreaterThanOrEqual(0);
        if (i > 0) expect(s[i]!).toBeLessThanOrEqual(s[i - 1]!);
      }
      // σ² are the eigenvalues of aᵀa (or aaᵀ), an independent route to the same numbers.
      const gram = m >= n ? matmul(transpose(a), a) : matmul(a, transpose(a));
      const ev = eigSym(gram, { order: 'descending' }).values;
      expect(
        maxAbsDiff(
          s.map((x) => x * x),
          ev,
        ),
      ).toBeLessThan(1e-10);
    });
  }

  it('rank-deficient and zero matrices still give orthonormal factors', () => {
    const b = randn(rng, 7, 2);
    const c = randn(rng, 2, 5);
    const a = matmul(b, c); // rank 2
    const { u, s, v } = svd(a);
    expect(diff(matmul(matmul(u, diag(s)), transpose(v)), a)).toBeLessThan(1e-12);
    expect(orthErr(u)).toBeLessThan(1e-10);
    expect(orthErr(v)).toBeLessThan(1e-12);
    expect(s[2]!).toBeLessThan(1e-13 * s[0]!);
    const z = svd(matrix(4, 3));
    expect(Array.from(z.s)).toEqual([0, 0, 0]);
    expect(orthErr(z.u)).toBeLessThan(1e-15);
    expect(orthErr(z.v)).toBeLessThan(1e-15);
  });

  it('singular values of a hand matrix', () => {
    expect(Array.from(svd(diag([3, -2, 0.5])).s)).toEqual([3, 2, 0.5]);
    // [[3, 0], [4, 5]]: σ² solves σ⁴ − 50σ² + 225 = 0, i.e. σ = √45, √5.
    const s = svd(
      fromRows([
        [3, 0],
        [4, 5],
      ]),
    ).s;
    expect(s[0]).toBeCloseTo(Math.sqrt(45), 13);
    expect(s[1]).toBeCloseTo(Math.sqrt(5), 13);
  });
});

describe('linear solves', () => {
  const rng = Rng.fromSeed(4).stream('solve');

  it('LU solve, det and inverse', () => {
    const a = randn(rng, 6, 6);
    const x = rng.fillNormal(new Float64Array(6));
    const b = matvec(a, x);
    expect(maxAbsDiff(solve(a, b), x)).toBeLessThan(1e-12);
    expect(diff(matmul(inverse(a), a), identity(6))).toBeLessThan(1e-12);
    const bm = randn(rng, 6, 3);
    expect(diff(matmul(a, solve(a, bm)), bm)).toBeLessThan(1e-12);
    expect(
      det(
        fromRows([
          [1, 2],
          [3, 4],
        ]),
      ),
    ).toBeCloseTo(-2, 14);
    expect(
      det(
        fromRows([
          [0, 1, 0],
          [0, 0, 1],
          [1, 0, 0],
        ]),
      ),
    ).toBe(1);
    expect(
      det(
        fromRows([
          [0, 1],
          [1, 0],
        ]),
      ),
    ).toBe(-1);
    // det(ab) = det(a)·det(b).
    const c = randn(rng, 6, 6);
    expect(det(matmul(a, c)) / (det(a) * det(c))).toBeCloseTo(1, 11);
  });

  it('singular systems and bad shapes throw PaperkitInputError naming the parameter', () => {
    const singular = fromRows([
      [1, 2],
      [2, 4],
    ]);
    expect(lu(singular).singular).toBe(true);
    expect(det(singular)).toBe(0);
    expect(thrownParameter(() => solve(singular, [1, 1]))).toBe('a');
    expect(thrownParameter(() => inverse(matrix(3, 3)))).toBe('a');
    expect(() => solve(singular, [1, 1])).toThrow(/a must be a non-singular matrix/);
    expect(thrownParameter(() => solve(matrix(2, 3), [1, 1]))).toBe('a');
    expect(thrownParameter(() => solve(identity(3), [1, 1]))).toBe('b');
    expect(thrownParameter(() => solve(identity(3), matrix(2, 1)))).toBe('b');
  });

  it('Cholesky: a = LLᵀ with L lower triangular, solves, and rejects non-SPD input', () => {
    const g = randn(rng, 8, 5);
    const a = matmul(transpose(g), g);
    const l = cholesky(a);
    expect(diff(matmul(l, transpose(l)), a)).toBeLessThan(1e-12);
    for (let i = 0; i < 5; i++) for (let j = i + 1; j < 5; j++) expect(l.data[i * 5 + j]).toBe(0);
    const x = rng.fillNormal(new Float64Array(5));
    expect(maxAbsDiff(choleskySolve(l, matvec(a, x)), x)).toBeLessThan(1e-11);
    expect(
      thrownParameter(() =>
        cholesky(
          fromRows([
            [1, 2],
            [2, 1],
          ]),
        ),
      ),
    ).toBe('a');
    expect(() =>
      cholesky(
        fromRows([
          [1, 2],
          [2, 1],
        ]),
      ),
    ).toThrow(/symmetric positive definite/);
    expect(
      thrownParameter(() =>
        cholesky(
          fromRows([
            [1, 1],
            [0, 1],
          ]),
        ),
      ),
    ).toBe('a');
  });

  it('least squares matches the normal equations and recovers consistent systems exactly', () => {
    const a = randn(rng, 30, 4);
    const x = Float64Array.from([1, -2, 0.5, 3]);
    expect(maxAbsDiff(leastSquares(a, matvec(a, x)), x)).toBeLessThan(1e-12);
    const y = rng.fillNormal(new Float64Array(30));
    const ata = matmul(transpose(a), a);
    const normal = choleskySolve(cholesky(ata), matvec(transpose(a), y));
    const ls = leastSquares(a, y);
    expect(maxAbsDiff(ls, normal)).toBeLessThan(1e-10);
    // The residual is orthogonal to the columns of a.
    const r = matvec(a, ls).map((v, i) => y[i]! - v);
    expect(vectorNorm(matvec(transpose(a), r))).toBeLessThan(1e-10);
    const rankDeficient = fromRows([
      [1, 2],
      [2, 4],
      [3, 6],
    ]);
    expect(thrownParameter(() => leastSquares(rankDeficient, [1, 2, 3]))).toBe('a');
    expect(thrownParameter(() => leastSquares(matrix(2, 3), [1, 2]))).toBe('a');
  });
});

describe('power iteration', () => {
  it('finds the dominant eigenpair of a matrix operator (sync and async)', async () => {
    const rng = Rng.fromSeed(21);
    const a = withSpectrum(rng, [10, 6, 3, -2, 1, 0.5]);
    const top = eigSym(a, { order: 'descending' });
    for (const apply of [(v: Float64Array) => matvec(a, v), async (v: Float64Array) => matvec(a, v)]) {
      const res = await powerIteration(apply, 6, { rng: rng.stream('start'), iters: 500, tol: 1e-13 });
      expect(res.converged).toBe(true);
      expect(res.eigenvalue).toBeCloseTo(10, 10);
      const v0 = Array.from({ length: 6 }, (_, i) => top.vectors.data[i * 6]!);
      expect(Math.abs(Math.abs(res.eigenvector.reduce((s, x, i) => s + x * v0[i]!, 0)) - 1)).toBeLessThan(
        1e-6,
      );
      expect(res.residual).toBeLessThan(1e-5);
    }
  });

  it('magnitude vs algebraic: a dominant negative eigenvalue', async () => {
    const rng = Rng.fromSeed(22);
    const a = withSpectrum(rng, [-8, 3, 1, 0.5]);
    const op = (v: Float64Array) => matvec(a, v);
    const mag = await powerIteration(op, 4, { rng: rng.stream('a'), iters: 1000, tol: 1e-12 });
    expect(mag.eigenvalue).toBeCloseTo(-8, 9);
    const alg = await powerIteration(op, 4, {
      rng: rng.stream('a'),
      iters: 1000,
      tol: 1e-12,
      which: 'algebraic',
    });
    expect(alg.eigenvalue).toBeCloseTo(3, 9);
    expect(alg.iterations).toBeGreaterThan(mag.iterations);
  });

  it('tol = 0 runs every iteration; bad arguments are named', async () => {
    const a = diag([2, 1]);
    const res = await powerIteration((v) => matvec(a, v), 2, { rng: Rng.fromSeed(1), iters: 7, tol: 0 });
    expect(res.iterations).toBe(7);
    expect(res.converged).toBe(false);
    // The returned pair is consistent: eigenvalue = vᵀAv of the returned vector.
    const v = res.eigenvector;
    expect(res.eigenvalue).toBeCloseTo(2 * v[0]! ** 2 + v[1]! ** 2, 14);
    await expect(powerIteration((v) => v, 0, { rng: Rng.fromSeed(1) })).rejects.toThrow(/dim must be/);
    await expect(powerIteration((v) => v.subarray(1), 3, { rng: Rng.fromSeed(1) })).rejects.toThrow(
      /apply\(v\) must be a vector of length dim = 3/,
    );
    await expect(powerIteration((v) => v, 2, { rng: Rng.fromSeed(1), init: [0, 0] })).rejects.toThrow(/init/);
  });
});
