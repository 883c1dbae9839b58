import { loadMnist } from '@paperkit/mnist';
import {
  applyMlp,
  applyTransformer,
  BatchCursor,
  gatherBatch,
  initMlp,
  initTransformer,
  type LabeledArrays,
  languageModelBatch,
  languageModelLoss,
  type Optimizer,
  type ParamMap,
  type Rng,
  sampleMarkovSequences,
  softmaxCrossEntropy,
  type TransformerConfig,
  zipfMarkovChain,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { graphFromParamMap } from '../graph/from-param-map.js';
import type { NeuralGraph } from '../graph/types.js';
import { teacherTask } from '../meta/teacher-task.js';

/**
 * Tasks of the speed-up study. `id` is the meta-training family (MLP 16-32-32-8 on tanh-teacher
 * data, new seeds); the others are out of distribution: a wider (16-64-64-8) and a deeper
 * (16-32-32-32-8) student, a ReLU teacher, the MNIST digits (14×14, MLP 196-32-32-10) and a tiny
 * GPT-2-style transformer on Zipf–Markov text.
 */
export const SPEEDUP_TASKS = ['id', 'wide', 'deep', 'relu-teacher', 'mnist', 'transformer'] as const;

/** A task name. */
export type SpeedupTask = (typeof SPEEDUP_TASKS)[number];

/** A model, its data and its losses, ready for a training loop. */
export interface TaskInstance {
  /** Trainable parameters (initialised). */
  readonly params: ParamMap;
  /** Neural graph of the model (flat order = the map's insertion order). */
  readonly graph: NeuralGraph;
  /** One optimizer step on the next training batch; returns the batch loss (caller disposes). */
  step(opt: Optimizer): tf.Scalar;
  /** Mean loss on the validation set (one host read). */
  valLoss(): Promise<number>;
  /** Frees everything. */
  dispose(): void;
}

/** Sizes of the task data (shared by all tasks of a config). */
export interface TaskData {
  /** Training examples of the teacher tasks; default 16 000. */
  readonly trainSize: number;
  /** Validation examples of the teacher tasks; default 2 000. */
  readonly valSize: number;
  /** Minibatch size; default 64. */
  readonly batchSize: number;
}

function classifier(
  sizes: readonly number[],
  train: LabeledArrays,
  val: LabeledArrays,
  rng: Rng,
  batchSize: number,
): TaskInstance {
  const mlp = { sizes, activation: 'relu' as const };
  const params = initMlp(rng.stream('init'), mlp);
  const graph = graphFromParamMap(params);
  const cursor = new BatchCursor(train.count, batchSize, rng.stream('batches'), { dropLast: true });
  const vx = tf.tensor2d(val.features, [val.count, sizes[0]!]);
  const vy = tf.tensor1d(val.labels, 'int32');
  const vars = params.tensors();
  return {
    params,
    graph,
    step(opt) {
      const { x, y } = gatherBatch(train, cursor.next());
      try {
        return opt.minimize(() => softmaxCrossEntropy(applyMlp(vars, x, mlp), y) as tf.Scalar, vars);
      } finally {
        x.dispose();
        y.dispose();
      }
    },
    async valLoss() {
      const l = tf.tidy(() => softmaxCrossEntropy(applyMlp(vars, vx, mlp), vy));
      const v = (await l.data())[0]!;
      l.dispose();
      return v;
    },
    dispose() {
      params.dispose();
      vx.dispose();
      vy.dispose();
    },
  };
}

function transformerTask(text: Rng, rng: Rng, batchSize: number): TaskInstance {
  const cfg: TransformerConfig = {
    vocabSize: 16,
    contextLength: 16,
    dModel: 16,
    heads: 2,
    layers: 1,
    tiedHead: true,
  };
  const params = initTransformer(rng.stream('init'), cfg);
  const graph = graphFromParamMap(params, { heads: cfg.heads });
  const chain = zipfMarkovChain(text.stream('chain'), { vocabSize: 16, branching: 4 });
  const length = cfg.contextLength + 1;
  const train = sampleMarkovSequences(chain, text.stream('train'), 4000, length);
  const val = sampleMarkovSequences(chain, text.stream('val'), 256, length);
  const valBatch = languageModelBatch(
    val,
    length,
    Int32Array.from({ length: 256 }, (_, i) => i),
  );
  const cursor = new BatchCursor(4000, batchSize, rng.stream('batches'), { dropLast: true });
  const vars = params.tensors();
  return {
    params,
    graph,
    step(opt) {
      const { inputs, targets } = languageModelBatch(train, length, cursor.next());
      try {
        return opt.minimize(() => languageModelLoss(applyTransformer(vars, inputs, cfg), targets), vars);
      } finally {
        inputs.dispose();
        targets.dispose();
      }
    },
    async valLoss() {
      const l = tf.tidy(() =>
        languageModelLoss(applyTransformer(vars, valBatch.inputs, cfg), valBatch.targets),
      );
      const v = (await l.data())[0]!;
      l.dispose();
      return v;
    },
    dispose() {
      params.dispose();
      valBatch.inputs.dispose();
      valBatch.targets.dispose();
    },
  };
}

/**
 * Builds task `name`: its dataset (teacher, inputs, Markov chain) from `taskRng` — fixed across the
 * seeds of a study, like the paper's fixed datasets — and the run's initialisation and batch order
 * from `runRng.stream('init')` and `runRng.stream('batches')`, so every method sees the same data,
 * initial point and batches at a seed.
 */
export function makeTask(name: SpeedupTask, taskRng: Rng, runRng: Rng, data: TaskData): TaskInstance {
  const teacher = (hidden: number, activation: 'tanh' | 'relu', sizes: number[]) => {
    const t = teacherTask(taskRng.stream(name), {
      trainSize: data.trainSize,
      valSize: data.valSize,
      hidden,
      activation,
    });
    return classifier(sizes, t.train, t.val, runRng, data.batchSize);
  };
  switch (name) {
    case 'id':
      return teacher(64, 'tanh', [16, 32, 32, 8]);
    case 'wide':
      return teacher(64, 'tanh', [16, 64, 64, 8]);
    case 'deep':
      return teacher(64, 'tanh', [16, 32, 32, 32, 8]);
    case 'relu-teacher':
      return teacher(64, 'relu', [16, 32, 32, 8]);
    case 'mnist': {
      const m = loadMnist({ size: 14 });
      return classifier([196, 32, 32, 10], m.train, m.test, runRng, data.batchSize);
    }
    case 'transformer':
      return transformerTask(taskRng.stream(name), runRng, data.batchSize);
  }
}
