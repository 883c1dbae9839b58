import type { PaperRef } from '@paperkit/tensor-core';
import type { DualOptimizer } from '../dual/base.js';
import { GradientAscent } from '../dual/gradient-ascent.js';
import { NuPI, type NuPIInit } from '../dual/nupi.js';

/** The paper every experiment of this package reproduces (P1). */
export const PAPER: PaperRef = {
  title: 'On PI Controllers for Updating Lagrange Multipliers in Constrained Optimization',
  authors: 'Sohrabi, Ramirez, Zhang, Lacoste-Julien, Gallego-Posada',
  venue: 'ICML 2024',
  year: 2024,
  url: 'https://arxiv.org/abs/2406.04558',
};

/** The cell parameters of a GA-or-νPI dual: GA is νPI with κp = 0 (and any ν). */
export interface PiParams {
  readonly kp: number;
  readonly nu: number;
}

/** GA (κp = 0) or νPI(κi, κp, ν) in absolute gains (Cooper's lr = 1), `sgd` init unless told. */
export function piDual(ki: number, { kp, nu }: PiParams, init: NuPIInit = 'sgd'): DualOptimizer {
  return kp === 0 && nu === 0 ? new GradientAscent({ lr: ki }) : new NuPI({ lr: 1, ki, kp, nu, init });
}

/** "GA" or "νPI κp=5" / "νPI κp=5 ν=0.9", for cell labels. */
export function piLabel({ kp, nu }: PiParams, prefix = ''): string {
  const name = kp === 0 && nu === 0 ? 'GA' : `νPI κp=${kp}${nu === 0 ? '' : ` ν=${nu}`}`;
  return `${prefix}${name}`;
}

/** Every `stride`-th point of a trajectory (and the last), as a plot series. */
export function thin(values: ArrayLike<number>, stride: number, offset = 0): { x: number[]; y: number[] } {
  const x: number[] = [];
  for (let t = 0; t < values.length; t += stride) x.push(t + offset);
  if ((values.length - 1) % stride !== 0) x.push(values.length - 1 + offset);
  return { x, y: x.map((t) => values[t - offset]!) };
}

/** Labels of the two axes of a trajectory plot: the roll against `y`. */
export const ROLL = { x: 'roll' } as const;
