import { type Rng, randomNormal } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { makeAdam } from '../optimizer.js';
import type { BenchCase } from './types.js';

/** One-hot float32 labels for `n` examples of `classes` classes, drawn on the host. */
export function randomOneHot(rng: Rng, n: number, classes: number): tf.Tensor2D {
  const data = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) data[i * classes + rng.int(classes)] = 1;
  return tf.tensor2d(data, [n, classes]);
}

/** A trainable tensor N(0, std²) (fan-in scaled by the caller). */
export function weight(rng: Rng, shape: number[], std: number): tf.Variable {
  return tf.variable(tf.tidy(() => tf.mul(randomNormal(rng, shape), std)));
}

/** One Adam update of `params` parameters from fixed gradients: reported as ms per million parameters. */
export function adamCase(params: number): BenchCase {
  const chunks = 4;
  const per = Math.ceil(params / chunks);
  return {
    name: `adam update ${(params / 1e6).toFixed(params >= 1e6 ? 0 : 2)}M params`,
    group: 'adam',
    params: per * chunks,
    prepare: ({ rng, optimizer }) => {
      const vars = Array.from({ length: chunks }, () => weight(rng, [per], 0.1));
      const grads = Object.fromEntries(vars.map((v) => [v.name, randomNormal(rng, [per])]));
      const opt = makeAdam(optimizer, 1e-3);
      return {
        step: () => opt.apply(grads, vars),
        dispose: () => {
          opt.dispose();
          tf.dispose([...vars, ...Object.values(grads)]);
        },
      };
    },
  };
}

/** Sizes of the MLP training step (the 784-256-10 at batch 128). */
export interface MlpShape {
  readonly batch: number;
  readonly input: number;
  readonly hidden: number;
  readonly classes: number;
}

/** One Adam step of a ReLU MLP with softmax cross-entropy, in plain tfjs ops. */
export function mlpCase(s: MlpShape): BenchCase {
  return {
    name: `mlp ${s.input}-${s.hidden}-${s.classes} b${s.batch} step`,
    group: 'mlp',
    params: s.input * s.hidden + s.hidden + s.hidden * s.classes + s.classes,
    prepare: ({ rng, optimizer }) => {
      const x = randomNormal(rng, [s.batch, s.input]);
      const y = randomOneHot(rng, s.batch, s.classes);
      const w1 = weight(rng, [s.input, s.hidden], 1 / Math.sqrt(s.input));
      const b1 = tf.variable(tf.zeros([s.hidden]));
      const w2 = weight(rng, [s.hidden, s.classes], 1 / Math.sqrt(s.hidden));
      const b2 = tf.variable(tf.zeros([s.classes]));
      const vars = [w1, b1, w2, b2];
      const opt = makeAdam(optimizer, 1e-3);
      const loss = () =>
        tf.tidy(() => {
          const h = tf.relu(tf.add(tf.matMul(x, w1), b1));
          return tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(h, w2), b2)) as tf.Scalar;
        });
      return {
        step: () => opt.minimize(loss, vars),
        dispose: () => {
          opt.dispose();
          tf.dispose([x, y, ...vars]);
        },
      };
    },
  };
}

/** Sizes of the small-CNN training step: two 3×3 conv+ReLU+2×2 max-pool stages, then a dense head. */
export interface CnnShape {
  readonly batch: number;
  readonly size: number;
  readonly channels: readonly [number, number];
  readonly classes: number;
}

/** One Adam step of a small MNIST-shaped CNN (needs Conv2DBackpropFilter: n/a on stock wasm). */
export function cnnCase(s: CnnShape): BenchCase {
  const [c1, c2] = s.channels;
  const side = Math.floor(Math.floor(s.size / 2) / 2);
  const flat = side * side * c2;
  return {
    name: `cnn ${s.size}x${s.size} c${c1}-${c2} b${s.batch} step`,
    group: 'cnn',
    params: 9 * c1 + c1 + 9 * c1 * c2 + c2 + flat * s.classes + s.classes,
    kernels: ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'],
    prepare: ({ rng, optimizer }) => {
      const x = randomNormal(rng, [s.batch, s.size, s.size, 1]) as tf.Tensor4D;
      const y = randomOneHot(rng, s.batch, s.classes);
      const k1 = weight(rng, [3, 3, 1, c1], 1 / 3);
      const b1 = tf.variable(tf.zeros([c1]));
      const k2 = weight(rng, [3, 3, c1, c2], 1 / Math.sqrt(9 * c1));
      const b2 = tf.variable(tf.zeros([c2]));
      const w = weight(rng, [flat, s.classes], 1 / Math.sqrt(flat));
      const b = tf.variable(tf.zeros([s.classes]));
      const vars = [k1, b1, k2, b2, w, b];
      const opt = makeAdam(optimizer, 1e-3);
      const stage = (h: tf.Tensor4D, k: tf.Variable, bias: tf.Variable) =>
        tf.maxPool(
          tf.relu(tf.add(tf.conv2d(h, k as tf.Tensor4D, 1, 'same'), bias)) as tf.Tensor4D,
          2,
          2,
          'valid',
        );
      const loss = () =>
        tf.tidy(() => {
          const h = stage(stage(x, k1, b1), k2, b2);
          const logits = tf.add(tf.matMul(tf.reshape(h, [s.batch, flat]), w), b);
          return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
        });
      return {
        step: () => opt.minimize(loss, vars),
        dispose: () => {
          opt.dispose();
          tf.dispose([x, y, ...vars]);
        },
      };
    },
  };
}
