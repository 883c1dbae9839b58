import { ConstantMatrix, checkInteger, PaperkitInputError } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';

/** Smallest power of two ≥ max(d, 1). */
export function nextPow2(d: number): number {
  let p = 1;
  while (p < d) p *= 2;
  return p;
}

/** The constant matrices of one tree level on polynomials of `len` coefficients. */
interface Level {
  /** Row (i, j) of the outer product takes coefficient i of the left polynomial. */
  readonly left: ConstantMatrix;
  /** Row (i, j) takes coefficient j of the right polynomial. */
  readonly right: ConstantMatrix;
  /** Row k sums the outer-product rows with i + j = k. */
  readonly sum: ConstantMatrix;
}

/**
 * Vectorised Poisson-binomial pmf on tensors for a batch of B columns of P = 2^L Bernoulli
 * probabilities (pad with p = 0, which leaves a pmf unchanged). The DP over the factors
 * (1 − p_j + p_j z) runs as a balanced product tree: L levels, each multiplying the first half of the
 * polynomials by the second half for every column at once as S·((E_l·left) ⊙ (E_r·right)) with
 * constant 0/1 matrices (E expand to the outer product, S sums its anti-diagonals). That is a handful
 * of tfjs ops per level instead of ~5 per factor for the sequential DP, and every product, forward
 * and backward, is an untransposed matMul (see {@link ConstantMatrix}); per-op overhead, not
 * arithmetic, dominates these tiny tensors. Polynomials are stored coefficient-major, [len, m·B], so
 * the halves are contiguous slices. All terms are sums of products of non-negative numbers, so float32
 * round-off stays at the sequential DP's level.
 */
export class PoissonBinomialTree {
  /** Number of probabilities per column (a power of two). */
  readonly width: number;
  private readonly levels: Level[] = [];

  constructor(width: number) {
    checkInteger('width', width, 1);
    if (nextPow2(width) !== width) throw new PaperkitInputError('width', width, 'a power of two');
    this.width = width;
    for (let len = 2, m = width; m > 1; len = 2 * len - 1, m /= 2) {
      const out = 2 * len - 1;
      const l = new Float32Array(len * len * len);
      const r = new Float32Array(len * len * len);
      const s = new Float32Array(out * len * len);
      for (let i = 0; i < len; i++)
        for (let j = 0; j < len; j++) {
          const row = i * len + j;
          l[row * len + i] = 1;
          r[row * len + j] = 1;
          s[(i + j) * len * len + row] = 1;
        }
      this.levels.push({
        left: new ConstantMatrix(l, len * len, len),
        right: new ConstantMatrix(r, len * len, len),
        sum: new ConstantMatrix(s, out, len * len),
      });
    }
  }

  /** pmf [width + 1, B] (entry [k, b] = P(column b sums to k)) for p [width, B]. */
  pmf(p: tf.Tensor2D): tf.Tensor2D {
    const [w, b] = p.shape;
    if (w !== this.width) throw new PaperkitInputError('p', p, `a tensor [${this.width}, B]`);
    return tf.tidy(() => {
      // Coefficient-major: row c holds coefficient c of every polynomial, polynomial-major inside.
      let polys = tf.reshape(tf.concat([tf.sub(1, p), p], 0), [2, w * b]) as tf.Tensor2D;
      let m = w;
      let len = 2;
      for (const level of this.levels) {
        const h = m / 2;
        const left = tf.reshape(tf.slice(tf.reshape(polys, [len, m, b]), [0, 0, 0], [len, h, b]), [
          len,
          h * b,
        ]);
        const right = tf.reshape(tf.slice(tf.reshape(polys, [len, m, b]), [0, h, 0], [len, h, b]), [
          len,
          h * b,
        ]);
        const outer = tf.mul(level.left.apply(left as tf.Tensor2D), level.right.apply(right as tf.Tensor2D));
        polys = level.sum.apply(outer as tf.Tensor2D);
        len = 2 * len - 1;
        m = h;
      }
      return polys;
    });
  }

  /** Frees the constant matrices. */
  dispose(): void {
    for (const l of this.levels) {
      l.left.dispose();
      l.right.dispose();
      l.sum.dispose();
    }
    this.levels.length = 0;
  }
}
