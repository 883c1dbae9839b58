import { checkInteger, checkPositive, PaperkitInputError } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Parzen (Gaussian kernel density) estimates on tensors: log p̂ and its gradient ∇log p̂, the quantity
 * whose axis alignment the criterion measures (reference `parzen.py`, `ParzenWindowsGaussian`).
 *
 *   p̂(s) = (1/m) Σ_j N(s; r_j, σ² I),   ∇log p̂(s_i) = −(1/σ²) Σ_j P_ij (s_i − r_j),
 *   P_ij = softmax_j(−‖s_i − r_j‖² / (2σ²)),
 *
 * for query points s (n×d) and reference points r (m×d); with s = r the point itself is included
 * (j = i), as in the reference code. The kernel matrix is O(n·m); every function here works on blocks
 * of `chunkSize` query rows, so memory stays O(chunkSize · m) whatever n is.
 */

/** Options shared by the Parzen estimators. */
export interface ParzenOptions {
  /** Kernel standard deviation σ > 0 (the paper uses 0.1 on standardised coordinates). */
  readonly sigma: number;
  /**
   * Query rows per block of the kernel matrix; default {@link defaultChunkSize}(m) for m reference
   * points. Memory per block is a few `chunkSize × m` float32 buffers.
   */
  readonly chunkSize?: number;
}

/** Kernel entries per block by default: 2²³ (32 MB of float32 per buffer). */
export const DEFAULT_CHUNK_ELEMENTS = 2 ** 23;

/**
 * Default rows per kernel block for m reference points: as many as keep a block at
 * {@link DEFAULT_CHUNK_ELEMENTS} entries (at least 64): one block up to n ≈ 2900, 419 rows at
 * n = 20 000. Fewer, larger blocks cost fewer kernel launches and transposes (a single block at
 * n = 3000 ran 2–3× faster than 512-row blocks on wasm).
 */
export function defaultChunkSize(m: number): number {
  return Math.max(64, Math.floor(DEFAULT_CHUNK_ELEMENTS / Math.max(1, m)));
}

/** Checks a rank-2 float32 point set and returns [n, d]. */
export function checkPoints(parameter: string, x: tf.Tensor): [number, number] {
  if (!(x instanceof tf.Tensor) || x.rank !== 2)
    throw new PaperkitInputError(parameter, x, 'a rank-2 tensor [n, d] of points');
  if (x.dtype !== 'float32') throw new PaperkitInputError(`${parameter}.dtype`, x.dtype, '"float32"');
  const [n, d] = x.shape as [number, number];
  if (n < 1 || d < 1) throw new PaperkitInputError(parameter, x, 'a non-empty [n, d] tensor (n ≥ 1, d ≥ 1)');
  return [n, d];
}

function checkOptions(options: ParzenOptions, m: number): { sigma: number; chunk: number } {
  if (options === null || typeof options !== 'object')
    throw new PaperkitInputError('options', options, 'an object { sigma, chunkSize? }');
  const sigma = checkPositive('sigma', options.sigma);
  const chunk = checkInteger('chunkSize', options.chunkSize ?? defaultChunkSize(m), 1);
  return { sigma, chunk };
}

/**
 * The reference set in the form one matmul turns into kernel logits: with u = r/σ,
 * R̃ = [u, −½‖u‖²] (m×(d+1)) and a query block Q̃ = [s/σ, 1], Q̃·R̃ᵀ = −‖s_i − r_j‖²/(2σ²) + ½‖s_i/σ‖².
 * The row constant does not change the softmax over j, so P = softmax(Q̃·R̃ᵀ) in one matmul instead of
 * the three passes of the norm expansion.
 */
function augmentReference(r: tf.Tensor2D, sigma: number): tf.Tensor2D {
  return tf.tidy(() => {
    const u = tf.div(r, sigma);
    const half = tf.mul(tf.sum(tf.square(u), 1, true), -0.5);
    return tf.concat([u, half], 1) as tf.Tensor2D;
  });
}

function augmentQuery(s: tf.Tensor2D, sigma: number): tf.Tensor2D {
  return tf.tidy(
    () => tf.concat([tf.div(s, sigma), tf.onesLike(tf.slice(s, [0, 0], [-1, 1]))], 1) as tf.Tensor2D,
  );
}

/** Row blocks [start, size) covering 0..n−1. */
function blocks(n: number, chunk: number): [number, number][] {
  const out: [number, number][] = [];
  for (let start = 0; start < n; start += chunk) out.push([start, Math.min(chunk, n - start)]);
  return out;
}

/** Kernel weights P (C×m) of a query block against the augmented reference. */
function kernelWeights(qAug: tf.Tensor2D, rAug: tf.Tensor2D): tf.Tensor2D {
  return tf.softmax(tf.matMul(qAug, rAug, false, true)) as tf.Tensor2D;
}

/**
 * ∇log p̂ at every query point (n×d) for the reference set `reference` (default: the queries
 * themselves). Forward only: use {@link parzenScore} for a differentiable self-referenced version.
 */
export function parzenLogDensityGradient(
  query: tf.Tensor2D,
  options: ParzenOptions & { readonly reference?: tf.Tensor2D },
): tf.Tensor2D {
  const [n, d] = checkPoints('query', query);
  const reference = options?.reference ?? query;
  const [m, dr] = checkPoints('reference', reference);
  const { sigma, chunk } = checkOptions(options, m);
  if (dr !== d) throw new PaperkitInputError('reference', reference, `points of dimension ${d} (as query)`);
  return tf.tidy(() => {
    const rAug = augmentReference(reference, sigma);
    const parts = blocks(n, chunk).map(([start, size]) =>
      tf.tidy(() => {
        const sC = tf.slice(query, [start, 0], [size, d]);
        const p = kernelWeights(augmentQuery(sC, sigma), rAug);
        return tf.div(tf.sub(tf.matMul(p, reference), sC), sigma * sigma);
      }),
    );
    return (parts.length === 1 ? parts[0]! : tf.concat(parts, 0)) as tf.Tensor2D;
  });
}

/**
 * log p̂ at every query point (length n), with the Gaussian normalisation: log p̂(s) =
 * logsumexp_j(−‖s − r_j‖²/(2σ²)) − log m − (d/2)·log(2πσ²) (reference `log_p`, unweighted).
 */
export function parzenLogDensity(
  query: tf.Tensor2D,
  options: ParzenOptions & { readonly reference?: tf.Tensor2D },
): tf.Tensor1D {
  const [n, d] = checkPoints('query', query);
  const reference = options?.reference ?? query;
  const [m, dr] = checkPoints('reference', reference);
  const { sigma, chunk } = checkOptions(options, m);
  if (dr !== d) throw new PaperkitInputError('reference', reference, `points of dimension ${d} (as query)`);
  const logZ = 0.5 * d * Math.log(2 * Math.PI * sigma * sigma) + Math.log(m);
  return tf.tidy(() => {
    const rAug = augmentReference(reference, sigma);
    const parts = blocks(n, chunk).map(([start, size]) =>
      tf.tidy(() => {
        const sC = tf.slice(query, [start, 0], [size, d]);
        const logits = tf.matMul(augmentQuery(sC, sigma), rAug, false, true);
        // Undo the row constant ½‖s/σ‖² the augmented product adds.
        const rowConst = tf.mul(tf.sum(tf.square(tf.div(sC, sigma)), 1), 0.5);
        return tf.sub(tf.sub(tf.logSumExp(logits, 1), rowConst), logZ);
      }),
    );
    return (parts.length === 1 ? parts[0]! : tf.concat(parts, 0)) as tf.Tensor1D;
  });
}

/**
 * Differentiable ∇log p̂(s_i) of each point of `s` (n×d) with `s` itself as the reference set — the
 * batch quantity `V` of the criterion (reference `compute_density_grad`, `dlogp_dx(Xs)` on `Xs`).
 *
 * Its gradient is written by hand so that the backward pass, like the forward, works block by block
 * and never holds the n×n kernel (tfjs autodiff would keep every block's intermediates alive on its
 * tape). With V = (m − s)/σ², m_i = Σ_j P_ij s_j, H = G/σ² for the incoming gradient G and
 * a_i = ⟨H_i, m_i⟩, the softmax backward gives E_ij = P_ij (⟨H_i, s_j⟩ − a_i), and
 *
 *   ∂L/∂S = −H + Pᵀ H + (1/σ²) (E S + Eᵀ S − diag(colsum E) S)
 *
 * (the row sums of E vanish because the rows of P sum to 1). Each block recomputes its P, so the
 * backward costs about two forward passes.
 */
export function parzenScore(s: tf.Tensor2D, options: ParzenOptions): tf.Tensor2D {
  const [n, d] = checkPoints('s', s);
  const { sigma, chunk } = checkOptions(options, n);
  const s2 = sigma * sigma;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    const mean = tf.tidy(() => {
      const rAug = augmentReference(x, sigma);
      const parts = blocks(n, chunk).map(([start, size]) =>
        tf.tidy(() =>
          tf.matMul(kernelWeights(augmentQuery(tf.slice(x, [start, 0], [size, d]), sigma), rAug), x),
        ),
      );
      return (parts.length === 1 ? parts[0]! : tf.concat(parts, 0)) as tf.Tensor2D;
    });
    const value = tf.tidy(() => tf.div(tf.sub(mean, x), s2)) as tf.Tensor2D;
    save([x, mean]);
    mean.dispose();
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, m] = saved as [tf.Tensor2D, tf.Tensor2D];
        return tf.tidy(() => {
          const h = tf.div(dy, s2) as tf.Tensor2D;
          const rAug = augmentReference(xs, sigma);
          const sOne = tf.concat([xs, tf.onesLike(tf.slice(xs, [0, 0], [-1, 1]))], 1) as tf.Tensor2D;
          let cols = tf.zeros([n, d + 1]) as tf.Tensor2D;
          const rows: tf.Tensor2D[] = [];
          for (const [start, size] of blocks(n, chunk)) {
            const [rowPart, colPart] = tf.tidy(() => {
              const sC = tf.slice(xs, [start, 0], [size, d]);
              const hC = tf.slice(h, [start, 0], [size, d]);
              const mC = tf.slice(m, [start, 0], [size, d]);
              const p = kernelWeights(augmentQuery(sC, sigma), rAug);
              const a = tf.sum(tf.mul(hC, mC), 1, true);
              // E = P ⊙ ([H, −a]·[S, 1]ᵀ): one matmul for ⟨H_i, s_j⟩ − a_i.
              const e = tf.mul(p, tf.matMul(tf.concat([hC, tf.neg(a)], 1), sOne, false, true));
              const rowPart = tf.div(tf.matMul(e, xs), s2);
              // Columns: Pᵀ H_C plus Eᵀ [S_C, 1]/σ² (whose last column is colsum E).
              const eT = tf.matMul(
                e,
                tf.concat([tf.div(sC, s2), tf.fill([size, 1], 1 / s2)], 1),
                true,
                false,
              );
              const pT = tf.matMul(p, hC, true, false);
              return [
                rowPart,
                tf.concat([tf.add(tf.slice(eT, [0, 0], [n, d]), pT), tf.slice(eT, [0, d], [n, 1])], 1),
              ];
            });
            rows.push(rowPart as tf.Tensor2D);
            const next = tf.add(cols, colPart) as tf.Tensor2D;
            cols.dispose();
            colPart.dispose();
            cols = next;
          }
          const rowTerm = rows.length === 1 ? rows[0]! : tf.concat(rows, 0);
          const colsum = tf.slice(cols, [0, d], [n, 1]);
          const colTerm = tf.sub(tf.slice(cols, [0, 0], [n, d]), tf.mul(colsum, xs));
          return tf.add(tf.sub(rowTerm, h), colTerm);
        });
      },
    };
  });
  return op(s) as tf.Tensor2D;
}
