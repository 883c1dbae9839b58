import {
  checkInRange,
  checkNonNegative,
  checkObject,
  checkOneOf,
  type GradientTransformation,
  PaperkitInputError,
  ParamMap,
  type ParamsLike,
  type StepContext,
  TransformState,
  toVariableRecord,
  type Updates,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { PROX_ALGORITHMS, type ProxAlgorithm, proxR } from '../prox/prox.js';
import { parameterNamed } from './param-lookup.js';

/** One regularized layer: its weight is flattened into one vector and its bias gets a separate prox. */
export interface WeightSharingLayer {
  /** Name of the weight parameter; the whole tensor is one prox vector (d = out·in, spec §I.4). */
  readonly weight: string;
  /** Name of the bias parameter, regularized by its own prox with the same strength; none when absent. */
  readonly bias?: string;
  /** The layer's ws_lr: the prox strength is λ = ws_lr · η_t with η_t the step's learning rate. */
  readonly wsLr: number;
}

/**
 * Validates a layer list (non-empty; parameter names; ws_lr finite and >= 0) and returns a copy. Shared
 * by the proximal step and the subgradient penalty so both accept and reject the same lists.
 */
export function checkWeightSharingLayers(layers: readonly WeightSharingLayer[]): WeightSharingLayer[] {
  if (!Array.isArray(layers) || layers.length === 0)
    throw new PaperkitInputError('layers', layers, 'a non-empty array of { weight, bias?, wsLr }');
  layers.forEach((layer: WeightSharingLayer | undefined, i) => {
    if (typeof layer?.weight !== 'string' || layer.weight.length === 0)
      throw new PaperkitInputError(`layers[${i}].weight`, layer?.weight, 'a parameter name');
    if (layer.bias !== undefined && (typeof layer.bias !== 'string' || layer.bias.length === 0))
      throw new PaperkitInputError(`layers[${i}].bias`, layer.bias, 'a parameter name or absent');
    checkNonNegative(`layers[${i}].wsLr`, layer.wsLr);
  });
  return layers.map((l) => ({ ...l }));
}

/** Configuration of {@link WeightSharingProx}; defaults are the reference code's. */
export interface WeightSharingConfig {
  /** Regularized layers (code `prox_layer` FC1 = the first layer, FC12 = the first two). */
  readonly layers: readonly WeightSharingLayer[];
  /** Absolute ℓ1 threshold per step (code `lasso_lr`, not scaled by η_t). Default 0. */
  readonly l1?: number;
  /**
   * Displacement damping ρ ∈ [0, 1] (code `rho`), or a function of the 0-based prox step returning it
   * (the code's optional linear `rho_scheduler` ramp). Default 0 (exact prox).
   */
  readonly rho?: number | ((step: number) => number);
  /** Prox algorithm; default `pav` (same result as the code's default `search`, fastest on CPU). */
  readonly algorithm?: ProxAlgorithm;
  /** Keep the cluster ids of the last step per parameter (for {@link TiedRetraining}). Default false. */
  readonly recordClusters?: boolean;
}

/** What one {@link WeightSharingProx.apply} did, per regularized parameter. */
export interface ProxStepInfo {
  /** Learning rate η_t the strength was scaled by. */
  readonly lr: number;
  /** ρ used. */
  readonly rho: number;
  /** Parameter name → prox strength λ and number of clusters after the step. */
  readonly params: Record<string, { readonly lambda: number; readonly clusterCount: number }>;
}

/**
 * Proximal weight-sharing step for tfjs training (paper §4, the reference code's `ws_alg = "prox"`):
 * after every optimizer step, each configured weight tensor (flattened) and bias vector is replaced by
 * prox_{λR} of itself, with λ = ws_lr · η_t, then the ℓ1 step and ρ damping. The prox runs on host
 * float64 arrays: one `dataSync` per layer and step (weight and bias read together), then one `assign`
 * per tensor.
 *
 * With a paperkit optimizer, attach it as a transform: {@link ProximalOptimizer} wraps any optimizer
 * (`new ProximalOptimizer(new SGD({ lr }), ws)`), or put {@link WeightSharingProx.transform} into a
 * chain yourself; the prox step counter that drives a ρ schedule is then saved with the optimizer's
 * state. After a step of any other optimizer (e.g. tfjs's own), call {@link WeightSharingProx.apply}.
 */
export class WeightSharingProx {
  /** Regularized layers. */
  readonly layers: readonly WeightSharingLayer[];
  /** ℓ1 threshold per step. */
  readonly l1: number;
  /** Prox algorithm. */
  readonly algorithm: ProxAlgorithm;
  private readonly rho: number | ((step: number) => number);
  private readonly record: boolean;
  private steps = 0;
  private readonly clusterIds = new Map<string, Int32Array>();

  constructor(config: WeightSharingConfig) {
    checkObject('config', config, 'an object { layers, l1?, rho?, algorithm?, recordClusters? }');
    this.layers = checkWeightSharingLayers(config.layers);
    this.l1 = checkNonNegative('l1', config.l1 ?? 0);
    const rho = config.rho ?? 0;
    if (typeof rho !== 'function') checkInRange('rho', rho, 0, 1, '[]');
    this.rho = rho;
    this.algorithm = checkOneOf('algorithm', config.algorithm ?? 'pav', PROX_ALGORITHMS);
    this.record = config.recordClusters ?? false;
  }

  /**
   * The prox as a gradient transformation (parameter-space phase, after the update is written), with
   * its own step counter in the transform's state (it drives a ρ schedule, and is saved and restored
   * with the optimizer). See {@link ProximalOptimizer} for the usual way to attach it.
   */
  get transform(): GradientTransformation<TransformState> {
    const self: GradientTransformation<TransformState> = {
      kind: 'weightSharingProx',
      options: {
        layers: this.layers.map((l) => ({
          weight: l.weight,
          ...(l.bias !== undefined ? { bias: l.bias } : {}),
          wsLr: l.wsLr,
        })),
        l1: this.l1,
        algorithm: this.algorithm,
        rho: typeof this.rho === 'function' ? 'schedule' : this.rho,
      },
      init: () => new TransformState(self),
      update: (u: Updates) => u,
      afterStep: (params: Readonly<Record<string, tf.Variable>>, s: TransformState, ctx: StepContext) => {
        const step = s.counter('steps');
        this.applyAt(params, ctx.lr, step);
        s.setCounter('steps', step + 1);
      },
    };
    return self;
  }

  /** Prox steps taken so far by {@link WeightSharingProx.apply} (drives a ρ schedule). */
  get stepsTaken(): number {
    return this.steps;
  }

  /** Sets the step counter, e.g. when resuming from a checkpoint. */
  setStepsTaken(steps: number): void {
    if (!Number.isInteger(steps) || steps < 0)
      throw new PaperkitInputError('steps', steps, 'an integer >= 0');
    this.steps = steps;
  }

  /** Cluster ids of `name` after the last step (only with `recordClusters`). */
  clusters(name: string): Int32Array | undefined {
    return this.clusterIds.get(name);
  }

  /**
   * Applies the proximal step to the configured parameters of `params` (a ParamMap or a record of tfjs
   * variables) for a step taken with learning rate `lr`, and counts it in {@link WeightSharingProx.stepsTaken}.
   */
  apply(params: ParamsLike, lr: number): ProxStepInfo {
    const info = this.applyAt(params, lr, this.steps);
    this.steps++;
    return info;
  }

  /** The proximal step as the `step`-th (0-based, for the ρ schedule), without touching the counter. */
  private applyAt(params: ParamsLike, lr: number, step: number): ProxStepInfo {
    if (!Number.isFinite(lr) || lr < 0) throw new PaperkitInputError('lr', lr, 'a finite number >= 0');
    const vars = toVariableRecord(params);
    const rho =
      typeof this.rho === 'function' ? checkInRange(`rho(${step})`, this.rho(step), 0, 1, '[]') : this.rho;
    const info: Record<string, { lambda: number; clusterCount: number }> = {};
    const lookup = (name: string, field: string): tf.Variable => parameterNamed(vars, name, field);
    tf.tidy(() => {
      this.layers.forEach((layer, i) => {
        const lambda = layer.wsLr * lr;
        // The code skips the prox when both strengths are zero; so do we unless ids are wanted.
        if (lambda === 0 && this.l1 === 0 && !this.record) return;
        const w = lookup(layer.weight, `layers[${i}].weight`);
        const b = layer.bias !== undefined ? lookup(layer.bias, `layers[${i}].bias`) : undefined;
        const flat = b ? tf.concat([tf.reshape(w, [-1]), tf.reshape(b, [-1])]) : tf.reshape(w, [-1]);
        const host = flat.dataSync() as Float32Array;
        const parts: [string, tf.Variable, Float32Array][] = [[layer.weight, w, host.subarray(0, w.size)]];
        if (b && layer.bias !== undefined)
          parts.push([layer.bias, b, host.subarray(w.size, w.size + b.size)]);
        for (const [name, variable, values] of parts) {
          const r = proxR(values, lambda, {
            algorithm: this.algorithm,
            l1: this.l1,
            rho,
            returnClusters: this.record,
            out: new Float32Array(values.length),
          });
          variable.assign(tf.tensor(r.x, variable.shape, 'float32'));
          if (r.clusters) this.clusterIds.set(name, r.clusters);
          info[name] = { lambda, clusterCount: r.clusterCount };
        }
      });
    });
    return { lr, rho, params: info };
  }
}

/**
 * The layer list for the reference code's `prox_layer = "FC1"`: the first parameter of a ParamMap with
 * role `weight`, plus the parameter with role `bias` in the same group (if any).
 */
export function firstLayer(params: ParamMap, wsLr: number): WeightSharingLayer[] {
  if (!(params instanceof ParamMap)) throw new PaperkitInputError('params', params, 'a ParamMap');
  checkNonNegative('wsLr', wsLr);
  const names = params.names();
  const weight = names.find((n) => params.info(n).role === 'weight');
  if (weight === undefined)
    throw new PaperkitInputError('params', names, 'a ParamMap with a parameter of role "weight"');
  const group = params.info(weight).group;
  const bias =
    group === undefined
      ? undefined
      : names.find((n) => params.info(n).role === 'bias' && params.info(n).group === group);
  return [{ weight, ...(bias !== undefined ? { bias } : {}), wsLr }];
}
