import { PaperkitInputError } from '@paperkit/tensor-core';
import { describe, expect, it } from 'vitest';
import { checkAllGroupsPresent, encodeGroups, groupCounts, selectGroups } from '../src/index.js';

describe('encodeGroups', () => {
  it('plain ids: G = max + 1, one layer', () => {
    const g = encodeGroups([2, 0, 1, 2]);
    expect(g.numGroups).toBe(3);
    expect(Array.from(g.memberships[0]!)).toEqual([2, 0, 1, 2]);
    expect(Array.from(groupCounts(g))).toEqual([1, 1, 2]);
    expect(g.names).toEqual(['0', '1', '2']);
  });

  it('intersectional ids follow ravel_multi_index (last attribute fastest)', () => {
    // Reference: np.ravel_multi_index([[0, 1, 2, 2], [1, 0, 1, 0]], (3, 2)) = [1, 2, 5, 4].
    const g = encodeGroups({
      attributes: [
        [0, 1, 2, 2],
        [1, 0, 1, 0],
      ],
      sizes: [3, 2],
    });
    expect(g.numGroups).toBe(6);
    expect(Array.from(g.memberships[0]!)).toEqual([1, 2, 5, 4]);
    expect(g.names).toEqual(['0×0', '0×1', '1×0', '1×1', '2×0', '2×1']);
  });

  it('marginal groups: one layer per attribute, offset by the earlier sizes', () => {
    const g = encodeGroups({
      attributes: [
        [0, 1, 2, 2],
        [1, 0, 1, 0],
      ],
      sizes: [3, 2],
      mode: 'marginal',
    });
    expect(g.numGroups).toBe(5);
    expect(g.memberships.map((m) => Array.from(m))).toEqual([
      [0, 1, 2, 2],
      [4, 3, 4, 3],
    ]);
    expect(Array.from(groupCounts(g))).toEqual([1, 1, 2, 2, 2]);
    expect(g.names).toEqual(['a0=0', 'a0=1', 'a0=2', 'a1=0', 'a1=1']);
  });

  it('selectGroups picks rows', () => {
    const g = encodeGroups({ ids: [3, 1, 0], numGroups: 4 });
    const s = selectGroups(g, [2, 0]);
    expect(Array.from(s.memberships[0]!)).toEqual([0, 3]);
    expect(s.count).toBe(2);
    expect(s.numGroups).toBe(4);
  });
});

describe('bad group labels', () => {
  it('out of range, non-integer, negative', () => {
    expect(() => encodeGroups({ ids: [0, 4], numGroups: 4 })).toThrow(
      /groups\.ids\[1\] must be an integer group id in \[0, 4\); got 4/,
    );
    expect(() => encodeGroups([0, -1])).toThrow(/groups\[1\] must be an integer group id >= 0; got -1/);
    expect(() => encodeGroups([0, 1.5])).toThrow(/groups\[1\]/);
    expect(() => encodeGroups({ attributes: [[0, 2]], sizes: [2] })).toThrow(/groups\.attributes\[0\]\[1\]/);
  });

  it('mismatched lengths', () => {
    expect(() => encodeGroups([0, 1, 1], 4)).toThrow(
      /groups must be length 4 \(one id per example\); got "length 3"/,
    );
    expect(() => encodeGroups({ attributes: [[0, 1], [0]], sizes: [2, 2] })).toThrow(
      /groups\.attributes\[1\]/,
    );
    expect(() => encodeGroups({ attributes: [[0, 1]], sizes: [2, 2] })).toThrow(/groups\.sizes/);
  });

  it('malformed specs', () => {
    expect(() => encodeGroups([])).toThrow(PaperkitInputError);
    expect(() => encodeGroups(null as never)).toThrow(/groups must be/);
    expect(() => encodeGroups({ attributes: [[0]], sizes: [1], mode: 'union' as never })).toThrow(
      /groups\.mode/,
    );
  });

  it('a group absent from the training set', () => {
    expect(() => checkAllGroupsPresent('groups', encodeGroups({ ids: [0, 2, 2], numGroups: 3 }))).toThrow(
      /groups must be group ids covering every one of the 3 groups in the training set; got "no example of group 1/,
    );
    expect(() => checkAllGroupsPresent('groups', encodeGroups([0, 2]))).toThrow(/no example of group 1/);
    expect(() => checkAllGroupsPresent('groups', encodeGroups([0, 1]))).not.toThrow();
  });
});
