import {
  Adam,
  BatchCursor,
  checkInteger,
  checkPositive,
  initMlp,
  type LabeledArrays,
  PaperkitInputError,
  type Rng,
  softmaxCrossEntropy,
  train,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { buildNeuralGraph } from '../graph/build.js';
import { mlpLayers } from '../graph/layers.js';
import type { NeuralGraph } from '../graph/types.js';
import { type TeacherTaskConfig, teacherTask } from './teacher-task.js';

/** Runs of one student architecture, trained together in batched matMuls. */
export interface TrajectoryGroup {
  /** Student MLP widths (ReLU, biases, PyTorch-style init), e.g. [16, 32, 32, 8]. */
  readonly sizes: readonly number[];
  /** Number of runs (each with its own task, initialisation and batches). */
  readonly runs: number;
  /** Task family; its input dimension and classes are taken from `sizes`. */
  readonly task?: Omit<TeacherTaskConfig, 'inputDim' | 'classes'>;
}

/** Configuration of {@link generateTrajectories}. */
export interface TrajectoryConfig {
  /** Architectures and run counts. */
  readonly groups: readonly TrajectoryGroup[];
  /** Adam steps per run; default 5000. */
  readonly steps?: number;
  /** Steps between stored snapshots s; default 100. */
  readonly snapshotEvery?: number;
  /** Minibatch size; default 64. */
  readonly batchSize?: number;
  /** Adam learning rate; default 1e-3. */
  readonly lr?: number;
}

/** One stored Adam run: its architecture's graph and its snapshots every s steps. */
export interface Trajectory {
  /** Student widths. */
  readonly sizes: readonly number[];
  /** Neural graph of the student (tensor-core `initMlp` names and layout). */
  readonly graph: NeuralGraph;
  /** Snapshots θ_0, θ_s, θ_2s, … row-major [numSnapshots, paramCount]. */
  readonly snapshots: Float32Array;
  readonly numSnapshots: number;
  /** Steps between snapshots. */
  readonly snapshotEvery: number;
}

/** Progress of {@link generateTrajectories}: group index and steps done in it. */
export interface TrajectoryProgress {
  readonly group: number;
  readonly step: number;
  readonly total: number;
}

/** Options of {@link generateTrajectories}. */
export interface GenerateOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: TrajectoryProgress) => void;
}

/** Row `indices` of each run's training set, stacked into [G·B, d] features and [G·B] labels. */
function stackBatches(
  data: readonly LabeledArrays[],
  idx: readonly Int32Array[],
  d: number,
): { x: Float32Array; y: Int32Array } {
  const b = idx[0]!.length;
  const x = new Float32Array(data.length * b * d);
  const y = new Int32Array(data.length * b);
  data.forEach((ds, g) => {
    const rows = idx[g]!;
    for (let k = 0; k < b; k++) {
      const r = rows[k]!;
      x.set(ds.features.subarray(r * d, (r + 1) * d), (g * b + k) * d);
      y[g * b + k] = ds.labels[r]!;
    }
  });
  return { x, y };
}

/**
 * Meta-training data (Knyazev et al. 2025, scaled down): Adam runs of small MLPs on teacher
 * tasks, with a snapshot of the parameters every `snapshotEvery` steps. The G runs of a group are
 * trained at once: their weights are stacked [G, in, out] and every layer is one batched matMul, and
 * one Adam over the stacked tensors is G independent Adams (Adam is elementwise and the summed loss
 * gives each run its own gradient). Run r of group g draws its task, initialisation and batches from
 * `rng.stream('group<g>').stream('run<r>')`.
 */
export async function generateTrajectories(
  rng: Rng,
  config: TrajectoryConfig,
  options: GenerateOptions = {},
): Promise<Trajectory[]> {
  const steps = checkInteger('steps', config.steps ?? 5000, 1);
  const every = checkInteger('snapshotEvery', config.snapshotEvery ?? 100, 1);
  const batch = checkInteger('batchSize', config.batchSize ?? 64, 1);
  const lr = checkPositive('lr', config.lr ?? 1e-3);
  if (!Array.isArray(config.groups) || config.groups.length === 0)
    throw new PaperkitInputError('groups', config.groups, 'a non-empty array of { sizes, runs }');
  const out: Trajectory[] = [];
  for (let gi = 0; gi < config.groups.length; gi++) {
    const group = config.groups[gi]!;
    const sizes = group.sizes;
    if (!Array.isArray(sizes) || sizes.length < 2)
      throw new PaperkitInputError(`groups[${gi}].sizes`, sizes, 'MLP widths (at least two)');
    const runs = checkInteger(`groups[${gi}].runs`, group.runs, 1);
    out.push(
      ...(await trainGroup(
        rng.stream(`group${gi}`),
        gi,
        sizes,
        runs,
        group.task ?? {},
        steps,
        every,
        batch,
        lr,
        options,
      )),
    );
  }
  return out;
}

async function trainGroup(
  rng: Rng,
  gi: number,
  sizes: readonly number[],
  runs: number,
  task: Omit<TeacherTaskConfig, 'inputDim' | 'classes'>,
  steps: number,
  every: number,
  batch: number,
  lr: number,
  options: GenerateOptions,
): Promise<Trajectory[]> {
  const d = sizes[0]!;
  const graph = buildNeuralGraph(mlpLayers(sizes));
  const runRngs = Array.from({ length: runs }, (_, r) => rng.stream(`run${r}`));
  const data = runRngs.map(
    (r) => teacherTask(r.stream('task'), { ...task, inputDim: d, classes: sizes.at(-1)!, valSize: 1 }).train,
  );
  const names = graph.params.map((p) => p.name);
  // Each run's initial values from its own stream, stacked along a new leading axis.
  const stacked: Record<string, tf.Variable> = {};
  const inits = runRngs.map((r) => initMlp(r.stream('init'), { sizes, activation: 'relu' }));
  for (const n of names)
    stacked[n] = tf.tidy(() =>
      tf.variable(tf.stack(inits.map((p) => p.get(n))), true, `traj${gi}_${n}_${rng.opSeed()}`),
    );
  for (const p of inits) p.dispose();
  const layers = sizes.length - 1;
  const opt = new Adam({ lr });
  const snaps = Math.floor(steps / every) + 1;
  const p = graph.paramCount;
  const buffers = Array.from({ length: runs }, () => new Float32Array(snaps * p));
  const snapshot = async (j: number) => {
    for (const gp of graph.params) {
      const values = (await stacked[gp.name]!.data()) as Float32Array;
      for (let r = 0; r < runs; r++)
        buffers[r]!.set(values.subarray(r * gp.size, (r + 1) * gp.size), j * p + gp.offset);
    }
  };
  const cursors = runRngs.map(
    (r, i) => new BatchCursor(data[i]!.count, batch, r.stream('batches'), { dropLast: true }),
  );
  try {
    await snapshot(0);
    await train({
      steps,
      checkEvery: 50,
      evalEvery: every,
      signal: options.signal ?? new AbortController().signal,
      step: () => {
        const { x, y } = stackBatches(
          data,
          cursors.map((c) => c.next()),
          d,
        );
        const xs = tf.tensor3d(x, [runs, batch, d]);
        const ys = tf.tensor1d(y, 'int32');
        try {
          return opt.minimize(
            () =>
              tf.tidy(() => {
                let h: tf.Tensor = xs;
                for (let l = 0; l < layers; l++) {
                  h = tf.add(
                    tf.matMul(h as tf.Tensor3D, stacked[`fc${l}.weight`] as tf.Tensor3D),
                    tf.expandDims(stacked[`fc${l}.bias`]!, 1),
                  );
                  if (l < layers - 1) h = tf.relu(h);
                }
                // Σ over runs of each run's mean cross-entropy: run g's gradient is its own.
                return tf.div(
                  softmaxCrossEntropy(tf.reshape(h, [runs * batch, -1]), ys, 'sum'),
                  batch,
                ) as tf.Scalar;
              }),
            stacked,
          );
        } finally {
          xs.dispose();
          ys.dispose();
        }
      },
      evaluate: async (done) => {
        // train() also evaluates after the last step; only multiples of s are snapshots.
        if (done % every === 0) await snapshot(done / every);
        options.onProgress?.({ group: gi, step: done, total: steps });
        return {};
      },
    });
  } finally {
    opt.dispose();
    for (const v of Object.values(stacked)) v.dispose();
  }
  return buffers.map((snapshots) => ({
    sizes: [...sizes],
    graph,
    snapshots,
    numSnapshots: snaps,
    snapshotEvery: every,
  }));
}
