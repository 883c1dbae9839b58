import { checkObject, PaperkitInputError, Rng, type RngState } from '@paperkit/tensor-core';
import { bufferActive, type ResolvedBufferConfig } from '../config.js';
import { PriorityKeys, type PriorityKeysState } from '../priority-buffer.js';
import type { State64 } from './critical64.js';

/** Format tag of {@link CriticalBuffer64State}. */
export const CRITICAL64_STATE_FORMAT = 'paperkit.critical-momenta.float64/1';

/** One parameter's saved Float64 state. */
export interface Param64State {
  readonly m: number[];
  readonly v: number[];
  readonly vMax: number[];
  readonly buf: number[][];
  readonly sum: number[];
  readonly keys: PriorityKeysState | null;
  readonly count: number;
}

/** Saved state of a Float64 critical optimizer (`AdamCM64`, `AdamCG64`): plain JSON data, exact. */
export interface CriticalBuffer64State {
  readonly format: typeof CRITICAL64_STATE_FORMAT;
  readonly optimizer: string;
  readonly t: number;
  readonly params: Readonly<Record<string, Param64State>>;
  readonly rng: RngState;
}

/** The state as plain data (float64 values survive JSON exactly). */
export function saveState64(
  name: string,
  t: number,
  states: ReadonlyMap<string, State64>,
  rng: Rng,
): CriticalBuffer64State {
  const params: Record<string, Param64State> = {};
  for (const [n, s] of states)
    params[n] = {
      m: Array.from(s.m),
      v: Array.from(s.v),
      vMax: Array.from(s.vMax),
      buf: s.buf.map((b) => Array.from(b)),
      sum: Array.from(s.sum),
      keys: s.keys ? s.keys.toJSON() : null,
      count: s.count,
    };
  return { format: CRITICAL64_STATE_FORMAT, optimizer: name, t, params, rng: rng.getState() };
}

function vector(field: string, x: unknown, length: number, nonNegative = false): Float64Array {
  if (!Array.isArray(x) || x.length !== length)
    throw new PaperkitInputError(field, x, `an array of ${length} numbers`);
  x.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || (nonNegative && v < 0))
      throw new PaperkitInputError(
        `${field}[${i}]`,
        v,
        nonNegative ? 'a finite number >= 0' : 'a finite number',
      );
  });
  return Float64Array.from(x);
}

/**
 * Validates a saved Float64 state for optimizer `name` with `settings` (the same buffer capacity,
 * vectors of one length per parameter, finite values, second moments ≥ 0, integer counts, a valid
 * stream) and returns what to install. Names the field it rejects.
 */
export function parseState64(
  state: unknown,
  name: string,
  settings: ResolvedBufferConfig,
): { t: number; states: Map<string, State64>; rng: Rng } {
  const s = checkObject<CriticalBuffer64State>('state', state, `a ${name} state from getState()`);
  if (s.format !== CRITICAL64_STATE_FORMAT)
    throw new PaperkitInputError('state.format', s.format, `"${CRITICAL64_STATE_FORMAT}"`);
  if (s.optimizer !== name)
    throw new PaperkitInputError('state.optimizer', s.optimizer, `"${name}" (state saved by this optimizer)`);
  if (!Number.isSafeInteger(s.t) || s.t < 0) throw new PaperkitInputError('state.t', s.t, 'an integer >= 0');
  checkObject('state.params', s.params, 'a record of per-parameter states');
  const slots = bufferActive(settings) ? settings.topC : 0;
  const states = new Map<string, State64>();
  for (const [n, p] of Object.entries(s.params)) {
    const at = `state.params.${n}`;
    checkObject(at, p, 'a saved parameter state');
    if (!Array.isArray(p.m) || p.m.length === 0)
      throw new PaperkitInputError(`${at}.m`, p.m, 'a non-empty array');
    const d = p.m.length;
    if (!Array.isArray(p.buf) || p.buf.length !== slots)
      throw new PaperkitInputError(`${at}.buf`, p.buf, `${slots} buffer slots (this optimizer's topC)`);
    if (!Number.isSafeInteger(p.count) || p.count < 0)
      throw new PaperkitInputError(`${at}.count`, p.count, 'an integer >= 0');
    states.set(n, {
      m: vector(`${at}.m`, p.m, d),
      v: vector(`${at}.v`, p.v, d, true),
      vMax: vector(`${at}.vMax`, p.vMax, settings.amsgrad ? d : 0, true),
      buf: p.buf.map((b, j) => vector(`${at}.buf[${j}]`, b, d)),
      sum: vector(`${at}.sum`, p.sum, slots > 0 ? d : 0),
      keys: p.keys === null ? undefined : PriorityKeys.fromJSON(p.keys, settings.topC, `${at}.keys`),
      count: p.count,
    });
  }
  return { t: s.t, states, rng: Rng.fromState(s.rng, 'state.rng') };
}
