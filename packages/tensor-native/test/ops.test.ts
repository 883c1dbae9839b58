import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { BINARY_OPS, DEFAULT_ADDON_PATH, load, REDUCE_OPS, UNARY_OPS } from '../src/index.js';

const loaded = load();
const absent = loaded.failure === 'absent';
if (absent) console.warn(`[tensor-native] skipping op tests: ${loaded.reason}`);
const native = loaded.addon!;
const threadsBefore = absent ? 1 : native.kernelThreads();
afterAll(() => {
  if (!absent) native.setThreads(Math.max(1, threadsBefore));
});

// Seeded mulberry32 (tensor-core's Rng would be a dependency cycle), values in [-2, 2).
function rand(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 4 - 2;
  }
  return out;
}

/** Runs `fn` at 1, 2 and 3 kernel threads; every run must give the same bits. */
function sameAtEveryThreadCount(fn: () => Float32Array): Float32Array {
  const runs = [1, 2, 3].map((t) => {
    native.setThreads(t);
    expect(native.kernelThreads()).toBe(t);
    return fn();
  });
  for (const r of runs.slice(1))
    expect(Buffer.from(r.buffer).equals(Buffer.from(runs[0]!.buffer))).toBe(true);
  return runs[0]!;
}

describe.skipIf(absent)('elementwise and reduction kernels', () => {
  const N = 1 << 20; // large enough to be split over threads

  it('exports the op codes of native/ops.h, equal to the TypeScript constants', () => {
    expect(native.opCodes).toEqual({ unary: UNARY_OPS, binary: BINARY_OPS, reduce: REDUCE_OPS });
  });

  it('unary and broadcasting binary ops are exact float32 operations, identical at every thread count', () => {
    const x = rand(N, 1);
    const sq = sameAtEveryThreadCount(() => {
      const y = new Float32Array(N);
      native.unary(UNARY_OPS.square, x, 0, y, 0, N, 0);
      return y;
    });
    for (const i of [0, 1, N >> 1, N - 1]) expect(sq[i]).toBe(Math.fround(x[i]! * x[i]!));
    // [1024, 1024] ÷ a row vector [1024] and − a column [1024, 1]: both broadcast forms.
    const b = rand(1024, 2);
    for (const [op, strides, f] of [
      [BINARY_OPS.div, [0, 1], (p: number, q: number) => p / q],
      [BINARY_OPS.sub, [1, 0], (p: number, q: number) => p - q],
    ] as const) {
      const c = sameAtEveryThreadCount(() => {
        const out = new Float32Array(N);
        native.binary(op, x, 0, [1024, 1], b, 0, strides, out, 0, [1024, 1024]);
        return out;
      });
      for (const [r, col] of [
        [0, 0],
        [3, 1000],
        [1023, 1023],
      ]) {
        const bi = strides[0] === 0 ? col : r;
        expect(c[r * 1024 + col]).toBe(Math.fround(f(x[r * 1024 + col]!, b[bi]!)));
      }
    }
  });

  it('sums long rows in fixed blocks: float64-accurate and the same bits at 1, 2 and 3 threads', () => {
    // One row of 2^20 (blocked) and 3 rows of 300 000 (blocked, several windows of partials).
    for (const [outer, n] of [
      [1, N],
      [3, 300_000],
    ] as const) {
      const x = rand(outer * n, 3 + outer);
      for (const op of [REDUCE_OPS.sum, REDUCE_OPS.mean, REDUCE_OPS.max, REDUCE_OPS.min]) {
        const y = sameAtEveryThreadCount(() => {
          const out = new Float32Array(outer);
          native.reduce(op, x, 0, out, 0, outer, n, 1);
          return out;
        });
        for (let o = 0; o < outer; o++) {
          let s = 0;
          let mx = -Infinity;
          let mn = Infinity;
          for (let j = 0; j < n; j++) {
            const v = x[o * n + j]!;
            s += v;
            mx = Math.max(mx, v);
            mn = Math.min(mn, v);
          }
          const want = [s, s / n, mx, mn][op]!;
          expect(Math.abs(y[o]! - want)).toBeLessThanOrEqual(Math.abs(want) * 1.2e-7 + 1e-9);
        }
      }
    }
  });

  it('reduces inner axes, gives each op its identity on empty axes, and propagates NaN through max/min', () => {
    const x = rand(4 * 5 * 6, 5);
    const y = new Float32Array(4 * 6);
    native.reduce(REDUCE_OPS.sum, x, 0, y, 0, 4, 5, 6);
    for (const [o, i] of [
      [0, 0],
      [3, 5],
    ] as const) {
      let s = 0;
      for (let j = 0; j < 5; j++) s += x[(o * 5 + j) * 6 + i]!;
      expect(y[o * 6 + i]).toBeCloseTo(s, 5);
    }
    const empty = new Float32Array(2);
    const identities = [0, Number.NaN, -Infinity, Infinity];
    for (const op of [0, 1, 2, 3]) {
      native.reduce(op, new Float32Array(0), 0, empty, 0, 2, 0, 1);
      expect(Array.from(empty)).toEqual([identities[op], identities[op]]);
    }
    const withNaN = new Float32Array([1, Number.NaN, 3, -2, 5, 0]);
    native.reduce(REDUCE_OPS.max, withNaN, 0, empty, 0, 2, 3, 1);
    expect(Number.isNaN(empty[0]!)).toBe(true);
    expect(empty[1]).toBe(5);
  });

  it('softmax rows sum to 1 and a NaN row stays NaN; transpose, gather and segment sums are exact', () => {
    const x = rand(64 * 512, 6);
    x[5 * 512 + 7] = Number.NaN;
    const y = sameAtEveryThreadCount(() => {
      const out = new Float32Array(x.length);
      native.softmax(x, 0, out, 0, 64, 512);
      return out;
    });
    const row = (r: number) => Array.from(y.subarray(r * 512, (r + 1) * 512));
    expect(row(0).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(row(5).every(Number.isNaN)).toBe(true);
    // [B, T, H, D] → [B, H, T, D], the attention layout change.
    const shape = [3, 64, 4, 32];
    const src = rand(3 * 64 * 4 * 32, 7);
    const t = sameAtEveryThreadCount(() => {
      const out = new Float32Array(src.length);
      native.transpose(src, 0, out, 0, shape, [0, 2, 1, 3]);
      return out;
    });
    expect(t[((2 * 4 + 3) * 64 + 10) * 32 + 5]).toBe(src[((2 * 64 + 10) * 4 + 3) * 32 + 5]);
    const table = rand(50 * 8, 8);
    const ids = new Int32Array([3, 49, 0, 3]);
    const rows = new Float32Array(4 * 8);
    expect(native.gather(table, 0, ids, 0, rows, 0, 1, 4, 50, 8)).toBe(-1);
    expect(Array.from(rows.subarray(8, 16))).toEqual(Array.from(table.subarray(49 * 8, 50 * 8)));
    expect(native.gather(table, 0, new Int32Array([1, 50]), 0, rows, 0, 1, 2, 50, 8)).toBe(1);
    const grad = new Float32Array(50 * 8).fill(Number.NaN);
    native.segmentSum(rows, 0, ids, 0, grad, 0, 4, 50, 8);
    expect(grad[3 * 8 + 2]).toBe(Math.fround(rows[2]! + rows[3 * 8 + 2]!));
    expect(grad[1 * 8]).toBe(0); // overwritten, not accumulated into NaN
  });
});

describe.skipIf(absent)('the thread pool under concurrent callers', () => {
  it('three worker threads calling kernels at once get the single-threaded answers', async () => {
    native.setThreads(2);
    // Each worker loads the addon into its own context and sums exp(x) of the same data 40 times.
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const os = require('node:os');
      const m = { exports: {} };
      process.dlopen(m, workerData.path, os.constants.dlopen.RTLD_NOW);
      const x = new Float32Array(workerData.x);
      const y = new Float32Array(x.length);
      const s = new Float32Array(1);
      const out = [];
      for (let r = 0; r < 40; r++) {
        m.exports.unary(2, x, 0, y, 0, x.length, 0);
        m.exports.reduce(0, y, 0, s, 0, 1, x.length, 1);
        out.push(s[0]);
      }
      parentPort.postMessage(out);`;
    const x = rand(200_000, 99).map((v) => v / 4);
    const y = new Float32Array(x.length);
    const s = new Float32Array(1);
    native.unary(UNARY_OPS.exp, x, 0, y, 0, x.length, 0);
    native.reduce(REDUCE_OPS.sum, y, 0, s, 0, 1, x.length, 1);
    const results = await Promise.all(
      [0, 1, 2].map(
        () =>
          new Promise<number[]>((resolve, reject) => {
            const w = new Worker(code, {
              eval: true,
              workerData: { path: DEFAULT_ADDON_PATH, x: Array.from(x) },
            });
            w.once('message', (m) => {
              resolve(m as number[]);
              void w.terminate();
            });
            w.once('error', reject);
          }),
      ),
    );
    for (const r of results) expect(r.every((v) => v === s[0])).toBe(true);
  });
});

describe.skipIf(absent)('fused optimizer updates', () => {
  /** The unfused chain in float32, one rounding per tfjs kernel (see tensor-core's adam-math). */
  function adamReference(p: number, g: number, m: number, v: number, c: number[]) {
    const f = Math.fround;
    const [step, b1, omb1, b2, omb2, sqrtBc2, eps, wd, decay] = c.map(f) as number[];
    const gi = wd !== 0 ? f(g + f(p * wd!)) : g;
    const mi = f(f(m * b1!) + f(gi * omb1!));
    const vi = f(f(v * b2!) + f(f(gi * gi) * omb2!));
    const denom = f(f(f(Math.sqrt(vi)) / sqrtBc2!) + eps!);
    const u = f(f(mi / denom) * step!);
    return { p: f((decay !== 1 ? f(p * decay!) : p) - u), m: mi, v: vi };
  }

  it('adamUpdate equals the unfused float32 chain bit for bit (coupled and decoupled decay), at every thread count', () => {
    const n = 300_001;
    for (const [wd, decay] of [
      [0, 1],
      [0.01, 1],
      [0, 1 - 1e-3 * 0.1],
    ] as const) {
      const p0 = rand(n, 11);
      const g = rand(n, 12);
      const m0 = rand(n, 13);
      const v0 = rand(n, 14).map(Math.abs);
      const t = 7;
      const coefs = [
        1e-3 / (1 - 0.9 ** t),
        0.9,
        1 - 0.9,
        0.999,
        1 - 0.999,
        Math.sqrt(1 - 0.999 ** t),
        1e-8,
        wd,
        decay,
      ];
      const out = sameAtEveryThreadCount(() => {
        const [p, m, v] = [p0.slice(), m0.slice(), v0.slice()];
        native.adamUpdate(
          p,
          0,
          g,
          0,
          m,
          0,
          v,
          0,
          n,
          ...(coefs as [number, number, number, number, number, number, number, number, number]),
        );
        const all = new Float32Array(3 * n);
        all.set(p, 0);
        all.set(m, n);
        all.set(v, 2 * n);
        return all;
      });
      for (const i of [0, 1, 12345, n - 1]) {
        const want = adamReference(p0[i]!, g[i]!, m0[i]!, v0[i]!, coefs);
        expect([out[i], out[n + i], out[2 * n + i]]).toEqual([want.p, want.m, want.v]);
      }
    }
  });

  it('momentumUpdate: first step sets the buffer, later steps accumulate, Nesterov adds μ·buf', () => {
    const f = Math.fround;
    const p = new Float32Array([1, -2, 3]);
    const g = new Float32Array([0.5, 0.25, -1]);
    const buf = new Float32Array(3).fill(Number.NaN);
    native.momentumUpdate(p, 0, g, 0, buf, 0, 3, 0.1, 0.9, 1, 0, true, false);
    expect(Array.from(buf)).toEqual(Array.from(g));
    expect(p[0]).toBe(f(1 - f(0.5 * f(0.1))));
    const p1 = p.slice();
    const b1 = buf.slice();
    native.momentumUpdate(p, 0, g, 0, buf, 0, 3, 0.1, 0.9, 1, 0.01, false, true);
    const gi = f(g[1]! + f(p1[1]! * f(0.01)));
    const bi = f(f(b1[1]! * f(0.9)) + f(gi * 1));
    expect(buf[1]).toBe(bi);
    expect(p[1]).toBe(f(p1[1]! - f(f(gi + f(bi * f(0.9))) * f(0.1))));
  });

  it('rejects bad op codes, short arrays and offsets past the end', () => {
    const a = new Float32Array(4);
    expect(() => native.unary(99, a, 0, a, 0, 4, 0)).toThrow(/op must be a unary op code/);
    expect(() => native.unary(0, a, 1, a, 0, 4, 0)).toThrow(/x \(offset, n\) reaches past the end/);
    expect(() => native.reduce(0, a, 0, a, 0, 2, 3, 1)).toThrow(/reaches past the end of x/);
    expect(() => native.binary(0, a, 0, [1], a, 0, [1], a, 5, [0])).toThrow(/c \(offset, shape\)/);
    expect(() => native.transpose(a, 0, a, 0, [2, 2], [0, 0])).toThrow(/perm must be a permutation/);
    expect(() =>
      native.adamUpdate(a, 0, a, 0, a, 0, new Float32Array(3), 0, 4, 1, 1, 1, 1, 1, 1, 1, 0, 1),
    ).toThrow(/second state array is too short/);
  });
});
