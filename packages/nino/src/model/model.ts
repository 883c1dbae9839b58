import { PaperkitInputError, ParamMap, type Rng, randomNormal } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { type NinoConfig, type NinoTensorSpec, ninoTensorSpecs, resolveNinoConfig } from './config.js';

/** Standard deviation of the official initialisation of every Linear and Embedding weight. */
export const NINO_INIT_STD = 0.02;

/**
 * The shape a tensor has in the model's {@link ParamMap}: linear weights are stored [in, out] (so the
 * forward pass is `x · W`, tensor-core's dense layout), the edge-type table as is.
 */
export function storedShape(spec: NinoTensorSpec): number[] {
  return spec.shape.length === 2 && spec.name !== 'layer_embed.weight'
    ? [spec.shape[1]!, spec.shape[0]!]
    : [...spec.shape];
}

/**
 * A nowcasting network (NiNo or WNN+): its configuration and its parameters, named as in the official
 * checkpoints, in a tensor-core {@link ParamMap} with linear weights stored [in, out].
 */
export class NinoModel {
  /** Architecture. */
  readonly config: NinoConfig;
  /** Parameters (trainable variables). */
  readonly params: ParamMap;

  /**
   * Wraps existing parameters; they must be exactly the tensors of `config` ({@link ninoTensorSpecs})
   * with linear weights [in, out]. The model owns `params` from now on.
   */
  constructor(config: Partial<NinoConfig>, params: ParamMap) {
    this.config = resolveNinoConfig(config);
    if (!(params instanceof ParamMap)) throw new PaperkitInputError('params', params, 'a ParamMap');
    const specs = ninoTensorSpecs(this.config);
    const names = new Set(specs.map((s) => s.name));
    for (const n of params.names())
      if (!names.has(n))
        throw new PaperkitInputError('params', n, `only tensors of a ${this.config.kind} with this config`);
    for (const s of specs) {
      if (!params.has(s.name))
        throw new PaperkitInputError(
          'params',
          s.name,
          `a map with every tensor of the config (missing ${s.name})`,
        );
      const want = storedShape(s);
      const got = params.info(s.name).shape;
      if (!tf.util.arraysEqual([...got], want))
        throw new PaperkitInputError(`params.${s.name}`, [...got], `shape [${want}] for this config`);
    }
    this.params = params;
  }

  /**
   * A freshly initialised network: every linear and embedding weight N(0, 0.02²), every bias 0 (the
   * official `NiNoModel` initialisation). Each tensor draws from `rng.stream(<its name>)`.
   */
  static init(rng: Rng, config: Partial<NinoConfig> = {}): NinoModel {
    const c = resolveNinoConfig(config);
    const params = new ParamMap();
    for (const s of ninoTensorSpecs(c)) {
      const shape = storedShape(s);
      tf.tidy(() => {
        if (s.name.endsWith('.bias')) params.add(s.name, { value: tf.zeros(shape), role: 'bias' });
        else
          params.add(s.name, {
            value: randomNormal(rng.stream(s.name), shape, 0, NINO_INIT_STD),
            role: s.name === 'layer_embed.weight' ? 'embedding' : 'weight',
            layout: { outAxis: 1, inAxis: 0 },
          });
      });
    }
    return new NinoModel(c, params);
  }

  /** Number of scalar parameters. */
  get paramCount(): number {
    return this.params.size;
  }

  /** Frees the parameters. */
  dispose(): void {
    this.params.dispose();
  }
}
