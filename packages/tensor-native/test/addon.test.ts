import { describe, expect, it } from 'vitest';
import { type ConvGeometry, load } from '../src/index.js';

const loaded = load();
// Skip only when the addon was never built; a broken one must fail these tests, not hide.
const absent = loaded.failure === 'absent';
if (absent) console.warn(`[tensor-native] skipping addon tests: ${loaded.reason}`);
const native = loaded.addon!;

// tensor-core's Rng cannot be used here (tensor-core optionally depends on this package), so a
// seeded mulberry32 stands in: deterministic inputs, no Math.random.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

function rand(n: number, next: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = next();
  return out;
}

function expectClose(got: Float32Array, want: ArrayLike<number>, tol = 1e-5): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    const scale = Math.max(1, Math.abs(want[i]!));
    worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / scale);
  }
  expect(worst).toBeLessThan(tol);
}

describe.skipIf(absent)('sgemmBatched', () => {
  it('matches a float64 reference for every transpose pair, offsets, padded leading dims and broadcast batches', () => {
    const next = rng(7);
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      const [m, n, k] = [5, 3, 7];
      // Batch [2, 3]: A varies along dim 0 only (stride 0 on dim 1), B along dim 1 only.
      const lda = (ta ? m : k) + 2;
      const ldb = (tb ? k : n) + 1;
      const aRows = ta ? k : m;
      const bRows = tb ? n : k;
      const aOff = 3;
      const bOff = 1;
      const a = rand(aOff + 2 * aRows * lda, next);
      const b = rand(bOff + 3 * bRows * ldb, next);
      const c = new Float32Array(2 + 6 * m * n).fill(Number.NaN);
      native.sgemmBatched(
        ta,
        tb,
        m,
        n,
        k,
        1,
        a,
        aOff,
        lda,
        b,
        bOff,
        ldb,
        0,
        c,
        2,
        n,
        [2, 3],
        [aRows * lda, 0],
        [0, bRows * ldb],
        [3 * m * n, m * n],
      );
      const want = new Float64Array(6 * m * n);
      for (let i0 = 0; i0 < 2; i0++)
        for (let i1 = 0; i1 < 3; i1++)
          for (let i = 0; i < m; i++)
            for (let j = 0; j < n; j++) {
              let s = 0;
              for (let p = 0; p < k; p++) {
                const av = a[aOff + i0 * aRows * lda + (ta ? p * lda + i : i * lda + p)]!;
                const bv = b[bOff + i1 * bRows * ldb + (tb ? j * ldb + p : p * ldb + j)]!;
                s += av * bv;
              }
              want[((i0 * 3 + i1) * m + i) * n + j] = s;
            }
      expect(Number.isNaN(c[0]!) && Number.isNaN(c[1]!)).toBe(true); // nothing written before cOffset
      expectClose(c.subarray(2), want);
    }
  });

  it('accumulates with beta and scales with alpha', () => {
    const a = new Float32Array([1, 2]);
    const b = new Float32Array([3, 4]);
    const c = new Float32Array([10]);
    native.sgemmBatched(false, false, 1, 1, 2, 2, a, 0, 2, b, 0, 1, 0.5, c, 0, 1, [], [], [], []);
    expect(c[0]).toBe(2 * (3 + 8) + 5);
  });

  it('refuses any extent past the end of a view instead of touching it', () => {
    const a = new Float32Array(6);
    const c = new Float32Array(4);
    const call = (aOffset: number, batch: number[], strides: number[]) => () =>
      native.sgemmBatched(
        false,
        false,
        2,
        2,
        3,
        1,
        a,
        aOffset,
        3,
        a,
        0,
        2,
        0,
        c,
        0,
        2,
        batch,
        strides,
        [0],
        [0],
      );
    expect(call(0, [1], [0])).not.toThrow();
    expect(call(1, [1], [0])).toThrow(/reaches past the end of a/);
    expect(call(0, [2], [6])).toThrow(/reaches past the end of a/);
    expect(() =>
      native.sgemmBatched(false, false, 2, 2, 3, 1, a, 0, 2, a, 0, 2, 0, c, 0, 2, [], [], [], []),
    ).toThrow(/lda is smaller/);
    expect(() =>
      native.sgemmBatched(
        false,
        false,
        2,
        2,
        3,
        1,
        new Float64Array(6) as never,
        0,
        3,
        a,
        0,
        2,
        0,
        c,
        0,
        2,
        [],
        [],
        [],
        [],
      ),
    ).toThrow(TypeError);
    expect(() =>
      native.sgemmBatched(false, false, -1, 2, 3, 1, a, 0, 3, a, 0, 2, 0, c, 0, 2, [], [], [], []),
    ).toThrow(RangeError);
  });
});

/** Direct convolution in float64 (the definition tfjs implements), NHWC or NCHW. */
function convRef(x: Float32Array, w: Float32Array, g: ConvGeometry, last: boolean): Float64Array {
  const [n, ih, iw, ic, oh, ow, oc, fh, fw, sh, sw, dh, dw, pt, pl] = g;
  const xi = (b: number, h: number, v: number, c: number) =>
    last ? ((b * ih + h) * iw + v) * ic + c : ((b * ic + c) * ih + h) * iw + v;
  const yi = (b: number, h: number, v: number, c: number) =>
    last ? ((b * oh + h) * ow + v) * oc + c : ((b * oc + c) * oh + h) * ow + v;
  const y = new Float64Array(n * oh * ow * oc);
  for (let b = 0; b < n; b++)
    for (let h = 0; h < oh; h++)
      for (let v = 0; v < ow; v++)
        for (let o = 0; o < oc; o++) {
          let s = 0;
          for (let kh = 0; kh < fh; kh++)
            for (let kw = 0; kw < fw; kw++) {
              const r = h * sh - pt + kh * dh;
              const q = v * sw - pl + kw * dw;
              if (r < 0 || r >= ih || q < 0 || q >= iw) continue;
              for (let c = 0; c < ic; c++) s += x[xi(b, r, q, c)]! * w[((kh * fw + kw) * ic + c) * oc + o]!;
            }
          y[yi(b, h, v, o)] = s;
        }
  return y;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

const GEOMETRIES: ConvGeometry[] = [
  [2, 6, 5, 3, 6, 5, 4, 3, 3, 1, 1, 1, 1, 1, 1], // 'same' 3×3
  [3, 7, 7, 2, 3, 3, 5, 3, 2, 2, 2, 1, 1, 0, 0], // 'valid', stride 2, non-square filter
  [1, 8, 6, 3, 4, 2, 2, 3, 3, 1, 1, 2, 2, 0, 0], // dilation 2
  [2, 5, 4, 6, 5, 4, 3, 1, 1, 1, 1, 1, 1, 0, 0], // pointwise (sgemm without im2col)
  [2, 5, 5, 1, 3, 3, 1, 1, 1, 2, 2, 1, 1, 0, 0], // 1×1 stride 2 (not pointwise)
  [1, 4, 4, 2, 3, 3, 2, 2, 2, 2, 2, 1, 1, 1, 1], // explicit pad 1, stride 2
];

describe.skipIf(absent)('convolution', () => {
  for (const last of [true, false]) {
    for (const g of GEOMETRIES) {
      it(`${last ? 'NHWC' : 'NCHW'} ${g.join(',')}: forward matches direct convolution, gradients are its adjoints`, () => {
        const next = rng(g.reduce((s, v) => s * 31 + v, last ? 1 : 2));
        const [n, ih, iw, ic, oh, ow, oc, fh, fw] = g;
        const x = rand(n * ih * iw * ic, next);
        const w = rand(fh * fw * ic * oc, next);
        const dy = rand(n * oh * ow * oc, next);
        const y = new Float32Array(dy.length).fill(Number.NaN);
        native.conv2d(x, 0, w, 0, y, 0, g, last);
        expectClose(y, convRef(x, w, g, last));
        // <conv(x, w), dy> = <x, dx> = <w, dw> defines both backprops exactly.
        const dx = new Float32Array(x.length).fill(Number.NaN);
        const dw = new Float32Array(w.length).fill(Number.NaN);
        native.conv2dBackpropInput(dy, 0, w, 0, dx, 0, g, last);
        native.conv2dBackpropFilter(x, 0, dy, 0, dw, 0, g, last);
        const ref = dot(convRef(x, w, g, last), dy);
        expect(dot(x, dx)).toBeCloseTo(ref, 4);
        expect(dot(w, dw)).toBeCloseTo(ref, 4);
        // Each entry, not only the inner product: dx_i = <conv(e_i, w), dy>.
        for (const i of [0, x.length >> 1, x.length - 1]) {
          const e = new Float32Array(x.length);
          e[i] = 1;
          expect(dx[i]).toBeCloseTo(dot(convRef(e, w, g, last), dy), 5);
        }
        for (const i of [0, w.length - 1]) {
          const e = new Float32Array(w.length);
          e[i] = 1;
          expect(dw[i]).toBeCloseTo(dot(convRef(x, e, g, last), dy), 4);
        }
      });
    }
  }

  it('im2col and col2im are adjoint', () => {
    const g: ConvGeometry = [2, 5, 4, 3, 3, 2, 1, 3, 2, 2, 2, 1, 1, 1, 0];
    const next = rng(11);
    const x = rand(2 * 5 * 4 * 3, next);
    const cRand = rand(2 * 3 * 2 * 3 * 2 * 3, next);
    for (const last of [true, false]) {
      const cols = new Float32Array(cRand.length);
      native.im2col(x, 0, cols, 0, g, last);
      const back = new Float32Array(x.length);
      native.col2im(cRand, 0, back, 0, g, last);
      expect(dot(cols, cRand)).toBeCloseTo(dot(x, back), 5);
    }
  });

  it('rejects a geometry larger than the arrays', () => {
    const x = new Float32Array(8);
    const g: ConvGeometry = [1, 3, 3, 1, 3, 3, 1, 3, 3, 1, 1, 1, 1, 1, 1];
    expect(() => native.conv2d(x, 0, new Float32Array(9), 0, new Float32Array(9), 0, g, true)).toThrow(
      /first array is too short/,
    );
    expect(() =>
      native.conv2d(
        new Float32Array(9),
        0,
        new Float32Array(9),
        0,
        new Float32Array(9),
        0,
        [1, 3] as never,
        true,
      ),
    ).toThrow(/geometry must be 15/);
  });
});

describe.skipIf(absent)('threads', () => {
  it('sets and reports the OpenBLAS thread count', () => {
    const before = native.getThreads();
    if (!native.setThreads(1)) {
      expect(before).toBe(0); // Accelerate/plain CBLAS: no runtime control, reported as 0
      return;
    }
    expect(native.getThreads()).toBe(1);
    native.setThreads(before);
    expect(native.getThreads()).toBe(before);
    expect(() => native.setThreads(0)).toThrow(RangeError);
  });
});
