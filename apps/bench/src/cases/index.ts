import { conv2dBackwardCase, conv2dForwardCase, matmulCase } from './kernels.js';
import { adamCase, cnnCase, mlpCase } from './training.js';
import { transformerCase } from './transformer.js';
import type { BenchCase } from './types.js';

export type { BenchCase, CaseContext, Prepared } from './types.js';

/**
 * Every case, at full size or (quick) at sizes small enough for CI to check they start. Full sizes
 * are the issue's: matmul 256–1024, MLP 784-256-10 at batch 128, an MNIST-shaped CNN. Conv, CNN
 * and transformer sizes are kept where stock cpu (pure-JS kernels, ~10 MFLOP/s for the filter
 * gradient) still finishes in seconds, so a full run takes a couple of minutes.
 */
export function allCases(quick: boolean): BenchCase[] {
  const conv = quick
    ? { n: 2, h: 8, w: 8, cin: 4, cout: 8, k: 3 }
    : { n: 8, h: 28, w: 28, cin: 16, cout: 32, k: 3 };
  return [
    ...(quick ? [64] : [256, 512, 1024]).map(matmulCase),
    conv2dForwardCase(conv),
    conv2dBackwardCase(conv),
    adamCase(quick ? 1e4 : 1e6),
    mlpCase(
      quick
        ? { batch: 8, input: 784, hidden: 16, classes: 10 }
        : { batch: 128, input: 784, hidden: 256, classes: 10 },
    ),
    cnnCase(
      quick
        ? { batch: 4, size: 8, channels: [4, 8], classes: 10 }
        : { batch: 32, size: 28, channels: [16, 32], classes: 10 },
    ),
    transformerCase(
      quick
        ? { batch: 2, seq: 8, dModel: 16, heads: 2, vocab: 16, layers: 1 }
        : { batch: 8, seq: 64, dModel: 128, heads: 4, vocab: 256, layers: 1 },
    ),
  ];
}
