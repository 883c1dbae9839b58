import { checkInteger, PaperkitInputError } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { Autoencoder } from './autoencoder.js';
import type { AdditiveDecoder } from './decoder.js';

/** Row-major rows on the host: `data.length = rows · cols`. */
export type HostRows = Float32Array | Float64Array;

/** Checks that `data` holds whole rows of `cols` entries and returns the row count. */
export function checkRows(parameter: string, data: HostRows, cols: number): number {
  if (!(data instanceof Float32Array || data instanceof Float64Array))
    throw new PaperkitInputError(parameter, data, 'a Float32Array or Float64Array of row-major rows');
  const rows = data.length / cols;
  if (!Number.isInteger(rows) || rows < 1)
    throw new PaperkitInputError(
      parameter,
      data,
      `a non-empty array whose length is a multiple of ${cols} (one row per sample)`,
    );
  return rows;
}

/**
 * Runs `fn` on row batches of `data` (n × inCols) and concatenates the outputs (n × outCols) on the
 * host, one download per batch; used for evaluation over thousands of rows.
 */
export async function mapRows(
  data: HostRows,
  inCols: number,
  outCols: number,
  fn: (batch: tf.Tensor2D) => tf.Tensor,
  batchSize = 1024,
): Promise<Float32Array> {
  const n = checkRows('data', data, inCols);
  checkInteger('batchSize', batchSize, 1);
  const out = new Float32Array(n * outCols);
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const y = tf.tidy(() => {
      const x = tf.tensor2d(Float32Array.from(data.subarray(start * inCols, end * inCols)), [
        end - start,
        inCols,
      ]);
      return fn(x);
    });
    try {
      if (y.size !== (end - start) * outCols)
        throw new Error(
          `internal: a batch of ${end - start} rows gave ${y.size} values, not ${outCols} per row`,
        );
      out.set(await y.data(), start * outCols);
    } finally {
      y.dispose();
    }
  }
  return out;
}

/** Encodes host images (n × inputDim) → n × d_z latents. */
export function encodeRows(model: Autoencoder, x: HostRows): Promise<Float32Array> {
  return mapRows(x, model.encoder.inputDim, model.encoder.latentDim, (b) => model.encode(b));
}

/** Decodes host latents (n × d_z) → n × outputDim images. */
export function decodeRows(decoder: AdditiveDecoder, z: HostRows): Promise<Float32Array> {
  return mapRows(z, decoder.latentDim, decoder.outputDim, (b) => decoder.apply(b));
}

/** Reconstructs host images (n × inputDim). */
export function reconstructRows(model: Autoencoder, x: HostRows): Promise<Float32Array> {
  return mapRows(x, model.encoder.inputDim, model.encoder.inputDim, (b) => model.reconstruct(b));
}

/** Mean squared reconstruction error of a model on host images (n × inputDim), accumulated in float64. */
export async function reconstructionMse(model: Autoencoder, x: HostRows, batchSize = 1024): Promise<number> {
  const d = model.encoder.inputDim;
  const n = checkRows('x', x, d);
  let sum = 0;
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const t = tf.tidy(() => {
      const xb = tf.tensor2d(Float32Array.from(x.subarray(start * d, end * d)), [end - start, d]);
      return tf.sum(tf.square(tf.sub(model.reconstruct(xb), xb)));
    });
    sum += (await t.data())[0]!;
    t.dispose();
  }
  return sum / (n * d);
}
