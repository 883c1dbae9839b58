import { BatchCursor, initBackend, Rng } from '@paperkit/tensor-core';
import { expectNoLeak } from '@paperkit/tensor-core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { HostBatches } from '../src/training/host-batches.js';

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
});

/** 50 rows of 7 distinct values each, so a wrong row or column cannot match by accident. */
function rows(): Float32Array {
  const rng = Rng.fromSeed(3);
  return Float32Array.from({ length: 50 * 7 }, () => rng.normal());
}

describe('HostBatches', () => {
  it('gives the float32 values of tf.gather on an uploaded copy, over an epoch boundary', async () => {
    const host = rows();
    const data = new HostBatches(host, 7);
    expect(data.count).toBe(50);
    const device = tf.tensor2d(host, [50, 7]);
    // 16 rows per batch over 50 rows: the fourth batch of each epoch has only 2.
    const cursor = new BatchCursor(50, 16, Rng.fromSeed(1));
    await expectNoLeak(() => {
      for (let step = 0; step < 9; step++) {
        const idx = cursor.next();
        tf.tidy(() => {
          const a = data.batch(idx);
          expect(a.shape).toEqual([idx.length, 7]);
          expect(Array.from(a.dataSync())).toEqual(
            Array.from(tf.gather(device, tf.tensor1d(idx, 'int32')).dataSync()),
          );
        });
      }
    });
    device.dispose();
  });

  it('stacks equal-length batches as [K, rows, dim], restart k in slice k', async () => {
    const host = rows();
    const data = new HostBatches(host, 7);
    const device = tf.tensor2d(host, [50, 7]);
    const idx = [Int32Array.from([4, 0, 49]), Int32Array.from([4, 4, 17]), Int32Array.from([30, 2, 1])];
    await expectNoLeak(() => {
      tf.tidy(() => {
        const x = data.stacked(idx);
        expect(x.shape).toEqual([3, 3, 7]);
        idx.forEach((b, k) => {
          const want = tf.gather(device, tf.tensor1d(b, 'int32'));
          const got = tf.squeeze(tf.slice(x, [k, 0, 0], [1, 3, 7]), [0]);
          expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
        });
      });
    });
    device.dispose();
  });

  it('refuses stacked batches of unequal lengths instead of padding them', () => {
    const data = new HostBatches(rows(), 7);
    expect(() => data.stacked([Int32Array.from([1, 2]), Int32Array.from([3])])).toThrow(/unequal lengths/);
  });
});
