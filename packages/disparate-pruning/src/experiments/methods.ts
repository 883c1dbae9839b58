import { GradientAscent, NuPI } from '@paperkit/nupi';
import { z } from 'zod';
import type { Mitigation } from '../finetune.js';
import { OVERALL_ESTIMATES, type OverallEstimate } from '../mitigation/replay-buffer.js';

/**
 * The methods the experiments compare (paper §5 and Table 2's rows, plus our νPI dual):
 * - `nft`: naive fine-tuning during and after GMP;
 * - `nft-es`: the same run, restored to its best-test-accuracy epoch at final sparsity (selection on
 *   the test set, as the reference does);
 * - `el` / `el-rb`: equalized loss with batch / replay-buffer (loss) estimates in the dual step;
 * - `ceag`: CEAG with gradient ascent (the paper's dual), replay buffers of k bits per group;
 * - `ceag-nupi`: CEAG with a νPI dual (ν = 0, κ_i = the GA step, κ_p from the config): our extension;
 * - `ceag-norb`: CEAG with batch estimates (the paper's no-buffer ablation);
 * - `ceag-buffermean`: CEAG with the reference's unweighted buffer mean as the overall estimate.
 */
export const METHOD_NAMES = [
  'nft',
  'nft-es',
  'el',
  'el-rb',
  'ceag',
  'ceag-nupi',
  'ceag-norb',
  'ceag-buffermean',
] as const;

/** One of {@link METHOD_NAMES}. */
export type MethodName = (typeof METHOD_NAMES)[number];

/** How plots and tables name the methods. */
export const METHOD_LABELS: Readonly<Record<MethodName, string>> = {
  nft: 'NFT',
  'nft-es': 'NFT+ES',
  el: 'EL',
  'el-rb': 'EL+RB',
  ceag: 'CEAG (GA)',
  'ceag-nupi': 'CEAG (νPI)',
  'ceag-norb': 'CEAG (no RB)',
  'ceag-buffermean': 'CEAG (bufferMean)',
};

/** The methods a config compares. */
export const methodsField = z.array(z.enum(METHOD_NAMES)).min(1);

/** The dual-side settings every experiment shares. */
export const dualFields = {
  /** ε of ψ_g ≤ ε, as a fraction (0.02 = 2 points). */
  epsilon: z.number().min(0).max(1),
  /** Gradient-ascent step of CEAG's dual; also κ_i of the νPI dual. */
  dualLr: z.number().positive().max(100),
  /** Gradient-ascent step of EL's (free-sign) dual. */
  elDualLr: z.number().positive().max(100),
  /** κ_p of the νPI dual (ν = 0). */
  nupiKp: z.number().min(-1000).max(1000),
  /** Replay buffer capacity per group (CEAG, EL+RB). */
  buffer: z.int().min(1).max(100_000),
  /** Overall-accuracy estimate of CEAG's dual step. */
  overallEstimate: z.enum(OVERALL_ESTIMATES as unknown as [OverallEstimate, ...OverallEstimate[]]),
};

/** The values of {@link dualFields}. */
export interface DualSettings {
  readonly epsilon: number;
  readonly dualLr: number;
  readonly elDualLr: number;
  readonly nupiKp: number;
  readonly buffer: number;
  readonly overallEstimate: OverallEstimate;
}

/** The fine-tuning setup of a method: its mitigation (absent for NFT) and whether it early-stops. */
export interface MethodSetup {
  readonly mitigation?: Mitigation;
  readonly earlyStopping: boolean;
}

/** Builds a method's mitigation with fresh dual optimizers. */
export function methodSetup(method: MethodName, s: DualSettings): MethodSetup {
  const ga = () => new GradientAscent({ lr: s.dualLr });
  const elGa = () => new GradientAscent({ lr: s.elDualLr });
  const ceag = {
    method: 'ceag' as const,
    epsilon: s.epsilon,
    buffer: s.buffer,
    overallEstimate: s.overallEstimate,
  };
  switch (method) {
    case 'nft':
      return { earlyStopping: false };
    case 'nft-es':
      return { earlyStopping: true };
    case 'el':
      return { mitigation: { method: 'equalizedLoss', dual: elGa() }, earlyStopping: false };
    case 'el-rb':
      return {
        mitigation: {
          method: 'equalizedLoss',
          dual: ga(),
          buffer: s.buffer,
          overallEstimate: s.overallEstimate,
        },
        earlyStopping: false,
      };
    case 'ceag':
      return { mitigation: { ...ceag, dual: ga() }, earlyStopping: false };
    case 'ceag-nupi':
      return {
        mitigation: { ...ceag, dual: new NuPI({ lr: 1, ki: s.dualLr, kp: s.nupiKp }) },
        earlyStopping: false,
      };
    case 'ceag-norb':
      return { mitigation: { ...ceag, buffer: 0, dual: ga() }, earlyStopping: false };
    case 'ceag-buffermean':
      return { mitigation: { ...ceag, overallEstimate: 'bufferMean', dual: ga() }, earlyStopping: false };
  }
}
