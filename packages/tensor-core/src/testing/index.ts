/**
 * Test helpers for paperkit packages: leak checks, numeric assertions, toy problems and the shared
 * optimizer conformance suite. Imports vitest, so use it from test files only.
 * @packageDocumentation
 */
export { type ConformanceOptions, optimizerConformance, type ProblemBudget } from './conformance.js';
export { type FakeContextOptions, fakeCellContext } from './context.js';
export { type ExperimentPackageOptions, experimentPackageConformance } from './experiments.js';
export { expectNoLeak } from './leaks.js';
export { expectAllClose, expectBitIdentical, maxAbsDiff, readHost, type Tolerance } from './numeric.js';
export { quadraticProblem, rosenbrockProblem, type ToyProblem } from './problems.js';
export { type ExperimentRun, runExperimentCells } from './run-experiment.js';
export { type BadStateCase, badStates } from './state-cases.js';
