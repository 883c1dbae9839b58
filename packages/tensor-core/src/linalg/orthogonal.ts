import type { Rng } from '../random/rng.js';
import { checkInteger, PaperkitInputError } from '../validate/errors.js';
import type { Matrix } from './matrix.js';
import { householderQr } from './qr.js';

/** Options of {@link haarOrthogonal}. */
export interface HaarOptions {
  /**
   * Land in SO(n) (det = +1) by negating the first column when the sample has det = −1. Default
   * false: a Haar sample on O(n), as the Adam-rotation paper uses (Adam is reflection-equivariant).
   */
  readonly special?: boolean;
}

/**
 * A Haar-distributed random orthogonal n×n matrix (Mezzadri 2007): QR of an i.i.d. N(0, 1) matrix,
 * then Q·diag(sign(R_ii)) with sign(0) := +1. Without the sign correction Q is not Haar (its
 * distribution depends on the QR sign convention). The Gaussian is drawn row-major from `rng.normal()`,
 * so one seed gives one matrix on every machine.
 */
export function haarOrthogonal(n: number, rng: Rng, options: HaarOptions = {}): Matrix {
  checkInteger('n', n, 0);
  // n² Float64 entries plus the QR's copies: beyond 2^14 that is several GiB and hours of O(n³) work.
  if (n > 16_384) throw new PaperkitInputError('n', n, 'an integer in [0, 16384]');
  const z = new Float64Array(n * n);
  for (let i = 0; i < z.length; i++) z[i] = rng.normal();
  const { q, r, reflections } = householderQr({ rows: n, cols: n, data: z }, { mode: 'full' });
  const d = q.data;
  // det(Q) = (−1)^reflections; each negated column flips the sign once more.
  let negative = reflections % 2 === 1;
  for (let j = 0; j < n; j++) {
    if (r.data[j * n + j]! < 0) {
      negative = !negative;
      for (let i = 0; i < n; i++) d[i * n + j] = -d[i * n + j]!;
    }
  }
  if (options.special === true && negative) for (let i = 0; i < n; i++) d[i * n] = -d[i * n]!;
  return q;
}
