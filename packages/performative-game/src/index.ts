/**
 * @paperkit/performative-game: performative prediction on a networked Collective Risk Dilemma
 * (Góis, Mofakhami, Santos, Gidel, Lacoste-Julien, AISTATS 2025). Exact Float64 simulation of Bayesian
 * trust agents, repeated risk minimisation, the anarchic baseline, mechanism-design policies, and a
 * differentiable tfjs episode to train welfare-, accuracy- or multitask-seeking predictors.
 * @packageDocumentation
 */
export { type AgentModel, Population, type RoundOutcome } from './agents/population.js';
export { type ReferenceEpisode, referenceEpisode } from './agents/reference-episode.js';
export {
  DifferentiableGame,
  type DifferentiableGameOptions,
  EPISODE_LOSSES,
  type EpisodeGradients,
  type EpisodeLoss,
  type EpisodePredictor,
  NO_ACTION_TOKEN,
  type Trajectory,
} from './diff/episode.js';
export { accuracyLoss, performativeAccuracyLoss } from './diff/losses.js';
export { nextPow2, PoissonBinomialTree } from './diff/pb-tree.js';
export {
  ARCHITECTURES,
  type Architecture,
  createGcnPredictor,
  createMlpPredictor,
  createOpenLoopPredictor,
  createPredictor,
  type GcnHead,
  type GcnPredictorOptions,
  type MlpPredictorOptions,
  normalizedAdjacency,
  type Predictor,
  type PredictorOptions,
} from './diff/predictors.js';
export {
  evaluatePredictor,
  selectionObjective,
  TRAINING_OBJECTIVES,
  type TrainingEpoch,
  type TrainingObjective,
  type TrainingRun,
  type TrainPredictorOptions,
  trainPredictor,
  trajectoryRecord,
} from './diff/train.js';
export {
  type AnarchicHeatmapOptions,
  anarchicHeatmap,
  anarchicSuccess,
  completeGraphBand,
} from './dynamics/anarchic.js';
export {
  type CompleteGraphRrmLaw,
  completeGraphRrmLaw,
  type RrmOptions,
  type RrmOutcome,
  type RrmSummary,
  type RrmTrial,
  rrmCooperationHistogram,
  rrmInitialPrediction,
  rrmPopulation,
  rrmSummary,
  rrmTrial,
} from './dynamics/rrm.js';
export { CRD, type CrdParams, checkCrd } from './game/crd.js';
export {
  accuracy,
  checkActions,
  checkPredictions,
  groupCooperators,
  groupFractions,
  groupSuccesses,
  payoffWelfare,
  welfare,
} from './game/outcomes.js';
export { binomialPmf, poissonBinomialPmf, poissonBinomialTail } from './game/poisson-binomial.js';
export { barabasiAlbert, barabasiAlbertNetworkx } from './graph/barabasi-albert.js';
export {
  chainGraph,
  checkGraph,
  completeGraph,
  degree,
  degrees,
  fromAdjacency,
  type Graph,
  graphFromEdges,
  maxDegree,
  torusGrid,
} from './graph/graph.js';
export { PythonRandom, pythonIntSetOrder } from './graph/python-random.js';
export {
  constantDesigner,
  type Designer,
  type DesignerView,
  honestDesigner,
  type MechanismTrace,
  runMechanism,
} from './mechanism/designer.js';
export {
  type ChainStudyOptions,
  centreLieTheta,
  chainStudyPopulation,
  endsBoostTheta,
  OSCILLATION_POLICIES,
  type OscillationPolicy,
  oscillationDesigner,
} from './mechanism/trust-oscillation.js';
export {
  bestEpoch,
  bestFront,
  type EpochRecord,
  mgdaFromDots,
  mgdaWeight,
  paretoFront,
  paretoMask,
  type SelectionObjective,
} from './selection/pareto.js';
