/** Tolerances of {@link expectAllClose}: |a − b| ≤ atol + rtol·|b| elementwise (numpy's allclose). */
export interface Tolerance {
  /** Absolute tolerance; default 0. */
  readonly atol?: number;
  /** Relative tolerance; default 0. */
  readonly rtol?: number;
}

/** Throws naming the first index where `actual` and `expected` differ beyond the tolerance. */
export function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance): void {
  if (actual.length !== expected.length)
    throw new Error(`length mismatch: actual ${actual.length}, expected ${expected.length}`);
  const atol = tol.atol ?? 0;
  const rtol = tol.rtol ?? 0;
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const b = expected[i]!;
    if (Number.isNaN(a) !== Number.isNaN(b)) throw new Error(`index ${i}: actual ${a}, expected ${b}`);
    if (Number.isNaN(a)) continue;
    const excess = Math.abs(a - b) - (atol + rtol * Math.abs(b));
    if (excess > worstExcess || (a !== b && !Number.isFinite(a - b))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0)
    throw new Error(
      `arrays differ at index ${worst}: actual ${actual[worst]}, expected ${expected[worst]} ` +
        `(|diff| ${Math.abs(actual[worst]! - expected[worst]!)} > atol ${atol} + rtol ${rtol}·|expected|)`,
    );
}

/** Throws unless the two arrays are identical bit for bit (NaN payloads aside). */
export function expectBitIdentical(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  if (actual.length !== expected.length)
    throw new Error(`length mismatch: actual ${actual.length}, expected ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) throw new Error(`index ${i}: ${actual[i]} !== ${expected[i]}`);
  }
}

/** Maximum absolute elementwise difference. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** A tensor's values as a Float64Array (one synchronous read), for assertions in tests. */
export function readHost(t: { dataSync(): ArrayLike<number> | Uint8Array[] | string[] }): Float64Array {
  return Float64Array.from(t.dataSync() as ArrayLike<number>);
}
