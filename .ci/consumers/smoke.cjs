// Consumer smoke test (CommonJS): require() of the ESM-only packages (Node ≥ 20.19) and one example each.
const tf = require('@tensorflow/tfjs-core');
const { initBackend, SGD } = require('@paperkit/tensor-core');
const {
  ConstrainedOptimizer,
  defineConstraint,
  defineProblem,
  denseMultiplier,
  NuPI,
} = require('@paperkit/nupi');
const { proxR } = require('@paperkit/weight-sharing');

async function main() {
  const info = await initBackend();
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
  const prox = Array.from(proxR(new Float64Array([0, 1, 5]), 2).x);
  console.log(JSON.stringify({ backend: info.label, x: xv, lambda, prox }));
  if (Math.abs(xv - 1) > 1e-3 || Math.abs(lambda - 1) > 1e-3 || prox.join() !== '1.5,1.5,3') process.exit(1);
}
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
