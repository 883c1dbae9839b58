import * as tf from '@tensorflow/tfjs-core';
import { checkInRange, checkOneOf, PaperkitInputError } from '../validate/errors.js';

/** Pointwise nonlinearities the blocks accept by name. */
export type Activation = 'relu' | 'tanh' | 'gelu' | 'sigmoid' | 'leakyRelu' | 'elu' | 'softplus' | 'identity';

/** Every {@link Activation}, for validation and config schemas. */
export const ACTIVATIONS: readonly Activation[] = [
  'relu',
  'tanh',
  'gelu',
  'sigmoid',
  'leakyRelu',
  'elu',
  'softplus',
  'identity',
];

/** Negative slope of `leakyRelu`: PyTorch's `nn.LeakyReLU` default. */
export const LEAKY_RELU_SLOPE = 0.01;

/**
 * Throws a {@link PaperkitInputError} naming `parameter` unless `name` is an {@link Activation}.
 * @returns the validated name.
 */
export function checkActivation(parameter: string, name: string): Activation {
  return checkOneOf(parameter, name, ACTIVATIONS);
}

/** Options of {@link activate}. */
export interface ActivateOptions {
  /**
   * Negative slope of `leakyRelu`, in [0, 1); default {@link LEAKY_RELU_SLOPE} (PyTorch's). Ignored
   * by the other activations.
   */
  readonly leakySlope?: number;
}

/**
 * Applies an activation. `gelu` is the exact form 0.5·x·(1 + erf(x/√2)) (PyTorch's `nn.GELU()`
 * default, not the tanh approximation); `elu` uses α = 1; `leakyRelu` uses `options.leakySlope`
 * (default {@link LEAKY_RELU_SLOPE}).
 */
export function activate(x: tf.Tensor, name: Activation, options: ActivateOptions = {}): tf.Tensor {
  switch (name) {
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'gelu':
      return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'leakyRelu':
      return tf.leakyRelu(x, leakySlopeOf(options));
    case 'elu':
      return tf.elu(x);
    case 'softplus':
      return tf.softplus(x);
    case 'identity':
      return x;
    default:
      checkActivation('activation', name);
      throw new Error('unreachable');
  }
}

function leakySlopeOf(options: ActivateOptions): number {
  if (options === null || typeof options !== 'object')
    throw new PaperkitInputError('options', options, 'an options object { leakySlope? }');
  return options.leakySlope === undefined
    ? LEAKY_RELU_SLOPE
    : checkInRange('leakySlope', options.leakySlope, 0, 1, '[)');
}
