#!/usr/bin/env node
// Fuzzes every entry point of the tensor-native addon in this process and prints one JSON summary.
// Run it in a child process (test/fuzz.test.ts, .ci/sanitize.sh): a memory error then kills only
// this process, and the parent sees a signal instead of losing its test runner.
//
//   node fuzz-addon.mjs --addon build/Release/tensor_native.node --calls 100000 --seed 1
//
// Each call gets arguments that are valid, then (most of the time) one or more replaced by an
// adversarial value: negative, fractional, NaN, ±Infinity, 2^31, 2^53, wrapped int64 products,
// wrong types, detached or too-short arrays, huge strides and offsets. Every array is a view into a
// larger buffer whose margins hold a sentinel, so a write outside a view is seen even without a
// sanitizer. A call must return or throw a TypeError/RangeError; valid calls are also checked
// against a float64 reference. Exit code 0 when nothing unexpected happened, 1 otherwise.
import { constants } from 'node:os';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => {
    if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
    return acc;
  }, []),
);
const addonPath = args.addon;
const totalCalls = Number(args.calls ?? 100000);
const seed = Number(args.seed ?? 1);
if (!addonPath || !Number.isInteger(totalCalls) || totalCalls < 1) {
  console.error('usage: fuzz-addon.mjs --addon PATH [--calls N] [--seed S]');
  process.exit(2);
}
const mod = { exports: {} };
process.dlopen(mod, addonPath, constants.dlopen.RTLD_NOW);
const native = mod.exports;

// ---------------------------------------------------------------------------------------------
// Seeded randomness (mulberry32) and guarded arrays.

let state = seed >>> 0;
function rand() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n) => Math.floor(rand() * n);
const pick = (xs) => xs[int(xs.length)];
const chance = (p) => rand() < p;

const GUARD = 16;
const SENTINEL = Math.fround(-7.25e-31); // a float32 value none of the kernels here produces
const guarded = [];

/** A Float32Array (or Int32Array) of `len` elements inside a buffer with sentinel margins. */
function arr(len, kind = 'f32', fill = 'rand') {
  const Ctor = kind === 'i32' ? Int32Array : Float32Array;
  const buf = new Ctor(len + 2 * GUARD);
  const sentinel = kind === 'i32' ? -123456789 : SENTINEL;
  buf.fill(sentinel);
  const view = new Ctor(buf.buffer, GUARD * 4, len);
  for (let i = 0; i < len; i++) view[i] = fill === 'zero' ? 0 : kind === 'i32' ? int(7) - 1 : rand() * 4 - 2;
  guarded.push({ buf, len, sentinel });
  return view;
}

function checkGuards() {
  let bad = 0;
  for (const { buf, len, sentinel } of guarded) {
    for (let i = 0; i < GUARD; i++)
      if (!Object.is(buf[i], sentinel) || !Object.is(buf[GUARD + len + i], sentinel)) bad++;
  }
  guarded.length = 0;
  return bad;
}

function detached(len) {
  const a = new Float32Array(len);
  structuredClone(a.buffer, { transfer: [a.buffer] });
  return a;
}

// Values that break integer, size and type assumptions. 2^30 and 2^31 − 1 multiply to wrapped
// int64 products; 2^53 and 2^63 sit at double and int64 limits.
const HUGE = [2 ** 30, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 2 ** 62, 2 ** 63, 2 ** 64, 1e300];
const BAD_NUMBERS = [
  -1,
  -0,
  0.5,
  -(2 ** 31),
  Number.NaN,
  Infinity,
  -Infinity,
  Number.MAX_SAFE_INTEGER,
  ...HUGE,
];
const BAD_ANY = [
  ...BAD_NUMBERS,
  '3',
  null,
  undefined,
  {},
  true,
  1n,
  [],
  [-1],
  [Number.NaN],
  [2 ** 31],
  [2 ** 30, 2 ** 30, 2 ** 30],
  Array(9).fill(1),
  Array(16).fill(2 ** 31 - 1),
  new Float64Array(8),
  new Int32Array(8),
  new Uint8Array(8),
  new Float32Array(0),
  () => 0,
];
function badValue() {
  if (chance(0.1)) return detached(int(8));
  if (chance(0.1)) return new Float32Array(int(4));
  return pick(BAD_ANY);
}

// ---------------------------------------------------------------------------------------------
// Valid-call generators. Each returns { args, check? } where check() compares the outputs with a
// float64 reference (valid calls only) and returns an error string or null.

const close = (got, want, tol) => {
  if (Object.is(got, want) || (Number.isNaN(want) && Number.isNaN(got))) return true;
  return Math.abs(got - want) <= tol * Math.max(1, Math.abs(want));
};

function contiguousStrides(shape, inner) {
  const s = new Array(shape.length);
  let acc = inner;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}
const size = (shape) => shape.reduce((a, b) => a * b, 1);
function* indices(shape) {
  const idx = shape.map(() => 0);
  if (shape.some((d) => d === 0)) return;
  for (;;) {
    yield idx;
    let d = shape.length - 1;
    while (d >= 0 && ++idx[d] === shape[d]) idx[d--] = 0;
    if (d < 0) return;
  }
}
const dotIdx = (idx, s) => idx.reduce((a, v, i) => a + v * s[i], 0);

function genSgemm() {
  const [m, n, k] = [int(6), int(6), int(6)];
  const ta = chance(0.5);
  const tb = chance(0.5);
  const batch = Array.from({ length: int(4) }, () => int(4));
  const [aRows, aCols] = ta ? [k, m] : [m, k];
  const [bRows, bCols] = tb ? [n, k] : [k, n];
  const lda = Math.max(1, aCols) + int(3);
  const ldb = Math.max(1, bCols) + int(3);
  const ldc = Math.max(1, n) + int(2);
  const aMat = aRows * lda;
  const bMat = bRows * ldb;
  const cMat = m * ldc;
  const sa = batch.map((_, i) => (chance(0.3) ? 0 : contiguousStrides(batch, aMat)[i]));
  const sb = batch.map((_, i) => (chance(0.3) ? 0 : contiguousStrides(batch, bMat)[i]));
  const sc = contiguousStrides(batch, cMat);
  const ext = (mat, s) =>
    batch.some((d) => d === 0) ? 0 : mat + batch.reduce((a, d, i) => a + (d - 1) * s[i], 0);
  const [ao, bo, co] = [int(3), int(3), int(3)];
  const a = arr(ao + ext(aMat, sa) + int(2));
  const b = arr(bo + ext(bMat, sb) + int(2));
  const c = arr(co + ext(cMat, sc) + int(2));
  const alpha = pick([1, -0.5, 2]);
  const beta = pick([0, 1, 0.5]);
  const c0 = Float64Array.from(c);
  const args = [ta, tb, m, n, k, alpha, a, ao, lda, b, bo, ldb, beta, c, co, ldc, batch, sa, sb, sc];
  const check = () => {
    for (const idx of indices(batch)) {
      const [oa, ob, oc] = [ao + dotIdx(idx, sa), bo + dotIdx(idx, sb), co + dotIdx(idx, sc)];
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++)
            s += a[oa + (ta ? p * lda + i : i * lda + p)] * b[ob + (tb ? j * ldb + p : p * ldb + j)];
          const at = oc + i * ldc + j;
          const want = alpha * s + (beta === 0 ? 0 : beta * c0[at]);
          if (!close(c[at], want, 1e-5)) return `sgemm c[${at}] = ${c[at]}, want ${want}`;
        }
    }
    return null;
  };
  return { args, check };
}

function genConv(op) {
  const g = [
    int(3),
    int(6),
    int(6),
    int(4),
    0,
    0,
    int(4),
    1 + int(3),
    1 + int(3),
    1 + int(2),
    1 + int(2),
    1 + int(2),
    1 + int(2),
    int(3),
    int(3),
  ];
  g[4] = int(7);
  g[5] = int(7);
  const last = chance(0.5);
  const [n, ih, iw, ic, oh, ow, oc, fh, fw] = g;
  const xs = n * ih * iw * ic;
  const ys = n * oh * ow * oc;
  const ws = fh * fw * ic * oc;
  const cs = n * oh * ow * fh * fw * ic;
  const sizes = {
    conv2d: [xs, ws, ys],
    conv2dBackpropInput: [ys, ws, xs],
    conv2dBackpropFilter: [xs, ys, ws],
    im2col: [xs, cs],
    col2im: [cs, xs],
  }[op];
  const offs = sizes.map(() => int(3));
  const arrays = sizes.map((s, i) => arr(offs[i] + s + int(2)));
  const args = [];
  for (const [i, a] of arrays.entries()) args.push(a, offs[i]);
  args.push(g, last);
  return { args };
}

function genUnary() {
  const n = int(40);
  const [xo, yo] = [int(3), int(3)];
  const x = arr(xo + n + int(2));
  const y = arr(yo + n + int(2));
  const op = int(15);
  const alpha = pick([0, 0.2, -1]);
  const f = [
    (v) => v,
    (v) => -v,
    Math.exp,
    Math.log,
    Math.sqrt,
    (v) => 1 / Math.sqrt(v),
    (v) => v * v,
    Math.abs,
    (v) => 1 / v,
    Math.tanh,
    (v) => 1 / (1 + Math.exp(-v)),
    (v) => Math.max(0, v),
    null, // erf: checked in the unit tests against a float64 reference
    (v) => (v > 0 ? 1 : alpha),
    (v) => (v < 0 ? alpha * v : v),
  ][op];
  const xs = Float64Array.from(x);
  return {
    args: [op, x, xo, y, yo, n, alpha],
    check: () => {
      if (!f) return null;
      for (let i = 0; i < n; i++) {
        const want = Math.fround(f(xs[xo + i]));
        if (!close(y[yo + i], want, 1e-6)) return `unary ${op} y[${i}] = ${y[yo + i]}, want ${want}`;
      }
      return null;
    },
  };
}

function genCast() {
  const n = int(40);
  const [xo, yo] = [int(3), int(3)];
  const x = arr(xo + n + int(2), 'i32');
  const y = arr(yo + n + int(2));
  return {
    args: [x, xo, y, yo, n],
    check: () => {
      for (let i = 0; i < n; i++) if (y[yo + i] !== x[xo + i]) return `cast y[${i}] = ${y[yo + i]}`;
      return null;
    },
  };
}

function genBinary() {
  const shape = Array.from({ length: int(5) }, () => int(4));
  const bcast = () => shape.map((_, i) => (chance(0.35) ? 0 : contiguousStrides(shape, 1)[i]));
  const [sa, sb] = [bcast(), bcast()];
  const ext = (s) => (shape.some((d) => d === 0) ? 0 : 1 + shape.reduce((a, d, i) => a + (d - 1) * s[i], 0));
  const [ao, bo, co] = [int(3), int(3), int(3)];
  const a = arr(ao + ext(sa) + int(2));
  const b = arr(bo + ext(sb) + int(2));
  const c = arr(co + size(shape) + int(2));
  const op = int(5);
  const f = [(x, y) => x + y, (x, y) => x - y, (x, y) => x * y, (x, y) => x / y, (x, y) => (x - y) * (x - y)][
    op
  ];
  return {
    args: [op, a, ao, sa, b, bo, sb, c, co, shape],
    check: () => {
      let at = co;
      for (const idx of indices(shape)) {
        const x = a[ao + dotIdx(idx, sa)];
        const y = b[bo + dotIdx(idx, sb)];
        const d = Math.fround(x - y);
        const want = op === 4 ? Math.fround(d * d) : Math.fround(f(x, y));
        if (!Object.is(c[at], want) && !(Number.isNaN(want) && Number.isNaN(c[at])))
          return `binary ${op} at ${at}: ${c[at]}, want ${want}`;
        at++;
      }
      return null;
    },
  };
}

function genReduce() {
  const [outer, n, inner] = [int(4), pick([0, 1, 3, 9, 20]), int(4)];
  const [xo, yo] = [int(3), int(3)];
  const x = arr(xo + outer * n * inner + int(2));
  const y = arr(yo + outer * inner + int(2));
  const op = int(4);
  return {
    args: [op, x, xo, y, yo, outer, n, inner],
    check: () => {
      for (let o = 0; o < outer; o++)
        for (let i = 0; i < inner; i++) {
          const vals = Array.from({ length: n }, (_, j) => x[xo + (o * n + j) * inner + i]);
          const sum = vals.reduce((s, v) => s + v, 0);
          const want = [sum, sum / n, Math.max(-Infinity, ...vals), Math.min(Infinity, ...vals)][op];
          if (!close(y[yo + o * inner + i], want, 1e-6))
            return `reduce ${op}: ${y[yo + o * inner + i]}, want ${want}`;
        }
      return null;
    },
  };
}

function genSoftmax() {
  const [rows, cols] = [int(4), int(9)];
  const [xo, yo] = [int(3), int(3)];
  const x = arr(xo + rows * cols + int(2));
  const y = arr(yo + rows * cols + int(2));
  return {
    args: [x, xo, y, yo, rows, cols],
    check: () => {
      for (let r = 0; r < rows; r++) {
        const row = Array.from({ length: cols }, (_, j) => x[xo + r * cols + j]);
        const mx = Math.max(...row);
        const z = row.reduce((s, v) => s + Math.exp(v - mx), 0);
        for (let j = 0; j < cols; j++) {
          const want = Math.exp(row[j] - mx) / z;
          if (!close(y[yo + r * cols + j], want, 1e-6))
            return `softmax [${r},${j}] = ${y[yo + r * cols + j]}`;
        }
      }
      return null;
    },
  };
}

function genTranspose() {
  const shape = Array.from({ length: int(5) }, () => int(4));
  const perm = shape.map((_, i) => i);
  for (let i = perm.length - 1; i > 0; i--) {
    const j = int(i + 1);
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const kind = chance(0.5) ? 'f32' : 'i32';
  const [xo, yo] = [int(3), int(3)];
  const x = arr(xo + size(shape) + int(2), kind);
  const y = arr(yo + size(shape) + int(2), kind);
  const xs = contiguousStrides(shape, 1);
  const out = perm.map((p) => shape[p]);
  return {
    args: [x, xo, y, yo, shape, perm],
    check: () => {
      let at = yo;
      for (const idx of indices(out)) {
        const src = xo + idx.reduce((a, v, d) => a + v * xs[perm[d]], 0);
        if (!Object.is(y[at], x[src])) return `transpose at ${at}`;
        at++;
      }
      return null;
    },
  };
}

function genGather() {
  const [outer, nIdx, axis, inner] = [int(3), int(6), int(5), int(4)];
  const kind = chance(0.5) ? 'f32' : 'i32';
  const [xo, io, yo] = [int(3), int(3), int(3)];
  const x = arr(xo + outer * axis * inner + int(2), kind);
  const idx = arr(io + nIdx + int(2), 'i32');
  for (let j = 0; j < nIdx; j++)
    idx[io + j] = chance(0.05) ? pick([-1, axis, 2 ** 31 - 1]) : int(Math.max(axis, 1));
  const y = arr(yo + outer * nIdx * inner + int(2), kind);
  return {
    args: [x, xo, idx, io, y, yo, outer, nIdx, axis, inner],
    check: (ret) => {
      const firstBad = Array.from(idx.subarray(io, io + nIdx)).findIndex((v) => v < 0 || v >= axis);
      if (ret !== firstBad) return `gather returned ${ret}, want ${firstBad}`;
      if (firstBad >= 0) return null;
      for (let o = 0; o < outer; o++)
        for (let j = 0; j < nIdx; j++)
          for (let i = 0; i < inner; i++)
            if (!Object.is(y[yo + (o * nIdx + j) * inner + i], x[xo + (o * axis + idx[io + j]) * inner + i]))
              return `gather [${o},${j},${i}]`;
      return null;
    },
  };
}

function genSegmentSum() {
  const [n, nseg, inner] = [int(8), int(5), int(4)];
  const [xo, so, yo] = [int(3), int(3), int(3)];
  const x = arr(xo + n * inner + int(2));
  const seg = arr(so + n + int(2), 'i32');
  const y = arr(yo + nseg * inner + int(2));
  return {
    args: [x, xo, seg, so, y, yo, n, nseg, inner],
    check: () => {
      for (let s = 0; s < nseg; s++)
        for (let i = 0; i < inner; i++) {
          let want = 0;
          for (let j = 0; j < n; j++) if (seg[so + j] === s) want += x[xo + j * inner + i];
          if (!close(y[yo + s * inner + i], want, 1e-6)) return `segmentSum [${s},${i}]`;
        }
      return null;
    },
  };
}

function genUpdate(name) {
  const n = int(30);
  const count = name === 'adamUpdate' ? 4 : 3;
  const offs = Array.from({ length: count }, () => int(3));
  const arrays = offs.map((o) => arr(o + n + int(2)));
  if (name === 'adamUpdate') for (let i = 0; i < arrays[3].length; i++) arrays[3][i] = Math.abs(arrays[3][i]); // v ≥ 0
  const args = [];
  for (const [i, a] of arrays.entries()) args.push(a, offs[i]);
  args.push(n);
  if (name === 'adamUpdate')
    args.push(0.01, 0.9, 0.1, 0.999, 0.001, 0.05, 1e-8, pick([0, 0.01]), pick([1, 0.999]));
  else args.push(0.1, 0.9, 1, pick([0, 0.01]), chance(0.5), chance(0.5));
  return { args };
}

const GENERATORS = {
  sgemmBatched: genSgemm,
  conv2d: () => genConv('conv2d'),
  conv2dBackpropInput: () => genConv('conv2dBackpropInput'),
  conv2dBackpropFilter: () => genConv('conv2dBackpropFilter'),
  im2col: () => genConv('im2col'),
  col2im: () => genConv('col2im'),
  setThreads: () => ({ args: [1 + int(3)] }),
  getThreads: () => ({ args: [] }),
  numProcs: () => ({ args: [] }),
  kernelThreads: () => ({ args: [] }),
  unary: genUnary,
  castI32ToF32: genCast,
  binary: genBinary,
  reduce: genReduce,
  softmax: genSoftmax,
  transpose: genTranspose,
  gather: genGather,
  segmentSum: genSegmentSum,
  adamUpdate: () => genUpdate('adamUpdate'),
  momentumUpdate: () => genUpdate('momentumUpdate'),
};

/**
 * Large valid calls (every 500th call): big enough for the thread pool to split them, so its
 * chunking runs under the sanitizers too. Checked at a few sampled positions.
 */
function genBig() {
  const kind = int(5);
  const n = 100_000 + int(50_000);
  const x = arr(n);
  const y = arr(n);
  if (kind === 0) {
    const op = pick([2, 12, 6]); // exp, erf, square
    const f = [null, null, Math.exp, null, null, null, (v) => v * v, null, null, null, null, null, null][op];
    return {
      name: 'unary',
      args: [op, x, 0, y, 0, n, 0],
      check: () => {
        for (const i of [0, n >> 1, n - 1]) {
          const want = f ? Math.fround(f(x[i])) : y[i]; // erf: checked in the unit tests
          if (!close(y[i], want, 1e-6)) return `big unary ${op} at ${i}`;
        }
        return null;
      },
    };
  }
  if (kind === 1) {
    const rows = 100;
    const cols = Math.floor(n / rows);
    return {
      name: 'binary',
      args: [0, x, 0, [cols, 1], x, 0, [0, 1], y, 0, [rows, cols]],
      check: () => (Object.is(y[cols + 3], Math.fround(x[cols + 3] + x[3])) ? null : 'big binary'),
    };
  }
  if (kind === 2) {
    const out = arr(1);
    return {
      name: 'reduce',
      args: [0, x, 0, out, 0, 1, n, 1],
      check: () => {
        let s = 0;
        for (let i = 0; i < n; i++) s += x[i];
        return close(out[0], s, 1e-6) ? null : `big reduce ${out[0]} vs ${s}`;
      },
    };
  }
  if (kind === 3) {
    const rows = 64;
    const cols = Math.floor(n / rows);
    return { name: 'softmax', args: [x, 0, y, 0, rows, cols] };
  }
  const g = arr(n);
  const v = arr(n);
  for (let i = 0; i < n; i++) v[i] = Math.abs(v[i]);
  return {
    name: 'adamUpdate',
    args: [x, 0, g, 0, y, 0, v, 0, n, 0.01, 0.9, 0.1, 0.999, 0.001, 0.05, 1e-8, 0, 1],
  };
}

/** Integer arguments only: overflow-prone values in every integer or array-of-integer slot. */
function overflowMutation(args) {
  const out = [...args];
  const slots = out.map((_, i) => i).filter((i) => typeof out[i] === 'number' || Array.isArray(out[i]));
  for (let r = 0; r < 1 + int(3); r++) {
    if (slots.length === 0) break;
    const i = pick(slots);
    if (Array.isArray(out[i])) out[i] = out[i].map((v) => (chance(0.5) ? pick(HUGE) : v));
    else out[i] = pick(HUGE);
  }
  return out;
}

// The review's three crashing calls (int64 wrap in arg_geom and in the batch-extent sum), which
// must now throw a RangeError. Large virtual arrays make the bounds checks the only defence.
const M = 2 ** 31 - 1;
const P30 = 2 ** 30;
const REGRESSIONS = [
  [
    'sgemmBatched',
    () => [
      false,
      false,
      1,
      1,
      1,
      1,
      new Float32Array(16),
      0,
      1,
      new Float32Array(16),
      0,
      1,
      0,
      new Float32Array(16),
      0,
      1,
      [2, M, M, M, M, M, M, M],
      [M, M, M, M, M, M, M, M],
      [0, 0, 0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0, 0, 0],
    ],
  ],
  [
    'conv2d',
    () => [
      new Float32Array(16),
      0,
      new Float32Array(16),
      0,
      new Float32Array(16),
      0,
      [16, P30, P30, 1, P30, P30, 1, 16, 1, 1, 1, 1, 1, 0, 0],
      true,
    ],
  ],
  [
    'im2col',
    () => [
      new Float32Array(16),
      0,
      new Float32Array(16),
      0,
      [16, P30, P30, 1, P30, P30, 1, 16, 1, 1, 1, 1, 1, 0, 0],
      true,
    ],
  ],
  [
    'binary',
    () => [
      0,
      new Float32Array(4),
      0,
      [M, M, M, M, M],
      new Float32Array(4),
      0,
      [0, 0, 0, 0, 0],
      new Float32Array(4),
      0,
      [2, M, M, M, M],
    ],
  ],
  ['reduce', () => [0, new Float32Array(4), 0, new Float32Array(4), 0, P30, P30, 2 ** 20]],
  ['transpose', () => [new Float32Array(4), 0, new Float32Array(4), 0, [P30, P30, 2, P30], [3, 2, 1, 0]]],
  ['gather', () => [new Float32Array(4), 0, new Int32Array(4), 0, new Float32Array(4), 0, P30, 4, P30, P30]],
  [
    'segmentSum',
    () => [new Float32Array(4), 0, new Int32Array(4), 0, new Float32Array(4), 0, 4, P30, 2 ** 40],
  ],
];

// ---------------------------------------------------------------------------------------------

const names = Object.keys(GENERATORS);
const stats = Object.fromEntries(
  names.map((n) => [n, { calls: 0, returned: 0, TypeError: 0, RangeError: 0 }]),
);
const unexpected = [];
let mismatches = 0;
let guardViolations = 0;
let calls = 0;
const startThreads = native.kernelThreads();

function record(name, fn) {
  calls++;
  const s = stats[name];
  s.calls++;
  try {
    const ret = fn();
    s.returned++;
    return { ok: true, ret };
  } catch (err) {
    if (err instanceof TypeError || err instanceof RangeError) s[err.constructor.name]++;
    else if (unexpected.length < 20) unexpected.push(`${name}: ${err?.constructor?.name}: ${err?.message}`);
    else unexpected.push('…');
    return { ok: false };
  }
}

for (const [name, make] of REGRESSIONS) {
  const { ok } = record(name, () => native[name](...make()));
  if (ok) unexpected.push(`${name}: the review's overflow call returned instead of throwing`);
}

while (calls < totalCalls) {
  if (calls % 500 === 499) {
    const big = genBig();
    const { ok, ret } = record(big.name, () => native[big.name](...big.args));
    const err = ok ? (big.check?.(ret) ?? null) : `${big.name}: a valid large call threw`;
    if (err) {
      mismatches++;
      if (unexpected.length < 20) unexpected.push(err);
    }
    guardViolations += checkGuards();
    continue;
  }
  const name = names[calls % names.length];
  const { args, check } = GENERATORS[name]();
  let used = args;
  const mode = rand();
  if (mode < 0.35) {
    // valid as generated
  } else if (mode < 0.75) {
    used = [...args];
    for (let r = 0; r < 1 + int(2); r++) used[int(Math.max(used.length, 1))] = badValue();
  } else if (mode < 0.95) {
    used = overflowMutation(args);
  } else {
    used = chance(0.5) ? args.slice(0, int(args.length)) : [...args, 0];
  }
  const { ok, ret } = record(name, () => native[name](...used));
  if (ok && used === args && check) {
    const err = check(ret);
    if (err) {
      mismatches++;
      if (unexpected.length < 20) unexpected.push(`reference mismatch: ${err}`);
    }
  }
  guardViolations += checkGuards();
}
native.setThreads(Math.max(1, startThreads));

const summary = { calls, seed, stats, unexpected, mismatches, guardViolations };
console.log(JSON.stringify(summary));
process.exit(unexpected.length === 0 && mismatches === 0 && guardViolations === 0 ? 0 : 1);
