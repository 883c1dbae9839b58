// The browser example: the root README's nupi problem, bundled by esbuild for platform=browser with
// no externals. initBackend's browser order is webgpu → webgl → wasm → cpu; the page imports neither
// webgpu nor webgl, so it runs on wasm with the binaries served next to it (wasmPaths).

import { ConstrainedOptimizer, defineConstraint, defineProblem, denseMultiplier, NuPI } from '@paperkit/nupi';
import { initBackend, SGD } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';

async function main() {
  const info = await initBackend({ wasmPaths: new URL('./', location.href).href });
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
  return {
    backend: info.label,
    skipped: info.skipped,
    tfjs: tf.version_core,
    x: (await x.data())[0],
    lambda: bound.multiplier.value[0],
  };
}

main().then(
  (r) => {
    window.__result = r;
    document.body.textContent = JSON.stringify(r);
  },
  (err) => {
    window.__result = { error: String(err?.stack ?? err) };
  },
);
