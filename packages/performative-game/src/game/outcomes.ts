import { checkInRange, PaperkitInputError } from '@paperkit/tensor-core';
import { checkGraph, type Graph } from '../graph/graph.js';
import type { CRD } from './crd.js';

/** Throws unless `actions` holds one 0/1 entry per agent. */
export function checkActions(parameter: string, actions: ArrayLike<number>, n: number): void {
  if (actions === null || typeof actions !== 'object' || actions.length !== n)
    throw new PaperkitInputError(parameter, actions, `an array of ${n} actions (0 = defect, 1 = cooperate)`);
  for (let i = 0; i < n; i++) {
    const a = actions[i];
    if (a !== 0 && a !== 1)
      throw new PaperkitInputError(`${parameter}[${i}]`, a, '0 (defect) or 1 (cooperate)');
  }
}

/** Throws unless `theta` holds one probability in [0, 1] per agent. */
export function checkPredictions(parameter: string, theta: ArrayLike<number>, n: number): void {
  if (theta === null || typeof theta !== 'object' || theta.length !== n)
    throw new PaperkitInputError(parameter, theta, `an array of ${n} predicted probabilities in [0, 1]`);
  for (let i = 0; i < n; i++) checkInRange(`${parameter}[${i}]`, theta[i]!, 0, 1);
}

/** Cooperators in each agent's group g_i = {i} ∪ N(i). */
export function groupCooperators(
  graph: Graph,
  actions: ArrayLike<number>,
  out = new Int32Array(graph.n),
): Int32Array {
  const { offsets, neighbors } = graph;
  for (let i = 0; i < graph.n; i++) {
    let s = actions[i]!;
    for (let k = offsets[i]!; k < offsets[i + 1]!; k++) s += actions[neighbors[k]!]!;
    out[i] = s;
  }
  return out;
}

/** Number of groups that reach their threshold ⌈T·M_i⌉ (unchecked hot-path kernel). */
export function countSuccessesUnchecked(
  graph: Graph,
  required: Int32Array,
  actions: ArrayLike<number>,
): number {
  const { offsets, neighbors } = graph;
  let wins = 0;
  for (let i = 0; i < graph.n; i++) {
    let s = actions[i]!;
    for (let k = offsets[i]!; k < offsets[i + 1]!; k++) s += actions[neighbors[k]!]!;
    if (s >= required[i]!) wins++;
  }
  return wins;
}

/** 1 for each group that reaches its threshold, else 0. */
export function groupSuccesses(graph: Graph, crd: CRD, actions: ArrayLike<number>): Uint8Array {
  checkGraph('graph', graph);
  checkActions('actions', actions, graph.n);
  const coop = groupCooperators(graph, actions);
  const out = new Uint8Array(graph.n);
  for (let i = 0; i < graph.n; i++) {
    const m = graph.offsets[i + 1]! - graph.offsets[i]! + 1;
    out[i] = coop[i]! >= crd.required(m) ? 1 : 0;
  }
  return out;
}

/**
 * Welfare as the paper plots it: the fraction of groups that reach their threshold,
 * W = (1/N) Σ_i 1[S_i ≥ K_i].
 */
export function welfare(graph: Graph, crd: CRD, actions: ArrayLike<number>): number {
  const s = groupSuccesses(graph, crd, actions);
  let w = 0;
  for (let i = 0; i < s.length; i++) w += s[i]!;
  return w / graph.n;
}

/**
 * Payoff welfare Σ_i π_i, where agent i's payoff is decided by its own group g_i:
 * N·e − r·e·#failed groups − c·e·#cooperators.
 */
export function payoffWelfare(graph: Graph, crd: CRD, actions: ArrayLike<number>): number {
  const s = groupSuccesses(graph, crd, actions);
  let total = 0;
  for (let i = 0; i < graph.n; i++)
    total += crd.e * (s[i] ? 1 : 1 - crd.r) - (actions[i] ? crd.c * crd.e : 0);
  return total;
}

/** Fraction of cooperators in each group, Σ_{j∈g_i} y_j / M_i (the x-axis of the Fig. 12 histograms). */
export function groupFractions(graph: Graph, actions: ArrayLike<number>): Float64Array {
  checkGraph('graph', graph);
  checkActions('actions', actions, graph.n);
  const coop = groupCooperators(graph, actions);
  const out = new Float64Array(graph.n);
  for (let i = 0; i < graph.n; i++) out[i] = coop[i]! / (graph.offsets[i + 1]! - graph.offsets[i]! + 1);
  return out;
}

/**
 * Expected 0/1 accuracy of the predictions ("likelihood" in the reference):
 * (1/N) Σ_i [y_i θ_i + (1 − y_i)(1 − θ_i)].
 */
export function accuracy(theta: ArrayLike<number>, actions: ArrayLike<number>): number {
  if (theta === null || typeof theta !== 'object' || !(theta.length >= 1))
    throw new PaperkitInputError('theta', theta, 'a non-empty array of predicted probabilities in [0, 1]');
  checkPredictions('theta', theta, theta.length);
  checkActions('actions', actions, theta.length);
  let s = 0;
  for (let i = 0; i < theta.length; i++) s += actions[i] ? theta[i]! : 1 - theta[i]!;
  return s / theta.length;
}
