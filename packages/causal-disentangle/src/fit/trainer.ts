import {
  ConstrainedOptimizer,
  type DenseMultiplier,
  type DualOptimizer,
  defineConstraint,
  defineProblem,
  denseMultiplier,
} from '@paperkit/nupi';
import { checkInteger, checkPositive, PaperkitInputError, Rng } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import type { ArchitectureConfig } from '../model/architecture.js';
import { MaskedVae, type MaskMode, type VaeBatch } from '../model/masked-vae.js';
import {
  type CheckedData,
  checkSequenceData,
  type DeviceData,
  type SequenceData,
  uploadData,
} from './data.js';
import { MaskedVaeAdam } from './mask-optimizer.js';
import {
  annealedBound,
  makeDual,
  type ResolvedSparsity,
  resolveSparsity,
  type SparsityOptions,
} from './sparsity.js';

/** Options of {@link SparsityTrainer}; defaults are the reference's unless said otherwise. */
export interface TrainerOptions {
  /** d_z of the learned representation (at most d_x). */
  readonly latentDim: number;
  /** How sparsity is imposed (required: the bound or coefficient is the method's one choice). */
  readonly sparsity: SparsityOptions;
  /** Network sizes and initial values; default the paper's 6×512 / 5×512 (GPU scale). */
  readonly architecture?: Partial<ArchitectureConfig>;
  /** Mask per graph: `learned` (default), `ones` (the unregularised baseline) or a fixed graph. */
  readonly masks?: { readonly action?: MaskMode; readonly temporal?: MaskMode };
  /** Planned optimisation steps (caps the bound's annealing); default 300 000 (the reference's `iter_limit`). */
  readonly steps?: number;
  /** Minibatch size; default 1024. */
  readonly batchSize?: number;
  /** Adam learning rate of the networks; default 5e-4. */
  readonly lr?: number;
  /**
   * Adam learning rate of the mask logits log α; default `lr` (the reference trains them with the same
   * Adam). At small scale use ~10·lr: log α moves about lr per step and must travel from 5 to below 0.
   */
  readonly maskLr?: number;
  /** Seed of the root stream (default 0); ignored when `rng` is given. */
  readonly seed?: number;
  /** Root stream: initialisation from `init`, minibatches from `batches`, noise from `noise`. */
  readonly rng?: Rng;
}

type Kind = 'action' | 'temporal';

/** State of one constraint after the last step. */
export interface ConstraintReading {
  /** The multiplier λ after the dual step (and restart). */
  readonly lambda: number;
  /** The expected edge count R at the step. */
  readonly edges: number;
  /** The bound b_t of the step. */
  readonly bound: number;
}

interface StepCtx {
  readonly batch: VaeBatch;
  readonly bounds: Partial<Record<Kind, number>>;
}

/**
 * One training run of the mechanism-sparsity estimator, step by step: the model, its data on the
 * device, one {@link MaskedVaeAdam} (networks at `lr`, mask logits at `maskLr`) and, for a
 * constraint, nupi's `ConstrainedOptimizer` with one inequality per constrained graph and dual restarts.
 * `step()` takes one minibatch step and returns its loss without reading it back (a constraint reads
 * its violation back once per step for the dual update).
 */
export class SparsityTrainer {
  /** The model being trained (kept by `dispose({ keepModel: true })`). */
  readonly model: MaskedVae;
  /** The validated sparsity settings. */
  readonly sparsity: ResolvedSparsity;
  /** The data's dimensions. */
  readonly data: CheckedData;
  /** Planned steps. */
  readonly plannedSteps: number;
  private readonly device: DeviceData;
  private readonly noise: Rng;
  private readonly batchRng: Rng;
  private readonly batchSize: number;
  /** The primal optimizer (its state is everything but the model's parameters and the duals). */
  readonly optimizer: MaskedVaeAdam;
  private readonly kinds: readonly Kind[];
  private readonly maxEdges: Record<Kind, number>;
  private readonly trainable: Readonly<Record<string, tf.Variable>>;
  private readonly constrained: ConstrainedOptimizer<string, StepCtx> | null = null;
  private readonly duals: Partial<Record<Kind, DualOptimizer>> = {};
  private readonly multipliers: Partial<Record<Kind, DenseMultiplier>> = {};
  private readonly readings: Partial<Record<Kind, ConstraintReading>> = {};
  private order: Int32Array;
  private cursor = 0;
  private t = 0;
  private disposed = false;

  constructor(data: SequenceData, options: TrainerOptions) {
    this.data = checkSequenceData('data', data);
    if (options === null || typeof options !== 'object')
      throw new PaperkitInputError('options', options, 'an object { latentDim, sparsity, … }');
    const latentDim = checkInteger('latentDim', options.latentDim, 1);
    if (latentDim > this.data.observedDim)
      throw new PaperkitInputError(
        'latentDim',
        latentDim,
        `an integer <= d_x (${this.data.observedDim}) for an injective mixing`,
      );
    this.plannedSteps = checkInteger('steps', options.steps ?? 300_000, 1);
    this.batchSize = checkInteger('batchSize', options.batchSize ?? 1024, 1);
    const lr = checkPositive('lr', options.lr ?? 5e-4);
    const maskLr = checkPositive('maskLr', options.maskLr ?? lr);
    const rng = options.rng ?? Rng.fromSeed(options.seed ?? 0);
    this.model = new MaskedVae(rng.stream('init'), {
      observedDim: this.data.observedDim,
      latentDim,
      actionDim: this.data.actionDim,
      temporal: this.data.temporal,
      ...(options.architecture ? { architecture: options.architecture } : {}),
      ...(options.masks ? { masks: options.masks } : {}),
    });
    try {
      this.sparsity = resolveSparsity(
        options.sparsity,
        {
          action: this.model.maskMode('action') === 'learned',
          temporal: this.model.maskMode('temporal') === 'learned',
        },
        lr,
        this.plannedSteps,
      );
    } catch (err) {
      this.model.dispose();
      throw err;
    }
    this.device = uploadData(data);
    this.noise = rng.stream('noise');
    this.batchRng = rng.stream('batches');
    this.order = this.batchRng.permutation(this.data.count);
    const vars = this.model.params.tensors();
    const maskNames = this.model.maskParamNames();
    this.trainable = Object.fromEntries(
      [...this.model.networkParamNames(), ...maskNames].map((n) => [n, vars[n] as tf.Variable]),
    );
    this.optimizer = new MaskedVaeAdam({ lr, maskLr, masks: maskNames });
    this.kinds = (['action', 'temporal'] as const).filter((k) => this.sparsity[k] !== null);
    this.maxEdges = { action: latentDim * this.data.actionDim, temporal: latentDim * latentDim };
    if (this.sparsity.kind === 'constraint') {
      const constraints: Record<string, ReturnType<typeof defineConstraint>> = {};
      for (const k of this.kinds) {
        const m = denseMultiplier(1);
        this.multipliers[k] = m;
        constraints[k] = defineConstraint({ kind: 'inequality', formulation: 'lagrangian', multiplier: m });
        this.duals[k] = makeDual(this.sparsity);
      }
      const problem = defineProblem({
        constraints,
        computeState: (ctx: StepCtx) => {
          const { loss, edges } = this.objective(ctx);
          const states: Record<string, { violation: tf.Tensor }> = {};
          for (const k of this.kinds) states[k] = { violation: tf.sub(edges[k]!, ctx.bounds[k]!) };
          return { loss, constraints: states };
        },
      });
      this.constrained = new ConstrainedOptimizer({
        problem,
        params: this.trainable,
        primal: this.optimizer,
        dual: this.duals as Record<string, DualOptimizer>,
        order: this.sparsity.order,
      });
    }
  }

  /** Steps taken. */
  get steps(): number {
    return this.t;
  }

  /** λ, R and b_t of each constraint after the last step (empty without a constraint). */
  constraintReadings(): Partial<Record<Kind, ConstraintReading>> {
    return { ...this.readings };
  }

  /** The bound b_t at step t (0-based) for a constrained graph. */
  boundAt(kind: Kind, t: number): number {
    const b = this.sparsity[kind];
    if (this.sparsity.kind !== 'constraint' || b === null)
      throw new PaperkitInputError('kind', kind, 'a constrained graph');
    return annealedBound(t, this.maxEdges[kind], b, this.sparsity.annealSteps, this.sparsity.holdSteps);
  }

  private objective(ctx: StepCtx): { loss: tf.Scalar; edges: Partial<Record<Kind, tf.Scalar>> } {
    const { loss, reconstruction, kl } = this.model.loss(ctx.batch, this.noise);
    tf.dispose([reconstruction, kl]);
    const edges: Partial<Record<Kind, tf.Scalar>> = {};
    for (const k of this.kinds) edges[k] = this.model.expectedEdges(k);
    if (this.sparsity.kind !== 'penalty') return { loss, edges };
    // The reference scales the penalty by 1/d_x like the KL term (`g_scaling`, `gc_scaling`).
    const terms = this.kinds.map((k) => tf.mul(this.sparsity[k]! / this.data.observedDim, edges[k]!));
    return { loss: tf.addN([loss, ...terms]) as tf.Scalar, edges };
  }

  private plainStep(ctx: StepCtx, vars: Readonly<Record<string, tf.Variable>> = this.trainable): tf.Scalar {
    return this.optimizer.minimize(() => {
      const { loss, edges } = this.objective(ctx);
      tf.dispose(Object.values(edges));
      return loss;
    }, vars);
  }

  /**
   * A step with the mask logits frozen and λ = 0 (the reference's `--frozen_masks_period`): only the
   * networks move; R is read back for the readings.
   */
  private frozenMaskStep(ctx: StepCtx): tf.Scalar {
    const masks = new Set(this.model.maskParamNames());
    const vars = Object.fromEntries(Object.entries(this.trainable).filter(([n]) => !masks.has(n)));
    const loss = this.plainStep(ctx, vars);
    for (const k of this.kinds) {
      const r = this.model.expectedEdges(k);
      const edges = r.dataSync()[0]!;
      r.dispose();
      this.multipliers[k]!.value[0] = 0;
      this.readings[k] = { lambda: 0, edges, bound: ctx.bounds[k]! };
    }
    return loss;
  }

  private nextIndices(): Int32Array {
    const b = Math.min(this.batchSize, this.data.count);
    if (this.cursor + b > this.data.count) {
      this.order = this.batchRng.permutation(this.data.count);
      this.cursor = 0;
    }
    const idx = this.order.slice(this.cursor, this.cursor + b);
    this.cursor += b;
    return idx;
  }

  /**
   * One optimisation step on the next minibatch (epochs of a seeded permutation). Returns the loss of
   * the step (the penalised loss with a penalty; the loss without the λ term with a constraint); the
   * caller disposes it.
   */
  step(): tf.Scalar {
    if (this.disposed) throw new Error('SparsityTrainer: step() after dispose()');
    const i = this.t;
    const idx = tf.tensor1d(this.nextIndices(), 'int32');
    const d = this.device;
    const batch: VaeBatch = tf.tidy(() => ({
      x: tf.gather(d.x, idx) as tf.Tensor2D,
      ...(d.previous ? { previous: tf.gather(d.previous, idx) as tf.Tensor2D } : {}),
      ...(d.actions ? { actions: tf.gather(d.actions, idx) as tf.Tensor2D } : {}),
    }));
    try {
      if (!this.constrained) return this.plainStep({ batch, bounds: {} });
      const bounds: Partial<Record<Kind, number>> = {};
      for (const k of this.kinds) bounds[k] = this.boundAt(k, i);
      if (this.sparsity.freezeMasksDuringHold && i < this.sparsity.holdSteps)
        return this.frozenMaskStep({ batch, bounds });
      const out = this.constrained.roll({ batch, bounds });
      const loss = tf.clone(out.loss!) as tf.Scalar;
      out.dispose();
      for (const k of this.kinds) {
        const violation = out.violations[k]!.values[0]!;
        const m = this.multipliers[k]!;
        // Dual restarts (Cooper's `dual_restarts`): a satisfied constraint forgets its multiplier.
        if (this.sparsity.restarts && violation <= 0) {
          m.value[0] = 0;
          this.duals[k]!.reset();
        }
        this.readings[k] = { lambda: m.value[0]!, edges: violation + bounds[k]!, bound: bounds[k]! };
      }
      return loss;
    } finally {
      this.t++;
      tf.dispose([
        idx,
        batch.x,
        ...(batch.previous ? [batch.previous] : []),
        ...(batch.actions ? [batch.actions] : []),
      ]);
    }
  }

  /** Frees the data, the optimizers and (unless `keepModel`) the model. */
  dispose(options: { readonly keepModel?: boolean } = {}): void {
    if (this.disposed) return;
    this.disposed = true;
    this.device.dispose();
    this.optimizer.dispose();
    if (!options.keepModel) this.model.dispose();
  }
}
