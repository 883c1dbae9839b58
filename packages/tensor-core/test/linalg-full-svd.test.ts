import { describe, expect, it } from 'vitest';
import { completeOrthonormalBasis, fromRows, fullSvd } from '../src/index.js';

describe('fullSvd', () => {
  it('full SVD completes the thin factor to a square orthogonal basis', () => {
    const a = fromRows([
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 9],
    ]);
    const f = fullSvd(a);
    expect(f.u.rows).toBe(4);
    expect(f.u.cols).toBe(4);
    // u·Σ·vᵀ reproduces a with the first two columns; uᵀu = I.
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) {
        let dot = 0;
        for (let k = 0; k < 4; k++) dot += f.u.data[k * 4 + i]! * f.u.data[k * 4 + j]!;
        expect(Math.abs(dot - (i === j ? 1 : 0))).toBeLessThan(1e-12);
      }
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 2; j++) {
        let x = 0;
        for (let k = 0; k < 2; k++) x += f.u.data[i * 4 + k]! * f.s[k]! * f.v.data[j * 2 + k]!;
        expect(x).toBeCloseTo(a.data[i * 2 + j]!, 10);
      }
    expect(() => completeOrthonormalBasis({ rows: 2, cols: 3, data: [1, 0, 0, 0, 1, 0] })).toThrow(
      /no more columns than rows/,
    );
  });
});
