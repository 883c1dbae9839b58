// What the bundle-size criterion compares against: tfjs-core with the same backends (wasm, cpu) and
// the same registrations (gradients, chained ops), used directly without paperkit.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';

setWasmPaths('./');
await tf.setBackend('wasm');
const x = tf.variable(tf.zeros([1]));
const opt = tf.train.sgd(0.05);
for (let t = 0; t < 200; t++) opt.minimize(() => tf.mul(0.5, tf.sum(tf.square(tf.sub(x, 2)))));
document.body.textContent = String((await x.data())[0]);
