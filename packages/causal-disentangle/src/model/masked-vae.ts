import {
  checkInteger,
  diagonalGaussianKl,
  type Matrix,
  type MatrixLike,
  PaperkitInputError,
  ParamMap,
  type ParamTensors,
  param,
  type Rng,
  randomNormal,
} from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { type Graph, type GraphLike, toGraph } from '../graphs/graph.js';
import { type ArchitectureConfig, resolveArchitecture } from './architecture.js';
import { gaussianNll, inverseSoftplus, softplusVariance } from './likelihood.js';
import { edgeProbabilities, expectedEdges, hardMask, sampleGumbelSigmoid } from './masks.js';
import {
  applyLeakyMlp,
  applyTransition,
  initLeakyMlp,
  initTransition,
  type TransitionShape,
} from './networks.js';

/**
 * How one graph's mask is handled: `learned` (Gumbel-sigmoid logits, the method), `ones` (frozen
 * all-ones mask: the paper's "unregularised" baseline, a dense graph), or a fixed 0/1 graph (the
 * reference's `--set_gc_mask_to_gt` / `--set_g_mask_to_gt` oracle when it is the true graph).
 */
export type MaskMode = 'learned' | 'ones' | GraphLike;

/** Configuration of {@link MaskedVae}. */
export interface MaskedVaeConfig {
  /** d_x. */
  readonly observedDim: number;
  /** d_z. */
  readonly latentDim: number;
  /** d_a; 0 (default) for no actions. */
  readonly actionDim?: number;
  /** Whether transitions depend on z^{t−1} (the temporal setting, pairs of observations). */
  readonly temporal?: boolean;
  /** Sizes and initial values; default the paper's ({@link PAPER_ARCHITECTURE}). */
  readonly architecture?: Partial<ArchitectureConfig>;
  /** Masks per graph; default `learned` for each graph the model has. */
  readonly masks?: { readonly action?: MaskMode; readonly temporal?: MaskMode };
}

/** A minibatch on the device. */
export interface VaeBatch {
  /** x^t, [B, d_x]. */
  readonly x: tf.Tensor2D;
  /** x^{t−1}, [B, d_x] (temporal setting). */
  readonly previous?: tf.Tensor2D;
  /** a^{t−1}, [B, d_a] (when the model has actions). */
  readonly actions?: tf.Tensor2D;
}

/** The terms of the training objective on one minibatch (scalars, batch means). */
export interface VaeLoss {
  /** ℓ = reconstruction + β·KL/d_x, the negative ELBO per observed dimension. */
  readonly loss: tf.Scalar;
  /** Mean Gaussian NLL per observed dimension (and time step). */
  readonly reconstruction: tf.Scalar;
  /** Σ_i KL per example (halved average of both steps in the temporal setting), batch mean. */
  readonly kl: tf.Scalar;
}

type GraphKind = 'action' | 'temporal';

/**
 * The estimator of Lachapelle et al. (2024) (reference `model/ilcm_vae.py`, `model/latent_models_vae.py`):
 * a Gaussian VAE whose prior is a product of per-latent transition models
 * p(z_i^t | M^z_i ⊙ z^{t−1}, M^a_i ⊙ a^{t−1}) = N(m_i(·), v_i), with learned Gumbel-sigmoid masks M
 * whose expected edge count is penalised or constrained. Parameters live in one {@link ParamMap}:
 * `enc.*`, `dec.*`, `dec.logvar`, `trans.*`, `prior.rho` (v_i = softplus(ρ_i) + 1e-6, independent of
 * the inputs as the reference's default `var_p_mode=independent`), `prior0.mean`/`prior0.rho` (the
 * learned N(μ⁰, v⁰) of time 0, temporal only), and `mask.action`/`mask.temporal` (log α).
 */
export class MaskedVae {
  /** Every trainable parameter. */
  readonly params: ParamMap;
  /** The resolved architecture. */
  readonly architecture: ArchitectureConfig;
  readonly observedDim: number;
  readonly latentDim: number;
  readonly actionDim: number;
  readonly temporal: boolean;
  private readonly transition: TransitionShape;
  private readonly fixedMasks = new Map<GraphKind, tf.Tensor2D>();
  private readonly maskModes = new Map<GraphKind, 'learned' | 'ones' | Graph>();
  private disposed = false;

  constructor(rng: Rng, config: MaskedVaeConfig) {
    if (config === null || typeof config !== 'object')
      throw new PaperkitInputError(
        'config',
        config,
        'an object { observedDim, latentDim, actionDim?, temporal?, … }',
      );
    this.observedDim = checkInteger('observedDim', config.observedDim, 1);
    this.latentDim = checkInteger('latentDim', config.latentDim, 1);
    this.actionDim = checkInteger('actionDim', config.actionDim ?? 0, 0);
    if (config.temporal !== undefined && typeof config.temporal !== 'boolean')
      throw new PaperkitInputError('temporal', config.temporal, 'a boolean');
    this.temporal = config.temporal ?? false;
    if (this.actionDim === 0 && !this.temporal)
      throw new PaperkitInputError(
        'actionDim',
        0,
        'an integer >= 1 unless temporal is true (the prior needs a context)',
      );
    this.architecture = resolveArchitecture(config.architecture);
    const a = this.architecture;
    const d = this.latentDim;
    this.transition = {
      latentDim: d,
      actionDim: this.actionDim,
      temporal: this.temporal,
      hidden: a.transitionHidden,
      slope: a.slope,
    };
    const masks = config.masks ?? {};
    if (masks.action !== undefined && this.actionDim === 0)
      throw new PaperkitInputError('masks.action', masks.action, 'absent: the model has no actions');
    if (masks.temporal !== undefined && !this.temporal)
      throw new PaperkitInputError('masks.temporal', masks.temporal, 'absent: the model is not temporal');
    const p = new ParamMap();
    try {
      initLeakyMlp(rng.stream('encoder'), [this.observedDim, ...a.encoderHidden, 2 * d], 'enc.', p);
      initLeakyMlp(rng.stream('decoder'), [d, ...a.decoderHidden, this.observedDim], 'dec.', p);
      initTransition(rng.stream('transition'), this.transition, p);
      tf.tidy(() => {
        p.add('dec.logvar', { value: tf.fill([1], a.decoderLogVarInit), role: 'other' });
        p.add('prior.rho', { value: tf.fill([d], inverseSoftplus(a.priorVarianceInit)), role: 'other' });
        if (this.temporal) {
          p.add('prior0.mean', { value: tf.zeros([d]), role: 'other' });
          p.add('prior0.rho', { value: tf.fill([d], inverseSoftplus(1)), role: 'other' });
        }
      });
      const setup = (kind: GraphKind, cols: number, mode: MaskMode | undefined) => {
        const m = mode ?? 'learned';
        if (m === 'learned') {
          tf.tidy(() => {
            p.add(`mask.${kind}`, { value: tf.fill([d, cols], a.maskLogitInit), role: 'other' });
          });
          this.maskModes.set(kind, 'learned');
        } else if (m === 'ones') {
          this.fixedMasks.set(kind, tf.ones([d, cols]));
          this.maskModes.set(kind, 'ones');
        } else {
          const g = toGraph(`masks.${kind}`, m, { rows: d, cols });
          this.fixedMasks.set(kind, tf.tensor2d(Float32Array.from(g.data), [d, cols]));
          this.maskModes.set(kind, g);
        }
      };
      if (this.actionDim > 0) setup('action', this.actionDim, masks.action);
      if (this.temporal) setup('temporal', d, masks.temporal);
    } catch (err) {
      p.dispose();
      tf.dispose([...this.fixedMasks.values()]);
      throw err;
    }
    this.params = p;
  }

  /** Names of the mask logits that are trained (empty when every mask is frozen or fixed). */
  maskParamNames(): string[] {
    return (['action', 'temporal'] as const)
      .filter((k) => this.maskModes.get(k) === 'learned')
      .map((k) => `mask.${k}`);
  }

  /**
   * Names of the trainable parameters other than the mask logits (the decoder and prior variances unless
   * fixed).
   */
  networkParamNames(): string[] {
    const masks = new Set(this.maskParamNames());
    const a = this.architecture;
    return this.params
      .names()
      .filter(
        (n) =>
          !masks.has(n) &&
          (n !== 'dec.logvar' || a.learnDecoderVariance) &&
          (n !== 'prior.rho' || a.learnPriorVariance),
      );
  }

  /** How each graph's mask is handled. */
  maskMode(kind: GraphKind): 'learned' | 'ones' | Graph | undefined {
    return this.maskModes.get(kind);
  }

  private tensors(): ParamTensors {
    if (this.disposed) throw new Error('MaskedVae: used after dispose()');
    return this.params.tensors();
  }

  /** q(z|x): means and variances (softplus(ρ) + 1e-4), each [B, d_z]. */
  encode(x: tf.Tensor2D): { mean: tf.Tensor2D; variance: tf.Tensor2D } {
    const p = this.tensors();
    return tf.tidy(() => {
      const out = applyLeakyMlp(
        p,
        x,
        this.architecture.encoderHidden.length + 1,
        'enc.',
        this.architecture.slope,
      );
      const [mean, rho] = tf.split(out, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
      return { mean, variance: softplusVariance(rho, 1e-4) as tf.Tensor2D };
    });
  }

  /** The decoder mean f̂(z), [B, d_x]. */
  decode(z: tf.Tensor2D): tf.Tensor2D {
    const p = this.tensors();
    return applyLeakyMlp(
      p,
      z,
      this.architecture.decoderHidden.length + 1,
      'dec.',
      this.architecture.slope,
    ) as tf.Tensor2D;
  }

  /**
   * The masks of one forward pass: a fresh Gumbel-sigmoid sample for learned masks (soft, or 0/1 with the
   * architecture's `straightThrough`; with `hard`, the evaluation mask 1[log α > 0]), else the fixed mask.
   */
  sampleMasks(rng: Rng, hard = false): { action?: tf.Tensor2D; temporal?: tf.Tensor2D } {
    const p = this.tensors();
    const out: { action?: tf.Tensor2D; temporal?: tf.Tensor2D } = {};
    for (const kind of ['action', 'temporal'] as const) {
      const mode = this.maskModes.get(kind);
      if (mode === undefined) continue;
      out[kind] =
        mode === 'learned' && hard
          ? (hardMask(param(p, `mask.${kind}`)) as tf.Tensor2D)
          : mode === 'learned'
            ? (sampleGumbelSigmoid(
                param(p, `mask.${kind}`),
                rng,
                this.architecture.gumbelTemperature,
                this.architecture.straightThrough,
              ) as tf.Tensor2D)
            : this.fixedMasks.get(kind)!;
    }
    return out;
  }

  /**
   * The training objective on a minibatch (reference `ILCM_VAE.elbo`, with `full_seq` in the temporal
   * setting), per example then averaged over the batch:
   * - action: ℓ = (1/d_x)·Σ_k −log N(x_k | x̂_k, σ²) + (β/d_x)·Σ_i KL(q(z_i|x) ‖ N(m_i(M^a_i ⊙ a), v_i));
   * - temporal: the reconstruction averaged over both steps, and
   *   KL = ½[Σ_i KL(q(z¹_i|x¹) ‖ N(m_i(M^z_i ⊙ ẑ⁰, …), v_i)) + Σ_i KL(q(z⁰_i|x⁰) ‖ N(μ⁰_i, v⁰_i))] with
   *   ẑ⁰ a reparameterised sample,
   * where σ = exp(s/2) + 1e-4. Encoder noise and mask noise come from `rng`; `hardMasks` scores the
   * learned graphs 1[log α > 0] instead of a mask sample (held-out model selection). Pure in the
   * parameters, so it can run inside a gradient tape.
   */
  loss(batch: VaeBatch, rng: Rng, options: { readonly hardMasks?: boolean } = {}): VaeLoss {
    const p = this.tensors();
    this.checkBatch(batch);
    const a = this.architecture;
    return tf.tidy(() => {
      const masks = this.sampleMasks(rng, options.hardMasks === true);
      const x = this.temporal ? tf.concat([batch.previous!, batch.x], 0) : batch.x;
      const { mean, variance } = this.encode(x as tf.Tensor2D);
      const zHat = tf.add(mean, tf.mul(tf.sqrt(variance), randomNormal(rng, mean.shape))) as tf.Tensor2D;
      const std = tf.add(tf.exp(tf.mul(0.5, param(p, 'dec.logvar'))), 1e-4);
      const reconstruction = tf.mean(gaussianNll(x, this.decode(zHat), std)) as tf.Scalar;
      const b = batch.x.shape[0];
      const d = this.latentDim;
      const slice = (t: tf.Tensor, step: number) =>
        (this.temporal ? tf.slice(t, [step * b, 0], [b, d]) : t) as tf.Tensor2D;
      const priorMean = applyTransition(
        p,
        {
          ...(this.actionDim > 0 ? { actions: batch.actions!, actionMask: masks.action! } : {}),
          ...(this.temporal ? { previous: slice(zHat, 0), temporalMask: masks.temporal! } : {}),
        },
        this.transition,
        a.transitionLayout,
      );
      const priorVar = softplusVariance(param(p, 'prior.rho'), 1e-6);
      const last = this.temporal ? 1 : 0;
      // Gaussian KL with a learned prior (the reference's `compute_kl`): tensor-core's general form.
      let klPerExample = tf.sum(
        diagonalGaussianKl(
          { mean: slice(mean, last), variance: slice(variance, last) },
          { mean: priorMean, variance: priorVar },
        ),
        1,
      );
      if (this.temporal) {
        const kl0 = tf.sum(
          diagonalGaussianKl(
            { mean: slice(mean, 0), variance: slice(variance, 0) },
            { mean: param(p, 'prior0.mean'), variance: softplusVariance(param(p, 'prior0.rho'), 1e-6) },
          ),
          1,
        );
        klPerExample = tf.mul(0.5, tf.add(klPerExample, kl0));
      }
      const kl = tf.mean(klPerExample) as tf.Scalar;
      const loss = tf.add(reconstruction, tf.mul(a.beta / this.observedDim, kl)) as tf.Scalar;
      return { loss, reconstruction, kl };
    });
  }

  /** The sparsity regulariser R = Σ σ(log α) of a learned mask (its expected edge count). */
  expectedEdges(kind: GraphKind): tf.Scalar {
    if (this.maskModes.get(kind) !== 'learned')
      throw new PaperkitInputError(
        'kind',
        kind,
        `a graph whose mask is learned (${this.maskParamNames().join(', ') || 'none'})`,
      );
    return expectedEdges(param(this.tensors(), `mask.${kind}`));
  }

  /** Edge probabilities σ(log α) on the host (the fixed mask for frozen or fixed graphs). */
  edgeProbabilities(): { action?: Matrix; temporal?: Matrix } {
    return this.readMasks((t) => edgeProbabilities(t));
  }

  /** The learned graphs 1[σ(log α) > 0.5] (the fixed mask for frozen or fixed graphs). */
  graphs(): { action?: Graph; temporal?: Graph } {
    return this.readMasks((t) => hardMask(t));
  }

  private readMasks(fn: (logAlpha: tf.Tensor) => tf.Tensor): { action?: Matrix; temporal?: Matrix } {
    const p = this.tensors();
    const out: { action?: Matrix; temporal?: Matrix } = {};
    for (const kind of ['action', 'temporal'] as const) {
      const mode = this.maskModes.get(kind);
      if (mode === undefined) continue;
      const t = mode === 'learned' ? tf.tidy(() => fn(param(p, `mask.${kind}`))) : this.fixedMasks.get(kind)!;
      const [rows, cols] = t.shape as [number, number];
      out[kind] = { rows, cols, data: Float64Array.from(t.dataSync()) };
      if (mode === 'learned') t.dispose();
    }
    return out;
  }

  /**
   * Encoder means μ_q(x) for host observations [n, d_x] (the representation ẑ the metrics score), in
   * chunks of `chunk` rows, read back once per chunk.
   */
  encodeMean(observations: MatrixLike, chunk = 4096): Matrix {
    if (observations === null || typeof observations !== 'object' || observations.cols !== this.observedDim)
      throw new PaperkitInputError(
        'observations',
        observations,
        `a matrix [n, ${this.observedDim}] (d_x columns)`,
      );
    checkInteger('chunk', chunk, 1);
    const n = observations.rows;
    if (observations.data?.length !== n * this.observedDim)
      throw new PaperkitInputError(
        'observations.data',
        observations.data,
        `an array of length rows·${this.observedDim}`,
      );
    const out = new Float64Array(n * this.latentDim);
    for (let s = 0; s < n; s += chunk) {
      const e = Math.min(n, s + chunk);
      const rows = Float32Array.from(
        Array.prototype.slice.call(observations.data, s * this.observedDim, e * this.observedDim),
      );
      const z = tf.tidy(() => this.encode(tf.tensor2d(rows, [e - s, this.observedDim])).mean);
      out.set(z.dataSync(), s * this.latentDim);
      z.dispose();
    }
    return { rows: n, cols: this.latentDim, data: out };
  }

  private checkBatch(batch: VaeBatch): void {
    if (batch === null || typeof batch !== 'object' || !(batch.x instanceof tf.Tensor))
      throw new PaperkitInputError('batch', batch, 'an object { x, previous?, actions? } of 2-d tensors');
    const b = batch.x.shape[0];
    const want = (name: string, t: tf.Tensor | undefined, cols: number) => {
      if (!(t instanceof tf.Tensor) || t.rank !== 2 || t.shape[0] !== b || t.shape[1] !== cols)
        throw new PaperkitInputError(`batch.${name}`, t, `a tensor [${b}, ${cols}]`);
    };
    want('x', batch.x, this.observedDim);
    if (this.temporal) want('previous', batch.previous, this.observedDim);
    if (this.actionDim > 0) want('actions', batch.actions, this.actionDim);
  }

  /** Frees every tensor of the model. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.params.dispose();
    tf.dispose([...this.fixedMasks.values()]);
  }
}
