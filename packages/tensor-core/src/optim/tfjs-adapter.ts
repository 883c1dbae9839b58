import * as tf from '@tensorflow/tfjs-core';
import { type LayersModelLike, layersParamNames } from '../params/layers.js';
import { checkObject, PaperkitInputError } from '../validate/errors.js';
import { Optimizer } from './optimizer.js';
import type { OptimizerState } from './optimizer-state.js';

/** Options of {@link toTfjsOptimizer}. */
export interface TfjsOptimizerOptions {
  /**
   * The model being trained: its weights get the stable parameter names of `paramsFromLayersModel`
   * (`0/kernel`, `hidden/bias`, …), so the optimizer state loads into another build of the model and
   * rotations or layer lists built from `paramsFromLayersModel(model)` line up with `model.fit`.
   * Without it, parameters are named by their tfjs variable names (`dense_Dense7/kernel`).
   */
  readonly model?: LayersModelLike;
  /** Maps a tfjs variable name to a parameter name yourself (instead of `model`). */
  readonly paramName?: (variableName: string) => string;
}

/** A named tensor, as tfjs optimizers exchange them (`tf.NamedTensor` is not exported by tfjs-core). */
interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/** Name of the one weight {@link TfjsOptimizerAdapter.getWeights} returns: the JSON state. */
export const TFJS_STATE_WEIGHT = 'paperkit/optimizer-state';

/**
 * A paperkit {@link Optimizer} as a `tf.Optimizer`, for `model.compile({ optimizer })` and `model.fit`.
 * tfjs computes the gradients (`minimize` → `applyGradients` with gradients keyed by variable name);
 * this looks the variables up, renames them to parameter names and takes one step of the paperkit
 * optimizer, so the state stays keyed by name and `getState()` of the wrapped optimizer still works.
 * `getWeights`/`setWeights` (used by `model.save({ includeOptimizer: true })`) carry the whole state
 * as one string tensor of JSON. `dispose()` frees the paperkit optimizer's state.
 */
export class TfjsOptimizerAdapter extends tf.Optimizer {
  /** Class name for tfjs serialization. */
  static readonly className = 'PaperkitOptimizer';
  /** The paperkit optimizer that takes the steps. */
  readonly optimizer: Optimizer;
  private readonly paramName: (variableName: string) => string;

  constructor(optimizer: Optimizer, options: TfjsOptimizerOptions = {}) {
    super();
    if (!(optimizer instanceof Optimizer))
      throw new PaperkitInputError('optimizer', optimizer, 'a paperkit Optimizer (e.g. new AdamW({ lr }))');
    checkObject('options', options, 'an object { model?, paramName? }');
    if (options.paramName !== undefined && typeof options.paramName !== 'function')
      throw new PaperkitInputError(
        'paramName',
        options.paramName,
        'a function (variableName) => parameter name',
      );
    if (options.paramName !== undefined && options.model !== undefined)
      throw new PaperkitInputError('options', 'both model and paramName', 'one of model or paramName');
    this.optimizer = optimizer;
    if (options.model !== undefined) {
      const names = layersParamNames(options.model);
      this.paramName = (n) => names.get(n) ?? n;
    } else this.paramName = options.paramName ?? ((n) => n);
  }

  /** One step of the paperkit optimizer with tfjs's gradients (keyed by variable name). */
  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const list: NamedTensor[] = Array.isArray(variableGradients)
      ? variableGradients
      : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    const registry = tf.engine().registeredVariables;
    const vars: Record<string, tf.Variable> = {};
    const grads: Record<string, tf.Tensor> = {};
    for (const { name, tensor } of list) {
      // tfjs passes an undefined gradient for a variable the loss does not reach.
      if (tensor == null) continue;
      const v = registry[name];
      if (v === undefined)
        throw new PaperkitInputError('variableGradients', name, 'gradients of registered tf.Variables');
      const p = this.paramName(name);
      if (p in vars)
        throw new PaperkitInputError(
          'paramName',
          p,
          `a distinct parameter name per variable (${name} repeats it)`,
        );
      vars[p] = v;
      grads[p] = tensor;
    }
    this.optimizer.step(vars, grads);
    this.incrementIterations();
  }

  /** The paperkit optimizer's name and class, for tfjs's training config. */
  getConfig(): tf.serialization.ConfigDict {
    return { optimizer: this.optimizer.name };
  }

  /** The whole paperkit state as one string tensor of JSON (model.save with includeOptimizer). */
  override async getWeights(): Promise<NamedTensor[]> {
    return [
      { name: TFJS_STATE_WEIGHT, tensor: tf.scalar(JSON.stringify(this.optimizer.getState()), 'string') },
    ];
  }

  /** Restores what {@link TfjsOptimizerAdapter.getWeights} saved (validated by the optimizer's `setState`). */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const w = Array.isArray(weightValues)
      ? weightValues.find((x) => x.name === TFJS_STATE_WEIGHT)
      : undefined;
    if (!w)
      throw new PaperkitInputError(
        'weightValues',
        weightValues,
        `a list holding the "${TFJS_STATE_WEIGHT}" weight`,
      );
    const text = (await w.tensor.data()) as unknown as Uint8Array[] | string[];
    const raw = text[0];
    const json = typeof raw === 'string' ? raw : new TextDecoder().decode(raw as Uint8Array);
    this.optimizer.setState(JSON.parse(json) as OptimizerState);
  }

  /** Frees the paperkit optimizer's state. */
  override dispose(): void {
    super.dispose();
    this.optimizer.dispose();
  }
}

/**
 * Any paperkit optimizer as a `tf.Optimizer`:
 * `model.compile({ optimizer: toTfjsOptimizer(new AdamW({ lr: 1e-3 }), { model }), loss })`, then
 * `model.fit`. Rotated and wrapped optimizers work too: build their rotations or layer lists from
 * `paramsFromLayersModel(model)`, whose parameter names are the ones `{ model }` gives the gradients.
 */
export function toTfjsOptimizer(
  optimizer: Optimizer,
  options: TfjsOptimizerOptions = {},
): TfjsOptimizerAdapter {
  return new TfjsOptimizerAdapter(optimizer, options);
}
