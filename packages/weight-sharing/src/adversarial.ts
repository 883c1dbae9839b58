import { checkInteger, checkPositive } from '@paperkit/tensor-core';

/**
 * The worst case of imminent collisions (spec §I.3C): a sorted input on which a heavy left cluster
 * absorbs exactly one particle per round, so algorithm C needs d − 1 rounds while search collisions
 * still uses ⌈log2 d⌉ levels. With μ = λ/(d − 1), the terminal free positions are z_1 = 1.98μ, z_2 = 0
 * and z_k = z_{k−1} + (A_{k−1} − z_{k−1})/k for k ≥ 3 (A_{k−1} = mean(z_1..z_{k−1})), and
 * w_k = z_k − λ(d − 2k + 1)/(d − 1), strictly increasing.
 */
export function adversarialInput(d: number, lambda = 1): Float64Array {
  checkInteger('d', d, 3);
  checkPositive('lambda', lambda);
  const mu = lambda / (d - 1);
  const z = new Float64Array(d);
  z[0] = 1.98 * mu;
  z[1] = 0;
  let sum = z[0];
  for (let k = 3; k <= d; k++) {
    sum += z[k - 2]!;
    z[k - 1] = z[k - 2]! + (sum / (k - 1) - z[k - 2]!) / k;
  }
  const w = new Float64Array(d);
  for (let k = 1; k <= d; k++) w[k - 1] = z[k - 1]! - (lambda * (d - 2 * k + 1)) / (d - 1);
  return w;
}
