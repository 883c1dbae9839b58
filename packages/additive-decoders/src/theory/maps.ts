import { PaperkitInputError } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { BumpScene } from '../data/bumps.js';
import { AdditiveDecoder } from '../models/decoder.js';
import type { AdditiveMap } from './sufficient-nonlinearity.js';

/**
 * The ground-truth renderer of a {@link BumpScene} as an {@link AdditiveMap}: block b is ball b's image
 * (background excluded; it is a constant and drops out of every derivative), with the scene's exact
 * first and second derivatives. Example 4.9 checks the sufficient-nonlinearity assumption on it.
 */
export function bumpSceneMap(scene: BumpScene): AdditiveMap {
  if (!(scene instanceof BumpScene)) throw new PaperkitInputError('scene', scene, 'a BumpScene');
  const k = scene.latents === 'scalar' ? 1 : 2;
  return {
    partition: scene.partition,
    outputDim: scene.outputDim,
    evaluateBlock(block, zBlock, m) {
      // Place the block's latents into full latent rows; the other balls are not rendered.
      const z = new Float64Array(m * scene.latentDim);
      for (let r = 0; r < m; r++)
        for (let a = 0; a < k; a++) z[r * scene.latentDim + block * k + a] = zBlock[r * k + a]!;
      return Float64Array.from(scene.renderBall(z, block));
    },
    blockDerivatives: (block, zBlock) => scene.ballDerivatives(block, zBlock),
  };
}

/**
 * A trained {@link AdditiveDecoder} as an {@link AdditiveMap} (block b = `renderBlock`),
 * for the sufficient nonlinearity of a learned decoder by central differences. The decoder runs in float32 and is read
 * back synchronously, so the default step is 1e-2; use a smooth activation (a leaky-ReLU decoder is
 * piecewise linear and its second derivatives vanish almost everywhere).
 */
export function decoderMap(decoder: AdditiveDecoder): AdditiveMap {
  if (!(decoder instanceof AdditiveDecoder))
    throw new PaperkitInputError('decoder', decoder, 'an AdditiveDecoder');
  const d = decoder.latentDim;
  return {
    partition: decoder.partition,
    outputDim: decoder.outputDim,
    finiteDifferenceStep: 1e-2,
    evaluateBlock(block, zBlock, m) {
      const cols = decoder.partition[block]!;
      const z = new Float32Array(m * d);
      for (let r = 0; r < m; r++)
        cols.forEach((i, a) => {
          z[r * d + i] = zBlock[r * cols.length + a]!;
        });
      const out = tf.tidy(() => decoder.renderBlock(tf.tensor2d(z, [m, d]), block));
      try {
        return Float64Array.from(out.dataSync());
      } finally {
        out.dispose();
      }
    },
  };
}
