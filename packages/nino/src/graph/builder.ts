import { PaperkitInputError } from '@paperkit/tensor-core';
import {
  AUX_EDGE_VALUE,
  EDGE_TYPES,
  type GraphParam,
  type NeuralGraph,
  type NodeGroup,
  SELF_LOOP_VALUE,
} from './types.js';

/** A growable Int32Array (graphs of 1e6-parameter models have millions of edges). */
class IntBuffer {
  data: Int32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Int32Array(capacity);
  }
  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.data.length) return;
    let cap = this.data.length;
    while (cap < need) cap *= 2;
    const next = new Int32Array(cap);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
  push(v: number): void {
    if (this.length === this.data.length) this.reserve(1);
    this.data[this.length++] = v;
  }
  view(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

/** A parameter tensor as the builder registers it, before flat offsets are assigned. */
interface PendingParam {
  readonly name: string;
  readonly shape: readonly number[];
  readonly type: number;
  readonly edgeStart: number;
  readonly edgeCount: number;
  readonly kernelSize: number;
}

/**
 * Accumulates nodes and edges. Parameter edges record their index *within* their tensor; flat offsets
 * are added in {@link GraphBuilder.finish}, once the order of tensors in the flat vector is known.
 */
export class GraphBuilder {
  private nodes = 0;
  private readonly src = new IntBuffer();
  private readonly dst = new IntBuffer();
  private readonly type = new IntBuffer();
  private readonly local = new IntBuffer();
  private readonly stride = new IntBuffer();
  private readonly count = new IntBuffer();
  private readonly owner = new IntBuffer();
  private readonly pending: PendingParam[] = [];
  private readonly names = new Map<string, number>();
  private readonly groups: NodeGroup[] = [];
  private readonly tokenNodes: { start: number; count: number }[] = [];

  /** Allocates `count` nodes and returns the first id. */
  addNodes(name: string, kind: NodeGroup['kind'], count: number): number {
    const start = this.nodes;
    this.nodes += count;
    this.groups.push({ name, kind, start, count });
    if (kind === 'token') this.tokenNodes.push({ start, count });
    return start;
  }

  /**
   * Registers a parameter tensor whose `edgeCount` edges are then emitted with {@link edge}. Returns
   * its index for {@link edge}.
   */
  beginParam(
    name: string,
    shape: readonly number[],
    type: number,
    edgeCount: number,
    kernelSize = 1,
  ): number {
    if (this.names.has(name))
      throw new PaperkitInputError('layers', name, 'layers whose parameter names are all distinct');
    const id = this.pending.length;
    this.names.set(name, id);
    this.pending.push({ name, shape: [...shape], type, edgeStart: this.src.length, edgeCount, kernelSize });
    for (const b of [this.src, this.dst, this.type, this.local, this.stride, this.count, this.owner])
      b.reserve(edgeCount);
    return id;
  }

  /**
   * One parameter edge u → v whose slot 0 is element `index` of tensor `param`, slots `stride` apart;
   * `type` overrides the tensor's edge type (the fused QKV weight has three).
   */
  edge(param: number, u: number, v: number, index: number, stride = 0, type?: number): void {
    const p = this.pending[param]!;
    this.src.data[this.src.length++] = u;
    this.dst.data[this.dst.length++] = v;
    this.type.data[this.type.length++] = type ?? p.type;
    this.local.data[this.local.length++] = index;
    this.stride.data[this.stride.length++] = stride;
    this.count.data[this.count.length++] = p.kernelSize;
    this.owner.data[this.owner.length++] = param;
  }

  /** A structural edge (residual or head membership) with value 1. */
  auxEdge(u: number, v: number, type: number): void {
    this.src.push(u);
    this.dst.push(v);
    this.type.push(type);
    this.local.push(-1);
    this.stride.push(0);
    this.count.push(0);
    this.owner.push(-1);
  }

  /** Checks that every registered tensor emitted exactly its announced number of edges. */
  private checkCounts(): void {
    const emitted = new Int32Array(this.pending.length);
    for (let e = 0; e < this.owner.length; e++) {
      const o = this.owner.data[e]!;
      if (o >= 0) emitted[o]!++;
    }
    this.pending.forEach((p, i) => {
      if (emitted[i] !== p.edgeCount)
        throw new Error(`internal: ${p.name} emitted ${emitted[i]} edges, expected ${p.edgeCount}`);
    });
  }

  /**
   * Appends one self-loop per node and resolves flat indices. `order` lists the parameter names in
   * flat-vector order (default: registration order); it must name every parameter exactly once.
   */
  finish(order?: readonly string[]): NeuralGraph {
    this.checkCounts();
    const names = order ?? this.pending.map((p) => p.name);
    if (names.length !== this.pending.length || new Set(names).size !== names.length)
      throw new PaperkitInputError(
        'paramOrder',
        names,
        `the ${this.pending.length} parameter names of the layers, each once`,
      );
    const offsets = new Int32Array(this.pending.length);
    const params: GraphParam[] = [];
    let offset = 0;
    for (const n of names) {
      const id = this.names.get(n);
      if (id === undefined)
        throw new PaperkitInputError(
          'paramOrder',
          n,
          `a parameter of the layers (${[...this.names.keys()].join(', ')})`,
        );
      const p = this.pending[id]!;
      const size = p.shape.reduce((a, b) => a * b, 1);
      offsets[id] = offset;
      params.push({
        name: p.name,
        shape: p.shape,
        offset,
        size,
        type: p.type,
        edgeStart: p.edgeStart,
        edgeCount: p.edgeCount,
        kernelSize: p.kernelSize,
      });
      offset += size;
    }
    const n = this.nodes;
    const base = this.src.length;
    const e = base + n;
    const src = new Int32Array(e);
    const dst = new Int32Array(e);
    const edgeType = new Int32Array(e);
    const paramIndex = new Int32Array(e);
    const featureStride = new Int32Array(e);
    const featureCount = new Int32Array(e);
    const constant = new Float32Array(e);
    src.set(this.src.data.subarray(0, base));
    dst.set(this.dst.data.subarray(0, base));
    edgeType.set(this.type.data.subarray(0, base));
    featureStride.set(this.stride.data.subarray(0, base));
    featureCount.set(this.count.data.subarray(0, base));
    let featureSize = 1;
    for (let i = 0; i < base; i++) {
      const o = this.owner.data[i]!;
      if (o >= 0) {
        paramIndex[i] = offsets[o]! + this.local.data[i]!;
        if (featureCount[i]! > featureSize) featureSize = featureCount[i]!;
      } else {
        paramIndex[i] = -1;
        constant[i] = AUX_EDGE_VALUE;
      }
    }
    for (let v = 0; v < n; v++) {
      src[base + v] = v;
      dst[base + v] = v;
      edgeType[base + v] = EDGE_TYPES.selfLoop;
      paramIndex[base + v] = -1;
      constant[base + v] = SELF_LOOP_VALUE;
    }
    const posW = new Int32Array(n);
    for (const t of this.tokenNodes) for (let i = 0; i < t.count; i++) posW[t.start + i] = i + 1;
    return {
      numNodes: n,
      numEdges: e,
      src,
      dst,
      edgeType,
      paramIndex,
      featureStride,
      featureCount,
      constant,
      featureSize,
      posW,
      params,
      paramCount: offset,
      groups: [...this.groups],
    };
  }
}
