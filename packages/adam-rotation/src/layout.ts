import {
  checkObject,
  PaperkitInputError,
  type ParamInfo,
  type ParamLayout,
  ParamMap,
  type ParamRole,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';

/** Parameters a rotation can be built for: a {@link ParamMap} (roles and layouts known) or name → tensor/shape. */
export type ParamsDescription = ParamMap | Readonly<Record<string, tf.Tensor | readonly number[]>>;

/** One parameter as the rotation machinery sees it: where it sits in the flat vector and how its axes are read. */
export interface ParamSlot {
  /** Parameter name. */
  readonly name: string;
  /** Shape. */
  readonly shape: readonly number[];
  /** Number of entries. */
  readonly size: number;
  /** Offset in the flat concatenation (insertion order, row-major). */
  readonly offset: number;
  /** Role (from the ParamMap; `weight` for rank ≥ 2 and `other` for vectors of a plain record). */
  readonly role: ParamRole;
  /** Neuron layout, or undefined for vectors. */
  readonly layout: ParamLayout | undefined;
  /** Group label from the ParamMap, if any. */
  readonly group: string | undefined;
  /**
   * Number of fused sub-layers stacked along the output axis (3 for a fused QKV weight or bias), 1
   * otherwise. The paper splits a fused QKV into Q, K and V before its layer-wise rotation (§3.1).
   */
  readonly parts: number;
}

/** Default detection of fused attention projections: a name or group containing a `qkv` segment. */
const FUSED = /(^|[.\-_/])qkv([.\-_/]|$)/;

/**
 * Reads names, shapes, roles and layouts. Plain records get paperkit's dense convention: the last
 * axis is the output and the one before it the input (`x · W` with W [in, out], conv [kh, kw, in, out]).
 */
export function describeParams(
  params: ParamsDescription,
  fused?: Readonly<Record<string, number>>,
): ParamSlot[] {
  checkObject('params', params, 'a ParamMap or a record of tensors or shapes');
  const entries: { name: string; shape: readonly number[]; info: ParamInfo | undefined }[] = [];
  if (params instanceof ParamMap) {
    for (const name of params.names())
      entries.push({ name, shape: params.info(name).shape, info: params.info(name) });
  } else {
    for (const [name, v] of Object.entries(params)) {
      const shape = v instanceof tf.Tensor ? v.shape : v;
      if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 1))
        throw new PaperkitInputError(`params.${name}`, v, 'a tensor or a shape (array of positive integers)');
      entries.push({ name, shape, info: undefined });
    }
  }
  if (entries.length === 0) throw new PaperkitInputError('params', params, 'at least one parameter');
  if (fused !== undefined) {
    for (const [name, k] of Object.entries(fused)) {
      if (!entries.some((e) => e.name === name))
        throw new PaperkitInputError(
          `fused.${name}`,
          name,
          `the name of a parameter (${entries.map((e) => e.name).join(', ')})`,
        );
      if (!Number.isInteger(k) || k < 1) throw new PaperkitInputError(`fused.${name}`, k, 'an integer >= 1');
    }
  }
  let offset = 0;
  return entries.map(({ name, shape, info }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const rank = shape.length;
    const role: ParamRole = info?.role ?? (rank >= 2 ? 'weight' : 'other');
    let layout: ParamLayout | undefined = info?.layout;
    if (
      layout === undefined &&
      rank >= 2 &&
      (info === undefined || role === 'weight' || role === 'embedding')
    )
      layout = { outAxis: rank - 1, inAxis: rank - 2 };
    const detected = FUSED.test(name) || (info?.group !== undefined && FUSED.test(info.group)) ? 3 : 1;
    const parts = fused?.[name] ?? detected;
    const splitAxis = layout ? layout.outAxis : 0;
    if (parts > 1 && shape[splitAxis]! % parts !== 0)
      throw new PaperkitInputError(
        `fused.${name}`,
        parts,
        `a divisor of axis ${splitAxis} (length ${shape[splitAxis]}) of ${name} [${shape}]`,
      );
    const slot: ParamSlot = {
      name,
      shape: [...shape],
      size,
      offset,
      role,
      layout,
      group: info?.group,
      parts,
    };
    offset += size;
    return slot;
  });
}

/** Row-major strides of a shape. */
export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

/**
 * For every entry of a parameter (row-major), which fused part, output neuron and input neuron it
 * belongs to. Vectors without a layout have part/out from axis 0 split into `parts`, in = 0.
 */
export function entryCoordinates(p: ParamSlot): { part: Int32Array; out: Int32Array; inp: Int32Array } {
  const part = new Int32Array(p.size);
  const out = new Int32Array(p.size);
  const inp = new Int32Array(p.size);
  const st = strides(p.shape);
  const outAxis = p.layout ? p.layout.outAxis : 0;
  const inAxis = p.layout ? p.layout.inAxis : -1;
  const outLen = p.shape[outAxis] ?? 1;
  const partLen = outLen / p.parts;
  for (let i = 0; i < p.size; i++) {
    const o = p.shape.length === 0 ? 0 : Math.floor(i / st[outAxis]!) % outLen;
    out[i] = o;
    part[i] = Math.floor(o / partLen);
    inp[i] = inAxis < 0 ? 0 : Math.floor(i / st[inAxis]!) % p.shape[inAxis]!;
  }
  return { part, out, inp };
}
