/**
 * Experiments of `@paperkit/weight-sharing`, registered in the `paperkit` runner.
 * @packageDocumentation
 */
import { circulantTeacherExperiment } from './circulant-teacher.js';
import { mnistTorusExperiment } from './mnist-torus.js';
import { proxSpeedExperiment } from './prox-speed.js';

export {
  type CirculantTeacherConfig,
  circulantTeacher,
  circulantTeacherExperiment,
  levelRecovery,
} from './circulant-teacher.js';

/** Every experiment of the package; `weight-sharing/circulant-teacher` is the headline. */
export const experiments = [circulantTeacherExperiment, proxSpeedExperiment, mnistTorusExperiment] as const;
export { type MnistTorusConfig, mnistTorusExperiment } from './mnist-torus.js';
export { type ProxSpeedConfig, proxSpeedExperiment } from './prox-speed.js';
export { type TorusData, type TorusVariant, torusData } from './torus-data.js';
