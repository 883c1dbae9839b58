import type { PaperRef, Reference } from '@paperkit/tensor-core';
import type { DualOptimizer } from '../dual/base.js';
import { GradientAscent } from '../dual/gradient-ascent.js';
import { NuPI } from '../dual/nupi.js';

/** The paper every experiment of this package reproduces (P1). */
export const PAPER: PaperRef = {
  title: 'On PI Controllers for Updating Lagrange Multipliers in Constrained Optimization',
  authors: 'Sohrabi, Ramirez, Zhang, Lacoste-Julien, Gallego-Posada',
  venue: 'ICML 2024',
  year: 2024,
  url: 'https://arxiv.org/abs/2406.04558',
};

/** A number from our own simulation or analysis (never the paper's). */
export const derived = (value: number | string, source: string): Reference => ({
  provenance: 'derived',
  value,
  source,
});

/** The paper's statement, without a number we could compare. */
export const qualitative = (source: string): Reference => ({ provenance: 'qualitative', source });

/** The cell parameters of a GA-or-νPI dual: GA is νPI with κp = 0 (and any ν). */
export interface PiParams {
  readonly kp: number;
  readonly nu: number;
}

/** GA (κp = 0) or νPI(κi, κp, ν) in absolute gains (Cooper's lr = 1), `sgd` init. */
export function piDual(ki: number, { kp, nu }: PiParams): DualOptimizer {
  return kp === 0 && nu === 0 ? new GradientAscent({ lr: ki }) : new NuPI({ lr: 1, ki, kp, nu });
}

/** "GA" or "νPI κp=5" / "νPI κp=5 ν=0.9", for cell labels. */
export function piLabel({ kp, nu }: PiParams, prefix = ''): string {
  const name = kp === 0 && nu === 0 ? 'GA' : `νPI κp=${kp}${nu === 0 ? '' : ` ν=${nu}`}`;
  return `${prefix}${name}`;
}

/** Every `stride`-th point of a trajectory (and the last), as a plot series. */
export function thin(values: ArrayLike<number>, stride: number, offset = 0): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  for (let t = 0; t < values.length; t += stride) x.push(t + offset);
  if ((values.length - 1) % stride !== 0) x.push(values.length - 1 + offset);
  for (const t of x) y.push(values[t - offset]!);
  return { x, y };
}
