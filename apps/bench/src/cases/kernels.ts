import { randomNormal } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { BenchCase } from './types.js';

/** Square float32 matMul n×n·n×n: 2n³ flops. */
export function matmulCase(n: number): BenchCase {
  return {
    name: `matmul ${n}`,
    group: 'matmul',
    flops: 2 * n ** 3,
    kernels: ['BatchMatMul'],
    prepare: ({ rng }) => {
      const a = randomNormal(rng, [n, n]);
      const b = randomNormal(rng, [n, n]);
      return {
        step: () => tf.dispose(tf.matMul(a, b)),
        dispose: () => tf.dispose([a, b]),
      };
    },
  };
}

/** Shape of a conv benchmark: NHWC input [n, h, w, cin], k×k filter to cout, stride 1, 'same'. */
export interface ConvShape {
  readonly n: number;
  readonly h: number;
  readonly w: number;
  readonly cin: number;
  readonly cout: number;
  readonly k: number;
}

const convFlops = (s: ConvShape) => 2 * s.n * s.h * s.w * s.k * s.k * s.cin * s.cout;
const label = (s: ConvShape) => `${s.n}x${s.h}x${s.w}x${s.cin}→${s.cout} k${s.k}`;

/** conv2d forward: 2·n·h·w·k²·cin·cout flops. */
export function conv2dForwardCase(s: ConvShape): BenchCase {
  return {
    name: `conv2d fwd ${label(s)}`,
    group: 'conv2d',
    flops: convFlops(s),
    kernels: ['Conv2D'],
    prepare: ({ rng }) => {
      const x = randomNormal(rng, [s.n, s.h, s.w, s.cin]) as tf.Tensor4D;
      const f = tf.tidy(() => tf.mul(randomNormal(rng, [s.k, s.k, s.cin, s.cout]), 0.1)) as tf.Tensor4D;
      return {
        step: () => tf.dispose(tf.conv2d(x, f, 1, 'same')),
        dispose: () => tf.dispose([x, f]),
      };
    },
  };
}

/** conv2d backward: the input and filter gradients of Σ dy⊙conv2d(x, f), twice the forward flops. */
export function conv2dBackwardCase(s: ConvShape): BenchCase {
  return {
    name: `conv2d bwd ${label(s)}`,
    group: 'conv2d',
    flops: 2 * convFlops(s),
    kernels: ['Conv2DBackpropInput', 'Conv2DBackpropFilter'],
    prepare: ({ rng }) => {
      const x = randomNormal(rng, [s.n, s.h, s.w, s.cin]) as tf.Tensor4D;
      const f = tf.tidy(() => tf.mul(randomNormal(rng, [s.k, s.k, s.cin, s.cout]), 0.1)) as tf.Tensor4D;
      const dy = randomNormal(rng, [s.n, s.h, s.w, s.cout]) as tf.Tensor4D;
      const filterShape: [number, number, number, number] = [s.k, s.k, s.cin, s.cout];
      return {
        step: () =>
          tf.tidy(() => {
            tf.conv2dTranspose(dy, f, x.shape, 1, 'same');
            tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
              strides: 1,
              pad: 'same',
              dataFormat: 'NHWC',
              filterShape,
            } as unknown as tf.NamedAttrMap);
          }),
        dispose: () => tf.dispose([x, f, dy]),
      };
    },
  };
}
