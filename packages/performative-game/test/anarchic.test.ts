import { describe, expect, it } from 'vitest';
import {
  anarchicHeatmap,
  anarchicSuccess,
  barabasiAlbertNetworkx,
  binomialPmf,
  CRD,
  completeGraph,
  completeGraphBand,
} from '../src/index.js';

const fig5 = new CRD({ e: 1, r: 0.6, c: 0.1, threshold: 0.5 });
const linspace = (n: number) => Array.from({ length: n }, (_, i) => (i === n - 1 ? 1 : i * (1 / (n - 1))));

describe('anarchic baseline (§II.10 #11)', () => {
  it('complete graph: success is all-or-nothing and follows pmf(K − 1) > c/r at every grid point', () => {
    const alphas = linspace(100);
    const sizes = Array.from({ length: 23 }, (_, i) => i + 3);
    const map = anarchicHeatmap({ alphas, sizes, crd: fig5, graphs: (n) => [completeGraph(n)] });
    sizes.forEach((n, i) => {
      const k = fig5.required(n);
      alphas.forEach((a, j) => {
        const v = map[i * alphas.length + j]!;
        expect(v === 0 || v === 1).toBe(true);
        expect(v).toBe(binomialPmf(n - 1, a)[k - 1]! > 1 / 6 ? 1 : 0);
      });
    });
  });

  it('the α band with full success matches the §II.6 table on a 0.001 grid and closes by N = 24', () => {
    const table: Record<number, [number, number] | null> = {
      3: [0.092, 0.908],
      5: [0.212, 0.788],
      10: [0.296, 0.6],
      15: [0.411, 0.589],
      20: [0.428, 0.52],
      25: null,
    };
    for (const [n, want] of Object.entries(table)) {
      const band = completeGraphBand(Number(n), fig5);
      if (want === null) {
        expect(band).toBeNull();
        continue;
      }
      expect(Math.ceil(band!.lo * 1000) / 1000).toBeCloseTo(want[0], 12);
      expect(Math.floor(band!.hi * 1000) / 1000).toBeCloseTo(want[1], 12);
      // Inside the band everyone cooperates and every group succeeds; just outside, nobody.
      expect(anarchicSuccess(completeGraph(Number(n)), fig5, (band!.lo + band!.hi) / 2)).toBe(1);
      expect(anarchicSuccess(completeGraph(Number(n)), fig5, band!.lo - 1e-9)).toBe(0);
    }
    // The peak pmf drops below c/r = 1/6 already at N = 24 (0.1647), not only at 25 (0.161).
    expect(completeGraphBand(23, fig5)).not.toBeNull();
    expect(completeGraphBand(24, fig5)).toBeNull();
  });

  it('BA(m = 2) means over networkx seeds 0–4 reproduce §II.6', () => {
    const want: Record<number, number[]> = {
      5: [1, 1, 1, 1, 0.6],
      10: [0.68, 1, 1, 1, 0.26],
      20: [0.78, 1, 1, 1, 0.08],
    };
    for (const [n, values] of Object.entries(want)) {
      const gs = [0, 1, 2, 3, 4].map((s) => barabasiAlbertNetworkx(Number(n), 2, s));
      [0.2, 0.4, 0.5, 0.6, 0.8].forEach((a, i) => {
        const mean = gs.reduce((acc, g) => acc + anarchicSuccess(g, fig5, a), 0) / gs.length;
        expect(mean).toBeCloseTo(values[i]!, 12);
      });
    }
  });

  it('validates its inputs', () => {
    expect(() => anarchicSuccess(completeGraph(3), fig5, 1.2)).toThrow(
      /alpha must be a number in \[0, 1\]; got 1.2/,
    );
    expect(() =>
      anarchicHeatmap({ alphas: [0.5], sizes: [1], crd: fig5, graphs: (n) => [completeGraph(n)] }),
    ).toThrow(/sizes\[0\] must be an integer >= 2; got 1/);
  });
});
