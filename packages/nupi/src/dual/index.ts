export { DualAdam, type DualAdamConfig } from './adam.js';
export {
  type DualOptimizer,
  DualOptimizerBase,
  type DualOptimizerState,
  type DualStepOptions,
  expandGain,
  type Gain,
  toGain,
} from './base.js';
export { GradientAscent, type GradientAscentConfig } from './gradient-ascent.js';
export { type DualMomentumConfig, Nesterov, PolyakMomentum } from './momentum.js';
export { NUPI_INITS, NuPI, type NuPIConfig, type NuPIInit } from './nupi.js';
export { PIDLagrangian, type PIDLagrangianConfig } from './pid-lagrangian.js';
