import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkObject,
  checkSavedTensor,
  initBackend,
  loadTensor,
  PaperkitInputError,
  ParamMap,
  saveTensor,
  valueAndGrads,
} from '../src/index.js';
import { expectBitIdentical, expectNoLeak } from '../src/testing/index.js';

beforeAll(() => initBackend({ prefer: 'cpu', blas: 'off' }));

function twoTensors(): ParamMap {
  const w = tf.tensor2d([
    [0.1, -0.2],
    [0.3, 1 / 3],
  ]);
  const b = tf.tensor1d([1e-7, -5]);
  const m = ParamMap.fromTensors({
    w: { value: w, role: 'weight', layout: { inAxis: 0, outAxis: 1 } },
    b: { value: b, role: 'bias' },
  });
  tf.dispose([w, b]);
  return m;
}

describe('saved tensors and ParamMap checkpoints', () => {
  it('toJSON is synchronous plain data; restore writes it back bit for bit and checks every field', () => {
    const a = twoTensors();
    const saved = JSON.parse(JSON.stringify(a.toJSON()));
    expect(a.toJSON()).toEqual(saved);
    const b = twoTensors();
    b.get('w').assign(tf.zeros([2, 2]));
    b.restore(saved);
    expectBitIdentical(b.get('w').dataSync(), a.get('w').dataSync());
    const bad: [unknown, RegExp][] = [
      [{ ...saved, extra: saved.b }, /^saved\.extra must be a parameter of this map \(w, b\)/],
      [{ w: saved.w }, /^saved\.b must be the saved values of parameter b/],
      [{ ...saved, b: { shape: [3], data: [1, 2, 3] } }, /^saved\.b\.shape must be \[2\]/],
      [{ ...saved, b: { shape: [2], data: [1, null] } }, /^saved\.b\.data\[1\] must be a finite number/],
      [{ ...saved, b: { shape: [2], data: [1] } }, /^saved\.b\.data must be an array of 2 numbers/],
    ];
    const before = Array.from(b.get('b').dataSync());
    for (const [s, msg] of bad) expect(() => b.restore(s as never)).toThrow(msg);
    expect(Array.from(b.get('b').dataSync())).toEqual(before);
    a.dispose();
    b.dispose();
  });

  it('saveTensor / loadTensor round-trip float32 exactly', () => {
    const t = tf.tensor1d([Math.PI, -1e-30, 3.4e38]);
    const back = loadTensor('t', JSON.parse(JSON.stringify(saveTensor(t))));
    expectBitIdentical(back.dataSync(), t.dataSync());
    expect(() => checkSavedTensor('x', { shape: [1.5], data: [] })).toThrow(
      /x\.shape must be an array of integers >= 0/,
    );
    tf.dispose([t, back]);
  });

  it('fromVariables wraps existing variables without owning them', async () => {
    const v = tf.variable(tf.tensor1d([1, 2]));
    const m = ParamMap.fromVariables({ v: { variable: v, role: 'bias' } });
    expect(m.get('v')).toBe(v);
    expect(m.info('v').role).toBe('bias');
    await expectNoLeak(() => m.dispose());
    expect(v.isDisposed).toBe(false);
    expect(() => ParamMap.fromVariables({ x: { variable: tf.scalar(1) as never } })).toThrow(
      /entries\.x\.variable must be a live tf\.Variable/,
    );
    v.dispose();
  });

  it('valueAndGrads keys gradients by parameter name and omits unreached parameters', () => {
    const m = twoTensors();
    const free = tf.variable(tf.scalar(3));
    const { value, grads } = valueAndGrads(() => tf.sum(tf.square(m.get('b'))) as tf.Scalar, {
      ...m.tensors(),
      free,
    });
    expect(Object.keys(grads)).toEqual(['b']);
    expect(Array.from(grads.b!.dataSync())).toEqual([Math.fround(2e-7), -10]);
    expect(value.dataSync()[0]).toBeCloseTo(25, 5);
    expect(() => valueAndGrads(3 as never, m)).toThrow(/loss must be a function/);
    tf.dispose([value, grads.b!, free]);
    m.dispose();
  });

  it('checkObject names the parameter and the expected shape', () => {
    expect(() => checkObject('config', null, 'an object { lr }')).toThrow(
      /config must be an object \{ lr \}; got null/,
    );
    expect(() => checkObject('config', [1], 'an object')).toThrow(PaperkitInputError);
    expect(checkObject('list', [1], 'an array')).toEqual([1]);
  });
});
