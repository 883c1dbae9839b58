import { PaperkitInputError } from '@paperkit/tensor-core';
import { describe, expect, it } from 'vitest';
import {
  kktCheck,
  lambdaMax,
  proxR,
  R,
  radixArgsort,
  radixSortWithIndex,
  sharingMetrics,
  tieClusters,
} from '../src/index.js';

const w = new Float64Array([0, 1, 5]);

describe('bad input gives errors naming parameter, value and what is allowed', () => {
  it('non-finite weights', () => {
    expect(() => proxR(new Float64Array([0, Number.NaN, 1]), 1)).toThrow(
      /w\[1\] must be a finite number; got NaN/,
    );
    expect(() => proxR(new Float32Array([Infinity]), 1)).toThrow(
      /w\[0\] must be a finite number; got Infinity/,
    );
    expect(() => R([1, -Infinity])).toThrow(/w\[1\] must be a finite number/);
    expect(() => lambdaMax([Number.NaN])).toThrow(PaperkitInputError);
    expect(() => kktCheck(w, [1, 2, Number.NaN], 1)).toThrow(/x\[2\] must be a finite number/);
  });

  it('wrong array types', () => {
    expect(() => proxR([0, 1] as unknown as Float64Array, 1)).toThrow(
      /w must be a Float32Array or Float64Array; got \[0,1\]/,
    );
    expect(() => proxR(new Int32Array(3) as unknown as Float64Array, 1)).toThrow(
      /w must be a Float32Array or Float64Array; got a Int32Array/,
    );
  });

  it('negative or non-finite lambda, l1, tol', () => {
    expect(() => proxR(w, -1)).toThrow(/lambda must be a finite number >= 0; got -1/);
    expect(() => proxR(w, Number.NaN)).toThrow(/lambda must be a finite number >= 0; got NaN/);
    expect(() => proxR(w, 1, { l1: -0.5 })).toThrow(/l1 must be a finite number >= 0; got -0.5/);
    expect(() => kktCheck(w, w, -2)).toThrow(/lambda must be a finite number >= 0; got -2/);
    expect(() => kktCheck(w, w, 1, -1)).toThrow(/tol must be a finite number >= 0; got -1/);
  });

  it('rho outside [0, 1]', () => {
    expect(() => proxR(w, 1, { rho: 1.5 })).toThrow(/rho must be a number in \[0, 1\]; got 1.5/);
    expect(() => proxR(w, 1, { rho: -0.1 })).toThrow(/rho must be a number in \[0, 1\]; got -0.1/);
  });

  it('unknown algorithm', () => {
    expect(() => proxR(w, 1, { algorithm: 'search_collisions' as never })).toThrow(
      /algorithm must be one of "pav", "end", "imminent", "search"; got "search_collisions"/,
    );
  });

  it('mismatched lengths', () => {
    expect(() => proxR(w, 1, { out: new Float64Array(2) })).toThrow(
      /out must be an array of length 3 \(the length of w\)/,
    );
    expect(() => kktCheck(w, [1, 2], 1)).toThrow(
      /x must be an array of length 3 \(the length of w\); got \[1,2\]/,
    );
    expect(() => tieClusters(w, new Int32Array(2))).toThrow(/clusters must be an Int32Array of length 3/);
  });

  it('metrics validate too', () => {
    expect(() => sharingMetrics([1, Number.NaN])).toThrow(/w\[1\] must be a finite number/);
    expect(() => tieClusters(w, new Int32Array([0, -1, 0]))).toThrow(
      /clusters\[1\] must be a cluster id >= 0; got -1/,
    );
  });
});

describe('radix argsort input', () => {
  it('rejects NaN with its index, and non-float arrays; sorts ±Infinity to the ends', () => {
    expect(() => radixArgsort(new Float32Array([1, Number.NaN, 0]))).toThrow(
      /values\[1\] must be a number that is not NaN \(NaN has no sort order\); got NaN/,
    );
    expect(() => radixSortWithIndex(new Float64Array([Number.NaN]))).toThrow(PaperkitInputError);
    expect(() => radixArgsort([2, 1] as unknown as Float64Array)).toThrow(
      /values must be a Float32Array or Float64Array; got \[2,1\]/,
    );
    expect(Array.from(radixArgsort(new Float64Array([Infinity, 0, -Infinity])))).toEqual([2, 1, 0]);
  });
});
