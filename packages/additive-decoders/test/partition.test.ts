import { PaperkitInputError } from '@paperkit/tensor-core';
import { describe, expect, it } from 'vitest';
import {
  blockIndexOf,
  checkPartition,
  contiguousPartition,
  partitionsWithBlockSizes,
  scalarPartition,
} from '../src/index.js';

/** Canonical string of a partition as a set of sets, for comparisons independent of order. */
function canon(p: readonly (readonly number[])[]): string {
  return p
    .map((b) => [...b].sort((x, y) => x - y).join(','))
    .sort()
    .join('|');
}

describe('partitions', () => {
  it('builds scalar and contiguous partitions and block indices', () => {
    expect(scalarPartition(3)).toEqual([[0], [1], [2]]);
    expect(contiguousPartition([2, 1, 3])).toEqual([[0, 1], [2], [3, 4, 5]]);
    expect(Array.from(blockIndexOf([[2], [0, 1]], 3))).toEqual([1, 1, 0]);
  });

  it('rejects overlapping, non-covering, out-of-range and empty blocks, naming the problem', () => {
    expect(() =>
      checkPartition(
        'partition',
        [
          [0, 1],
          [1, 2],
        ],
        3,
      ),
    ).toThrow(/partition must be blocks that do not overlap \(latent 1 is in blocks 0 and 1\)/);
    expect(() => checkPartition('partition', [[0], [2]], 3)).toThrow(
      /partition must be blocks that cover every latent 0..2 \(missing 1\)/,
    );
    expect(() => checkPartition('partition', [[0], [3]], 3)).toThrow(
      /partition\[1\]\[0\] must be a latent index in 0..2; got 3/,
    );
    expect(() => checkPartition('partition', [[0, 1, 2], []], 3)).toThrow(
      /partition\[1\] must be a non-empty array/,
    );
    expect(() => checkPartition('partition', [], 3)).toThrow(PaperkitInputError);
    expect(() => checkPartition('partition', [[0.5]] as never, 1)).toThrow(
      /partition\[0\]\[0\] must be a latent index/,
    );
  });

  it('lists the three pairings of four latents, as the reference searches for non-additive models', () => {
    const parts = partitionsWithBlockSizes([2, 2]);
    expect(parts.map(canon).sort()).toEqual(['0,1|2,3', '0,2|1,3', '0,3|1,2']);
    // Blocks come in canonical order: each starts with its smallest index, equal sizes by first index.
    expect(parts).toEqual([
      [
        [0, 1],
        [2, 3],
      ],
      [
        [0, 2],
        [1, 3],
      ],
      [
        [0, 3],
        [1, 2],
      ],
    ]);
  });

  it('counts partitions by the multinomial formula, each listed once', () => {
    // n! / (Π |B|! · Π_s m_s!) where m_s is the number of blocks of size s.
    const cases: [number[], number][] = [
      [[1, 1], 1],
      [[2, 1], 3],
      [[1, 2], 3],
      [[2, 2, 2], 15],
      [[2, 1, 1], 6],
      [[1, 2, 1], 6],
      [[3, 3], 10],
      [[2, 2, 2, 2], 105],
    ];
    for (const [sizes, count] of cases) {
      const parts = partitionsWithBlockSizes(sizes);
      expect(parts.length, `sizes ${sizes}`).toBe(count);
      expect(new Set(parts.map(canon)).size).toBe(count);
      const d = sizes.reduce((a, b) => a + b, 0);
      for (const p of parts) {
        expect(checkPartition('p', p, d)).toBeDefined();
        expect(p.map((b) => b.length)).toEqual(sizes);
      }
    }
  });

  it('rejects bad block sizes', () => {
    expect(() => partitionsWithBlockSizes([])).toThrow(/blockSizes must be a non-empty array/);
    expect(() => partitionsWithBlockSizes([2, 0])).toThrow(/blockSizes\[1\] must be an integer >= 1; got 0/);
    expect(() => partitionsWithBlockSizes([7, 7])).toThrow(/at most 12 latents/);
  });
});
