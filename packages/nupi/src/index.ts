/**
 * @paperkit/nupi: νPI multiplier updates (Sohrabi et al., ICML 2024) and paperkit's constrained
 * optimization layer (problems, constraints, multipliers, formulations, update orders), after Cooper.
 * @packageDocumentation
 */
export {
  type AugmentedLagrangianConstraintConfig,
  type Constraint,
  type ConstraintConfig,
  defineConstraint,
  type Formulation,
  isConstraint,
  type LagrangianConstraintConfig,
  type QuadraticPenaltyConstraintConfig,
} from './constraints/constraint.js';
export { demographicParityGap } from './constraints/demographic-parity.js';
export {
  type ConstraintKind,
  DenseMultiplier,
  denseMultiplier,
  type ExplicitMultiplierOptions,
  type ExplicitMultiplierType,
  ImplicitMultiplier,
  type ImplicitMultiplierConfig,
  IndexedMultiplier,
  implicitMultiplier,
  indexedMultiplier,
} from './constraints/multipliers.js';
export {
  AdditivePenaltyUpdater,
  type AdditivePenaltyUpdaterOptions,
  MultiplicativePenaltyUpdater,
  type MultiplicativePenaltyUpdaterOptions,
  PenaltyCoefficient,
  type PenaltyCoefficientOptions,
  PenaltyUpdater,
  penaltyCoefficient,
} from './constraints/penalty.js';
export {
  type ConstrainedProblem,
  type ConstraintState,
  defineProblem,
  type LinearViolation,
  type PerExampleState,
  type ProblemDefinition,
  type ProblemState,
} from './constraints/problem.js';
export { IRIS_FEATURES, IRIS_SPECIES, type IrisData, irisData } from './datasets/iris.js';
export {
  PARITY_GROUPS,
  PARITY_LABEL_GAP,
  type ParityData,
  type ParityDataOptions,
  type ParitySplit,
  parityData,
} from './datasets/parity.js';
export * from './dual/index.js';
export { iterationsToTolerance, maxValue, relativeOvershoot, signChanges } from './dynamics/metrics.js';
export {
  criticalKp,
  dampingRatio,
  simulateToyKkt,
  type ToyKktConfig,
  type ToyKktTrajectory,
} from './dynamics/oscillator.js';
export {
  type RateConstraintConfig,
  type RateConstraintTrajectory,
  type RateData,
  rateData,
  simulateRateConstraint,
} from './dynamics/rate-constraint.js';
export {
  type HardConcreteConfig,
  hardConcreteDeterministic,
  hardConcreteInitLogAlpha,
  hardConcreteProbNonzero,
  hardConcreteSample,
} from './gates/hard-concrete.js';
export { addL0Gates, type L0Gates, type L0GatesOptions } from './gates/l0-gates.js';
export {
  ConstrainedOptimizer,
  type ConstrainedOptimizerConfig,
  type PrimalGroup,
  type RollOut,
  UPDATE_ORDERS,
  type UpdateOrder,
} from './optim/constrained-optimizer.js';
export { NonFiniteViolationError, type StrictMeasurement } from './optim/dual-step.js';
export { augmentedLagrangianTerm, quadraticPenaltyTerm, stopGradient } from './optim/lagrangian.js';
export {
  type ConstrainedSolution,
  type FamilySolution,
  type MinimizeConstrainedOptions,
  minimizeConstrained,
} from './optim/minimize.js';
export { linearViolation } from './optim/per-example.js';
export type { ConstrainedOptimizerState, DualOptimizers } from './optim/setup.js';
export {
  type NuPIGains,
  NuPIOptimizer,
  type NuPIOptimizerConfig,
  NuPIState,
  scaleByNuPI,
} from './primal/nupi-optimizer.js';
export { analyticSvmPoints, irisSvmPoints } from './svm/datasets.js';
export { type SvmDynamicsConfig, type SvmDynamicsResult, simulateSvmDynamics } from './svm/dynamics.js';
export {
  type HardMarginSolution,
  type LabelledPoints,
  labelledPoints,
  solveHardMarginSvm,
} from './svm/hard-margin.js';
