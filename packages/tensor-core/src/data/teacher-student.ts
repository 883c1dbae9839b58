import type { Rng } from '../random/rng.js';
import { checkInteger, checkOneOf, PaperkitInputError } from '../validate/errors.js';
import type { LabeledArrays } from './batches.js';

/** Hidden activation of a host-side teacher network. */
export type TeacherActivation = 'tanh' | 'relu';

/** A random MLP teacher on the host (float64), weights stored [in, out] like paperkit's dense layers. */
export interface TeacherNet {
  /** Layer widths from input to number of classes. */
  readonly sizes: readonly number[];
  /** Weight of layer i, row-major [sizes[i], sizes[i+1]]. */
  readonly weights: readonly Float64Array[];
  /** Bias of layer i, [sizes[i+1]]. */
  readonly biases: readonly Float64Array[];
  /** Activation after each hidden layer (the output layer is linear). */
  readonly activation: TeacherActivation;
}

/** Configuration of {@link teacherStudent}. */
export interface TeacherStudentConfig {
  /** Number of examples. */
  readonly count: number;
  /** Input dimension d (inputs are N(0, I_d)). */
  readonly inputDim: number;
  /** Hidden widths of the teacher; default `[]` (a linear teacher: labels from a random linear map). */
  readonly hidden?: readonly number[];
  /** Number of classes (teacher outputs); at least 2. */
  readonly classes: number;
  /** Teacher activation; default `tanh`. */
  readonly activation?: TeacherActivation;
  /** Standard deviation of the teacher's biases; default 0 (by symmetry the classes are then balanced in expectation). */
  readonly biasStd?: number;
}

/** Output of {@link teacherStudent}: the dataset and the teacher that labelled it. */
export interface TeacherStudentData extends LabeledArrays {
  /** The teacher network. */
  readonly teacher: TeacherNet;
}

/**
 * Teacher logits for `count` inputs `x` [count, sizes[0]] in float64. Weights are N(0, 1/fanIn), so
 * every pre-activation has unit scale whatever the widths.
 */
export function teacherLogits(teacher: TeacherNet, x: ArrayLike<number>, count: number): Float64Array {
  let h = Float64Array.from(x);
  const layers = teacher.weights.length;
  for (let l = 0; l < layers; l++) {
    const nin = teacher.sizes[l]!;
    const nout = teacher.sizes[l + 1]!;
    if (h.length !== count * nin) throw new PaperkitInputError('x', x, `length count·${nin}`);
    const w = teacher.weights[l]!;
    const out = new Float64Array(count * nout);
    for (let r = 0; r < count; r++) {
      for (let j = 0; j < nout; j++) out[r * nout + j] = teacher.biases[l]![j]!;
      for (let i = 0; i < nin; i++) {
        const a = h[r * nin + i]!;
        for (let j = 0; j < nout; j++) out[r * nout + j]! += a * w[i * nout + j]!;
      }
    }
    if (l < layers - 1)
      for (let k = 0; k < out.length; k++) out[k] = teacher.activation === 'tanh' ? Math.tanh(out[k]!) : Math.max(0, out[k]!);
    h = out;
  }
  return h;
}

/**
 * Teacher–student classification: inputs x ~ N(0, I_d) and labels argmax of a random MLP teacher's
 * logits (ties go to the lower class). The teacher is drawn from `rng.stream('teacher')` and the
 * inputs from `rng.stream('inputs')`, so the same teacher labels datasets of any size.
 */
export function teacherStudent(rng: Rng, config: TeacherStudentConfig): TeacherStudentData {
  const count = checkInteger('count', config.count, 0);
  const d = checkInteger('inputDim', config.inputDim, 1);
  const classes = checkInteger('classes', config.classes, 2);
  const hidden = config.hidden ?? [];
  hidden.forEach((w, i) => checkInteger(`hidden[${i}]`, w, 1));
  const activation = checkOneOf('activation', config.activation ?? 'tanh', ['tanh', 'relu'] as const);
  const biasStd = config.biasStd ?? 0;
  if (!(biasStd >= 0)) throw new PaperkitInputError('biasStd', biasStd, 'a number >= 0');
  const sizes = [d, ...hidden, classes];
  const tr = rng.stream('teacher');
  const weights: Float64Array[] = [];
  const biases: Float64Array[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    weights.push(tr.fillNormal(new Float64Array(sizes[l]! * sizes[l + 1]!), 0, 1 / Math.sqrt(sizes[l]!)));
    biases.push(biasStd > 0 ? tr.fillNormal(new Float64Array(sizes[l + 1]!), 0, biasStd) : new Float64Array(sizes[l + 1]!));
  }
  const teacher: TeacherNet = { sizes, weights, biases, activation };
  const features = rng.stream('inputs').fillNormal(new Float32Array(count * d));
  const logits = teacherLogits(teacher, features, count);
  const labels = new Int32Array(count);
  for (let r = 0; r < count; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[r * classes + c]! > logits[r * classes + best]!) best = c;
    labels[r] = best;
  }
  return { features, labels, featureShape: [d], count, teacher };
}
