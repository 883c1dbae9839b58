import {
  checkInteger,
  checkOneOf,
  checkPositive,
  type LabeledArrays,
  type Rng,
  type TeacherNet,
  teacherLogits,
} from '@paperkit/tensor-core';

/**
 * A classification task family for small-scale nowcasting studies: inputs x ~ N(0, I_d), labels the
 * argmax of a random one-hidden-layer teacher, W₁ ~ N(0, s²/d), W₂ ~ N(0, 1/h), zero biases. With
 * d = 16, h = 64, s = 2 and 8 classes this is the in-distribution task of our scaled protocol
 * (tanh teacher, W₁ ~ N(0, 4/16)); each seed draws a new teacher and new data.
 */
export interface TeacherTaskConfig {
  /** Input dimension d; default 16. */
  readonly inputDim?: number;
  /** Teacher hidden width h; default 64. */
  readonly hidden?: number;
  /** Classes; default 8. */
  readonly classes?: number;
  /** Teacher activation; default `tanh`. */
  readonly activation?: 'tanh' | 'relu';
  /** Scale s of the first teacher layer, W₁ ~ N(0, s²/d); default 2. */
  readonly firstLayerScale?: number;
  /** Training examples; default 16 000. */
  readonly trainSize?: number;
  /** Validation examples; default 2 000. */
  readonly valSize?: number;
}

/** A drawn task: its training and validation sets and the teacher. */
export interface TeacherTask {
  readonly train: LabeledArrays;
  readonly val: LabeledArrays;
  readonly teacher: TeacherNet;
}

function label(teacher: TeacherNet, features: Float32Array, count: number, classes: number): Int32Array {
  const logits = teacherLogits(teacher, features, count);
  const labels = new Int32Array(count);
  for (let r = 0; r < count; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[r * classes + c]! > logits[r * classes + best]!) best = c;
    labels[r] = best;
  }
  return labels;
}

/**
 * Draws one task of the family: the teacher from `rng.stream('teacher')`, training inputs from
 * `rng.stream('train')`, validation inputs from `rng.stream('val')`.
 */
export function teacherTask(rng: Rng, config: TeacherTaskConfig = {}): TeacherTask {
  const d = checkInteger('inputDim', config.inputDim ?? 16, 1);
  const h = checkInteger('hidden', config.hidden ?? 64, 1);
  const classes = checkInteger('classes', config.classes ?? 8, 2);
  const activation = checkOneOf('activation', config.activation ?? 'tanh', ['tanh', 'relu'] as const);
  const s = checkPositive('firstLayerScale', config.firstLayerScale ?? 2);
  const nTrain = checkInteger('trainSize', config.trainSize ?? 16_000, 1);
  const nVal = checkInteger('valSize', config.valSize ?? 2_000, 1);
  const tr = rng.stream('teacher');
  const teacher: TeacherNet = {
    sizes: [d, h, classes],
    weights: [
      tr.fillNormal(new Float64Array(d * h), 0, s / Math.sqrt(d)),
      tr.fillNormal(new Float64Array(h * classes), 0, 1 / Math.sqrt(h)),
    ],
    biases: [new Float64Array(h), new Float64Array(classes)],
    activation,
  };
  const make = (name: string, count: number): LabeledArrays => {
    const features = rng.stream(name).fillNormal(new Float32Array(count * d));
    return { features, labels: label(teacher, features, count, classes), featureShape: [d], count };
  };
  return { train: make('train', nTrain), val: make('val', nVal), teacher };
}
