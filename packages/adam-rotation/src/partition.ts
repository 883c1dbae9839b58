import { checkOneOf, PaperkitInputError } from '@paperkit/tensor-core';
import { entryCoordinates, type ParamSlot } from './layout.js';

const GROUP_SCOPES = ['global', 'layer', 'fanIn', 'fanOut', 'tokenLocal'] as const;

/** Scopes whose coordinates are split into fixed groups (everything but `none` and the dynamic `svd`). */
export type GroupScope = 'global' | 'layer' | 'fanIn' | 'fanOut' | 'tokenLocal';

/** Which parameters a scope touches; the others stay in the standard basis. */
export type IncludeFilter = (slot: ParamSlot) => boolean;

/** How one parameter's entries are grouped under a neuron-wise rule. */
export type NeuronRule = 'fanIn' | 'fanOut';

/**
 * The neuron rule a scope applies to a parameter, or undefined when the scope leaves it alone.
 * Neuron-wise scopes only rotate tensors with a layout (weights, embeddings); vectors have no neurons.
 * `tokenLocal` is the paper's harmless "output-wise" reading (§3.1, Fig. 4): embeddings rotate within one
 * token's vector (their input neuron is the token), every other weight within one output neuron, so
 * neither tokens nor output classes of different frequency are mixed.
 */
export function neuronRule(scope: 'fanIn' | 'fanOut' | 'tokenLocal', p: ParamSlot): NeuronRule | undefined {
  if (p.layout === undefined) return undefined;
  if (scope === 'tokenLocal') return p.role === 'embedding' ? 'fanOut' : 'fanIn';
  return scope;
}

/**
 * Partitions the flat coordinates into rotation groups (§3.1, Fig. 4): each group is an ascending list of
 * flat indices, and groups never mix. Coordinates in no group are left unrotated.
 * - `global`: one group with every included coordinate;
 * - `layer`: one group per included tensor, a fused tensor split into its parts (Q, K, V);
 * - `fanIn`: per output neuron, the weights leading into it (a row of the paper's (out, in) matrix);
 * - `fanOut`: per input neuron (and fused part), the weights leaving it (a column);
 * - `tokenLocal`: see {@link neuronRule}.
 */
export function partition(
  slots: readonly ParamSlot[],
  scope: GroupScope,
  include: IncludeFilter,
): Int32Array[] {
  checkOneOf('scope', scope, GROUP_SCOPES);
  if (!Array.isArray(slots))
    throw new PaperkitInputError('slots', slots, 'an array of parameter slots (see describeParams)');
  if (typeof include !== 'function')
    throw new PaperkitInputError('include', include, 'a function (slot) => boolean');
  const chosen = slots.filter(include);
  if (scope === 'global') {
    const total = chosen.reduce((a, p) => a + p.size, 0);
    const g = new Int32Array(total);
    let k = 0;
    for (const p of chosen) for (let i = 0; i < p.size; i++) g[k++] = p.offset + i;
    return total > 0 ? [g] : [];
  }
  const groups: Int32Array[] = [];
  for (const p of chosen) {
    if (scope === 'layer' && p.parts === 1) {
      groups.push(Int32Array.from({ length: p.size }, (_, i) => p.offset + i));
      continue;
    }
    const rule = scope === 'layer' ? undefined : neuronRule(scope, p);
    if (scope !== 'layer' && rule === undefined) continue;
    const { part, out, inp } = entryCoordinates(p);
    // Bucket the entries by key; row-major iteration keeps each bucket ascending.
    const outLen = p.layout ? p.shape[p.layout.outAxis]! : (p.shape[0] ?? 1);
    const inLen = p.layout ? p.shape[p.layout.inAxis]! : 1;
    const keyOf =
      scope === 'layer'
        ? (i: number) => part[i]!
        : rule === 'fanIn'
          ? (i: number) => out[i]!
          : (i: number) => part[i]! * inLen + inp[i]!;
    const buckets = scope === 'layer' ? p.parts : rule === 'fanIn' ? outLen : p.parts * inLen;
    const counts = new Int32Array(buckets);
    for (let i = 0; i < p.size; i++) counts[keyOf(i)]!++;
    const local = Array.from(counts, (c) => new Int32Array(c));
    const fill = new Int32Array(buckets);
    for (let i = 0; i < p.size; i++) {
      const k = keyOf(i);
      local[k]![fill[k]!++] = p.offset + i;
    }
    for (const g of local) if (g.length > 0) groups.push(g);
  }
  return groups;
}
