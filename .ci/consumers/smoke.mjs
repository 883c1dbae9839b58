// Consumer smoke test (ESM): the main entries of tensor-core, nupi and weight-sharing, installed from
// the packed tarballs, run the README examples and print one JSON line. Exits 1 on a wrong number.

import { ConstrainedOptimizer, defineConstraint, defineProblem, denseMultiplier, NuPI } from '@paperkit/nupi';
import { Adam, initBackend, Rng, SGD, train } from '@paperkit/tensor-core';
import { kktCheck, proxR, R } from '@paperkit/weight-sharing';
import * as tf from '@tensorflow/tfjs-core';

const info = await initBackend();

// tensor-core's ten-line example: Adam on Σw² through tfjs-core's gradients (no @tensorflow/tfjs).
const rng = Rng.fromSeed(0);
const w = tf.variable(tf.randomNormal([10], 0, 1, 'float32', rng.opSeed()));
const adam = new Adam({ lr: 0.05 });
const { finalLoss } = await train({
  steps: 500,
  step: () => adam.minimize(() => tf.sum(tf.square(w)), { w }),
});

// The root README's nupi example: min ½(x − 2)² s.t. x ≤ 1 → x* = 1, λ* = 1.
const x = tf.variable(tf.zeros([1]));
const bound = defineConstraint({
  kind: 'inequality',
  formulation: 'lagrangian',
  multiplier: denseMultiplier(1),
});
const problem = defineProblem({
  constraints: { bound },
  computeState: () => ({
    loss: tf.mul(0.5, tf.sum(tf.square(tf.sub(x, 2)))),
    constraints: { bound: { violation: tf.sub(x, 1) } },
  }),
});
const opt = new ConstrainedOptimizer({
  problem,
  params: { x },
  primal: new SGD({ lr: 0.05 }),
  dual: new NuPI({ lr: 1, ki: 0.5, kp: 5 }),
});
for (let t = 0; t < 200; t++) opt.roll().dispose();
const xv = x.dataSync()[0];
const lambda = bound.multiplier.value[0];

// weight-sharing's first example (exact, Float64).
const v = new Float64Array([0, 1, 5]);
const prox = proxR(v, 2, { returnClusters: true });

const out = {
  backend: info.label,
  tfjs: tf.version_core,
  adamFinalLoss: finalLoss,
  x: xv,
  lambda,
  R: R(v),
  prox: Array.from(prox.x),
  kkt: kktCheck(v, prox.x, 2).ok,
};
console.log(JSON.stringify(out));
const bad = [];
if (!(finalLoss < 1e-6)) bad.push(`Adam final loss ${finalLoss} ≥ 1e-6`);
if (Math.abs(xv - 1) > 1e-3 || Math.abs(lambda - 1) > 1e-3)
  bad.push(`nupi x=${xv} λ=${lambda}, README says ≈ 1 and ≈ 1`);
if (out.R !== 5 || out.prox.join() !== '1.5,1.5,3' || !out.kkt)
  bad.push('weight-sharing example numbers differ from the README');
if (process.env.EXPECT_TFJS && tf.version_core !== process.env.EXPECT_TFJS)
  bad.push(`tfjs-core ${tf.version_core} loaded, ${process.env.EXPECT_TFJS} installed`);
if (bad.length > 0) {
  console.error(bad.join('\n'));
  process.exit(1);
}
