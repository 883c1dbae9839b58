import { checkInteger, PaperkitInputError } from '@paperkit/tensor-core';

/**
 * Which protected group(s) each example belongs to, in one of three forms:
 * - an array of group ids `0 … G − 1`, one per example (one attribute; G is the largest id + 1);
 * - `{ ids, numGroups }`: the same with G stated, so a group that is absent from the data is caught;
 * - `{ attributes, sizes, mode? }`: several attributes (e.g. race × gender), attribute `a` taking
 *   values in `[0, sizes[a])`. `mode: 'intersectional'` (default, the reference code's default) makes
 *   one group per combination, numbered by `ravel_multi_index` (row-major: the last attribute varies
 *   fastest); `'marginal'` makes one group per value of each attribute (Σ sizes groups, attribute `a`'s
 *   values offset by Σ_{b<a} sizes[b]), so every example belongs to one group per attribute.
 */
export type GroupSpec =
  | ArrayLike<number>
  | { readonly ids: ArrayLike<number>; readonly numGroups: number }
  | {
      readonly attributes: readonly ArrayLike<number>[];
      readonly sizes: readonly number[];
      readonly mode?: 'intersectional' | 'marginal';
    };

/**
 * Group memberships, validated: `memberships[l][i]` is the group of example `i` in layer `l`. One
 * layer for a single attribute or intersectional groups (a partition of the examples); one layer per
 * attribute for marginal groups.
 */
export interface GroupAssignment {
  /** Number of groups G (constraints, multipliers). */
  readonly numGroups: number;
  /** Number of examples. */
  readonly count: number;
  /** One `Int32Array` of group ids per layer, each of length `count`. */
  readonly memberships: readonly Int32Array[];
  /** A readable name per group, e.g. `"2"` or `"1×0"` (intersectional) or `"a1=0"` (marginal). */
  readonly names: readonly string[];
}

function isArrayLike(v: unknown): v is ArrayLike<number> {
  return (
    v !== null &&
    typeof v === 'object' &&
    typeof (v as ArrayLike<number>).length === 'number' &&
    !('ids' in v)
  );
}

function checkIds(
  parameter: string,
  ids: unknown,
  count: number | undefined,
  bound: number | null,
): Int32Array {
  if (!isArrayLike(ids)) throw new PaperkitInputError(parameter, ids, 'an array of integer group ids');
  if (count !== undefined && ids.length !== count)
    throw new PaperkitInputError(parameter, `length ${ids.length}`, `length ${count} (one id per example)`);
  const out = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i]!;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || (bound !== null && v >= bound))
      throw new PaperkitInputError(
        `${parameter}[${i}]`,
        v,
        bound === null ? 'an integer group id >= 0' : `an integer group id in [0, ${bound})`,
      );
    out[i] = v;
  }
  return out;
}

/**
 * Validates a {@link GroupSpec} for `count` examples (omit to take the spec's length) and resolves it to
 * memberships. Ids must be integers in range; lengths must match.
 */
export function encodeGroups(spec: GroupSpec, count?: number): GroupAssignment {
  if (count !== undefined) checkInteger('count', count, 1);
  if (isArrayLike(spec)) {
    const ids = checkIds('groups', spec, count, null);
    if (ids.length === 0) throw new PaperkitInputError('groups', spec, 'a non-empty array of group ids');
    let g = 0;
    for (let i = 0; i < ids.length; i++) if (ids[i]! + 1 > g) g = ids[i]! + 1;
    return {
      numGroups: g,
      count: ids.length,
      memberships: [ids],
      names: Array.from({ length: g }, (_, k) => `${k}`),
    };
  }
  if (spec === null || typeof spec !== 'object')
    throw new PaperkitInputError(
      'groups',
      spec,
      'group ids, { ids, numGroups } or { attributes, sizes, mode? }',
    );
  if ('ids' in spec) {
    const g = checkInteger('groups.numGroups', spec.numGroups, 1);
    const ids = checkIds('groups.ids', spec.ids, count, g);
    if (ids.length === 0)
      throw new PaperkitInputError('groups.ids', spec.ids, 'a non-empty array of group ids');
    return {
      numGroups: g,
      count: ids.length,
      memberships: [ids],
      names: Array.from({ length: g }, (_, k) => `${k}`),
    };
  }
  if (!('attributes' in spec) || !Array.isArray(spec.attributes) || spec.attributes.length === 0)
    throw new PaperkitInputError(
      'groups.attributes',
      (spec as { attributes?: unknown }).attributes,
      'a non-empty array of attribute arrays',
    );
  const sizes = spec.sizes;
  if (!Array.isArray(sizes) || sizes.length !== spec.attributes.length)
    throw new PaperkitInputError(
      'groups.sizes',
      sizes,
      `an array of ${spec.attributes.length} attribute sizes`,
    );
  sizes.forEach((s, a) => {
    checkInteger(`groups.sizes[${a}]`, s, 1);
  });
  const mode = spec.mode ?? 'intersectional';
  if (mode !== 'intersectional' && mode !== 'marginal')
    throw new PaperkitInputError('groups.mode', mode, '"intersectional" or "marginal"');
  const n = count ?? spec.attributes[0]!.length;
  if (n === 0) throw new PaperkitInputError('groups.attributes[0]', spec.attributes[0], 'a non-empty array');
  const attrs = spec.attributes.map((a, k) => checkIds(`groups.attributes[${k}]`, a, n, sizes[k]!));
  if (mode === 'intersectional') {
    const ids = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let id = 0;
      for (let a = 0; a < attrs.length; a++) id = id * sizes[a]! + attrs[a]![i]!;
      ids[i] = id;
    }
    const g = sizes.reduce((p, s) => p * s, 1);
    const names: string[] = [];
    for (let id = 0; id < g; id++) {
      const parts: number[] = [];
      let r = id;
      for (let a = sizes.length - 1; a >= 0; a--) {
        parts.unshift(r % sizes[a]!);
        r = Math.floor(r / sizes[a]!);
      }
      names.push(parts.join('×'));
    }
    return { numGroups: g, count: n, memberships: [ids], names };
  }
  let offset = 0;
  const memberships: Int32Array[] = [];
  const names: string[] = [];
  attrs.forEach((ids, a) => {
    memberships.push(ids.map((v) => v + offset));
    for (let v = 0; v < sizes[a]!; v++) names.push(`a${a}=${v}`);
    offset += sizes[a]!;
  });
  return { numGroups: offset, count: n, memberships, names };
}

/** Number of examples in each group (an example counts once per layer it belongs to). */
export function groupCounts(groups: GroupAssignment): Float64Array {
  const counts = new Float64Array(groups.numGroups);
  for (const layer of groups.memberships) for (let i = 0; i < layer.length; i++) counts[layer[i]!]!++;
  return counts;
}

/** Rows `indices` of an assignment (a batch), with the same groups and names. */
export function selectGroups(groups: GroupAssignment, indices: ArrayLike<number>): GroupAssignment {
  const memberships = groups.memberships.map((layer) => {
    const out = new Int32Array(indices.length);
    for (let k = 0; k < indices.length; k++) out[k] = layer[indices[k]!]!;
    return out;
  });
  return { numGroups: groups.numGroups, count: indices.length, memberships, names: groups.names };
}

/**
 * Throws when a group has no example: a constraint on an empty training group can never be measured
 * (the "group labels absent from the training set").
 */
export function checkAllGroupsPresent(parameter: string, groups: GroupAssignment): void {
  const counts = groupCounts(groups);
  for (let g = 0; g < counts.length; g++)
    if (counts[g] === 0)
      throw new PaperkitInputError(
        parameter,
        `no example of group ${g} ("${groups.names[g]}")`,
        `group ids covering every one of the ${groups.numGroups} groups in the training set`,
      );
}

/**
 * Encodes the groups of another set (e.g. a test set) consistently with a reference grouping: plain ids
 * get the reference's group count (a group may be absent from this set), and the result must have the
 * reference's groups and layers.
 */
export function encodeGroupsLike(
  parameter: string,
  spec: GroupSpec,
  count: number,
  reference: GroupAssignment,
): GroupAssignment {
  const a = isArrayLike(spec)
    ? encodeGroups({ ids: spec, numGroups: reference.numGroups }, count)
    : encodeGroups(spec, count);
  if (a.numGroups !== reference.numGroups || a.memberships.length !== reference.memberships.length)
    throw new PaperkitInputError(
      parameter,
      `${a.numGroups} groups`,
      `the training set's ${reference.numGroups} groups`,
    );
  return a;
}
