import { PaperkitInputError, ParamMap, type ParamsLike, toVariableRecord } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * A classifier as a pure function of named parameters (tensor-core's style: `initMlp` + `applyMlp`).
 * `forward` returns logits [N, C] from the weights in its `params` argument.
 */
export interface FunctionalClassifier {
  /** The trainable variables (a ParamMap or a record of variables). */
  readonly params: ParamsLike;
  /** Logits [N, C] of inputs `x`; `training` is false during evaluation (e.g. to turn dropout off). */
  readonly forward: (
    params: Readonly<Record<string, tf.Tensor>>,
    x: tf.Tensor,
    training: boolean,
  ) => tf.Tensor;
}

/** The part of a tfjs-layers `LayerVariable` used here (typed structurally: no tfjs-layers dependency). */
export interface LayerVariableLike {
  /** Unique variable name, e.g. `dense_Dense1/kernel`. */
  readonly name: string;
  /** The underlying tfjs variable. */
  read(): tf.Tensor;
}

/** The part of a tfjs-layers `LayersModel` (`tf.sequential`, `tf.model`) used here, typed structurally. */
export interface LayersModelLike {
  /** The model's trainable weights. */
  readonly trainableWeights: readonly LayerVariableLike[];
  /** Symbolic/eager application; called eagerly on a tensor, it returns the output logits. */
  apply(inputs: tf.Tensor, kwargs?: { training?: boolean }): unknown;
}

/** Any classifier this package prunes: functional or a tfjs Layers model. */
export type ClassifierLike = FunctionalClassifier | LayersModelLike;

/** A classifier resolved to named variables, its prunable weights and a logits function. */
export interface ResolvedClassifier {
  /** Trainable variables by name. */
  readonly params: Readonly<Record<string, tf.Variable>>;
  /** Names of the weights to prune. */
  readonly prunable: readonly string[];
  /** Logits [N, C] of inputs `x` with the current weights. */
  logits(x: tf.Tensor, training: boolean): tf.Tensor;
}

function isLayersModel(m: unknown): m is LayersModelLike {
  return (
    typeof m === 'object' &&
    m !== null &&
    Array.isArray((m as LayersModelLike).trainableWeights) &&
    typeof (m as LayersModelLike).apply === 'function'
  );
}

function checkLogits(out: unknown, x: tf.Tensor): tf.Tensor {
  if (!(out instanceof tf.Tensor) || out.rank !== 2 || out.shape[0] !== x.shape[0])
    throw new PaperkitInputError('model output', out, `logits of shape [${x.shape[0]}, classes]`);
  return out;
}

/**
 * Resolves a classifier. Default prunable weights: parameters with role `weight` of a ParamMap, every
 * parameter of rank ≥ 2 of a plain record, and every `…/kernel` (rank ≥ 2) of a Layers model: all
 * weight matrices and filters, no biases (the paper additionally keeps the first convolution and the
 * last layer of its ResNets dense: pass `prunable` for that).
 */
export function resolveClassifier(model: ClassifierLike, prunable?: readonly string[]): ResolvedClassifier {
  if (isLayersModel(model)) {
    const params: Record<string, tf.Variable> = {};
    for (const w of model.trainableWeights) {
      const v = w.read();
      if (!(v instanceof tf.Variable))
        throw new PaperkitInputError(
          `model.trainableWeights.${w.name}`,
          v,
          'a LayerVariable backed by a tf.Variable',
        );
      if (w.name in params)
        throw new PaperkitInputError('model.trainableWeights', w.name, 'unique weight names');
      params[w.name] = v;
    }
    const names =
      prunable ?? Object.keys(params).filter((n) => /(^|\/)kernel$/.test(n) && params[n]!.rank >= 2);
    return {
      params,
      prunable: checkPrunable(names, params),
      logits: (x, training) => checkLogits(model.apply(x, { training }), x),
    };
  }
  if (
    model === null ||
    typeof model !== 'object' ||
    typeof (model as FunctionalClassifier).forward !== 'function'
  )
    throw new PaperkitInputError(
      'model',
      model,
      'a { params, forward(params, x, training) } classifier or a tfjs Layers model',
    );
  const f = model as FunctionalClassifier;
  if (!(f.params instanceof ParamMap) && (f.params === null || typeof f.params !== 'object'))
    throw new PaperkitInputError('model.params', f.params, 'a ParamMap or a record of tf.Variables');
  const params = toVariableRecord(f.params);
  for (const [n, v] of Object.entries(params))
    if (!(v instanceof tf.Variable)) throw new PaperkitInputError(`model.params.${n}`, v, 'a tf.Variable');
  const pm = f.params instanceof ParamMap ? f.params : null;
  const names =
    prunable ?? Object.keys(params).filter((n) => (pm ? pm.info(n).role === 'weight' : params[n]!.rank >= 2));
  return {
    params,
    prunable: checkPrunable(names, params),
    logits: (x, training) => checkLogits(f.forward(params, x, training), x),
  };
}

function checkPrunable(names: readonly string[], params: Readonly<Record<string, tf.Variable>>): string[] {
  if (!Array.isArray(names) || names.length === 0)
    throw new PaperkitInputError('prunable', names, 'a non-empty array of weight names (none was found)');
  for (const n of names)
    if (!(n in params))
      throw new PaperkitInputError('prunable', n, `a parameter name (${Object.keys(params).join(', ')})`);
  return [...names];
}
