/**
 * Experiments of `@paperkit/weight-sharing`, registered in the `paperkit` runner.
 * @packageDocumentation
 */
import { circulantTeacherExperiment } from './circulant-teacher.js';
import { mnistTorusExperiment } from './mnist-torus.js';
import { proxSpeedExperiment } from './prox-speed.js';
import { sharedPoolExperiment } from './shared-pool.js';

export {
  type CirculantTeacherConfig,
  circulantTeacher,
  circulantTeacherExperiment,
} from './circulant-teacher.js';
export { levelRecovery } from './linear-student.js';
export { type MnistTorusConfig, mnistTorusExperiment } from './mnist-torus.js';
export { PAPER } from './paper.js';
export { type ProxSpeedConfig, proxSpeedExperiment } from './prox-speed.js';
export { type SharedPoolConfig, sharedPoolExperiment, sharedPoolTeacher } from './shared-pool.js';
export { type TorusData, type TorusVariant, torusData } from './torus-data.js';

/** Every experiment of the package; `weight-sharing/circulant-teacher` is the headline. */
export const experiments = [
  circulantTeacherExperiment,
  proxSpeedExperiment,
  sharedPoolExperiment,
  mnistTorusExperiment,
] as const;
