import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fans, initBackend, ParamMap, Rng, randomNormal } from '../src/index.js';
import { expectBitIdentical, expectNoLeak } from '../src/testing/index.js';

beforeAll(() => initBackend({ prefer: 'wasm', blas: 'off' }));

function makeMap(): ParamMap {
  const rng = Rng.fromSeed(1);
  const w = randomNormal(rng, [3, 4]);
  const b = randomNormal(rng, [4]);
  const c = randomNormal(rng, [3, 3, 2, 5]);
  const m = ParamMap.fromTensors({
    'l1.w': { value: w, role: 'weight', layout: { outAxis: 1, inAxis: 0 } },
    'l1.b': { value: b, role: 'bias' },
    conv: { value: c, role: 'weight', layout: { outAxis: 3, inAxis: 2 } },
  });
  tf.dispose([w, b, c]);
  return m;
}

describe('ParamMap', () => {
  it('flatten → unflatten is bit-exact and keeps insertion order', async () => {
    const m = makeMap();
    expect(m.names()).toEqual(['l1.w', 'l1.b', 'conv']);
    expect(m.size).toBe(12 + 4 + 90);
    const flat = await m.flatten();
    const w = await m.get('l1.w').data();
    expectBitIdentical(flat.subarray(0, 12), w);
    const m2 = m.clone();
    tf.tidy(() => m2.unflatten(tf.zeros([m.size])));
    expect(Array.from(await m2.get('conv').data()).every((x) => x === 0)).toBe(true);
    m2.unflatten(flat);
    expectBitIdentical(await m2.flatten(), flat);
    m.dispose();
    m2.dispose();
  });

  it('records roles, layouts and fans', () => {
    const m = makeMap();
    expect(m.info('l1.b').role).toBe('bias');
    expect(fans(m.info('l1.w'))).toEqual({ fanIn: 3, fanOut: 4 });
    expect(fans(m.info('conv'))).toEqual({ fanIn: 18, fanOut: 45 });
    m.dispose();
  });

  it('leaks nothing and frees its variables on dispose', async () => {
    const before = tf.memory().numTensors;
    await expectNoLeak(async () => {
      const m = makeMap();
      await m.flatten();
      m.unflatten(new Float32Array(m.size));
      m.dispose();
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects duplicates, bad layouts and wrong lengths, naming them', () => {
    const m = makeMap();
    const t = tf.zeros([2, 2]);
    expect(() => m.add('l1.w', { value: t })).toThrow(
      /name must be a name not already in the map; got "l1.w"/,
    );
    expect(() => m.add('x', { value: t, layout: { outAxis: 2, inAxis: 0 } })).toThrow(
      /x.layout.outAxis must be an axis of the shape \[2,2\]/,
    );
    expect(() => m.unflatten(new Float32Array(3))).toThrow(/vector must be length 106/);
    expect(() => m.get('nope')).toThrow(/name must be one of the parameters l1.w, l1.b, conv; got "nope"/);
    t.dispose();
    m.dispose();
  });
});
