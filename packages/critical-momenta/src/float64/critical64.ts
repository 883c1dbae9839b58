import {
  adamCorrections64,
  adamStep64,
  type LearningRate,
  PaperkitInputError,
  Rng,
  type Schedule,
  secondMoment64,
  toSchedule,
} from '@paperkit/tensor-core';
import { bufferActive, type ResolvedBufferConfig } from '../config.js';
import { priorities } from '../priority.js';
import { PriorityKeys } from '../priority-buffer.js';
import { type CriticalBuffer64State, parseState64, saveState64 } from './state64.js';

/** Learning-rate setting of the Float64 optimizers; default 1e-3 (the reference default). */
export interface Float64OptimizerConfig {
  /** Learning rate or schedule (0-based step → rate). */
  readonly lr?: LearningRate;
}

/** Per-parameter state of a Float64 optimizer. */
export interface State64 {
  /** First moment. */
  readonly m: Float64Array;
  /** Second moment. */
  readonly v: Float64Array;
  /** AMSGrad running maximum of v. */
  readonly vMax: Float64Array;
  /** Buffer values, slot by slot (empty without a buffer). */
  readonly buf: Float64Array[];
  /** Running sum of the buffer (reference bookkeeping). */
  readonly sum: Float64Array;
  /** Buffer keys, undefined before the first call or without a buffer. */
  keys: PriorityKeys | undefined;
  /** Calls that updated this parameter. */
  count: number;
}

/** A read-only view of a Float64 buffer. */
export interface Buffer64Snapshot {
  readonly size: number;
  readonly keys: number[];
  readonly steps: number[];
  readonly values: Float64Array[];
}

/**
 * Float64 twin of the tensor optimizers, for exact small problems (toy landscapes, hand-checked
 * tables) where tfjs's float32 and per-op overhead get in the way. It shares the settings, the
 * priority rule and the buffer bookkeeping ({@link PriorityKeys}) with the tensor classes; the tests
 * check that both produce the same iterates.
 */
export abstract class CriticalBuffer64 {
  /** Validated settings. */
  readonly settings: ResolvedBufferConfig;
  /** Class name. */
  abstract readonly name: string;
  private readonly schedule: Schedule;
  private states = new Map<string, State64>();
  private fifoRng: Rng;
  private sharedFifo = false;
  private t = 0;

  protected constructor(config: Float64OptimizerConfig, settings: ResolvedBufferConfig) {
    this.settings = settings;
    this.schedule = toSchedule(config.lr ?? 1e-3);
    this.fifoRng = Rng.fromSeed(settings.seed).stream('criticalTest');
  }

  /** Steps taken. */
  get iterations(): number {
    return this.t;
  }

  /**
   * One step, updating `params` in place from `grads` (same names and lengths). Parameters without a
   * gradient are left alone.
   */
  step(params: Record<string, Float64Array>, grads: Record<string, Float64Array>): void {
    const names = Object.keys(grads);
    const sq = new Float64Array(names.length);
    names.forEach((n, i) => {
      const p = params[n];
      const g = grads[n]!;
      if (!p)
        throw new PaperkitInputError(
          `grads.${n}`,
          n,
          `a gradient for a known parameter (${Object.keys(params).join(', ')})`,
        );
      if (!(g instanceof Float64Array) || g.length !== p.length)
        throw new PaperkitInputError(`grads.${n}`, g, `a Float64Array of length ${p.length}`);
      let s = 0;
      for (let k = 0; k < g.length; k++) s += g[k]! * g[k]!;
      sq[i] = s;
    });
    const pis = priorities(names, sq, this.settings.priority);
    const lr = this.schedule(this.t);
    if (!Number.isFinite(lr) || lr < 0)
      throw new PaperkitInputError('lr', lr, `a finite number >= 0 at step ${this.t}`);
    if (this.settings.compat === 'clean') this.sharedFifo = this.drawFifo();
    names.forEach((n, i) => {
      const p = params[n]!;
      let st = this.states.get(n);
      if (!st) {
        st = this.newState(p.length);
        this.states.set(n, st);
      }
      st.count++;
      this.update(p, grads[n]!, st, pis[i]!, lr);
      st.keys?.decay(this.settings.decay);
    });
    this.t++;
  }

  private newState(d: number): State64 {
    const c = this.settings;
    const active = bufferActive(c);
    return {
      m: new Float64Array(d),
      v: new Float64Array(d),
      vMax: new Float64Array(c.amsgrad ? d : 0),
      buf: active ? Array.from({ length: c.topC }, () => new Float64Array(d)) : [],
      sum: new Float64Array(active ? d : 0),
      keys: undefined,
      count: 0,
    };
  }

  /** Updates one parameter in place; `st.count` already counts this call. */
  protected abstract update(p: Float64Array, g: Float64Array, st: State64, pi: number, lr: number): void;

  private drawFifo(): boolean {
    const q = this.settings.criticalTest;
    if (q <= 0) return false;
    if (q >= 1) return true;
    return this.fifoRng.next() < q;
  }

  /** Weight on the buffer term (reference: 1 whatever kappa is; clean: kappa). */
  protected get kappaWeight(): number {
    return this.settings.compat === 'reference' ? 1 : this.settings.kappa;
  }

  /** Creates the buffer keys of a state on first use. */
  protected ensureKeys(st: State64): PriorityKeys | undefined {
    if (!bufferActive(this.settings)) return undefined;
    st.keys ??= new PriorityKeys(this.settings.topC);
    return st.keys;
  }

  /** Σ of the stored values into `out` (running S or recomputed). */
  protected bufferTotal(st: State64, out: Float64Array): Float64Array {
    const k = st.keys!;
    if (this.settings.bufferSum === 'running') out.set(st.sum);
    else {
      out.fill(0);
      for (let j = 0; j < k.size; j++) {
        const b = st.buf[j]!;
        for (let i = 0; i < out.length; i++) out[i]! += b[i]!;
      }
    }
    return out;
  }

  /** Copies `value` into slot j, keeping S in step. */
  protected store(st: State64, j: number, value: Float64Array, pi: number): void {
    const k = st.keys!;
    const b = st.buf[j]!;
    if (k.size === 0) st.sum.set(value);
    else if (j < k.size) for (let i = 0; i < value.length; i++) st.sum[i] = st.sum[i]! - b[i]! + value[i]!;
    else for (let i = 0; i < value.length; i++) st.sum[i]! += value[i]!;
    b.set(value);
    k.write(j, pi, st.count);
  }

  /** Priority test or FIFO branch; returns whether `value` was stored. */
  protected offer(st: State64, value: Float64Array, pi: number): boolean {
    const k = st.keys!;
    const fifo = k.full && (this.settings.compat === 'clean' ? this.sharedFifo : this.drawFifo());
    const j = k.choose(pi, fifo, this.settings.compat === 'reference');
    if (j < 0) return false;
    this.store(st, j, value, pi);
    return true;
  }

  /**
   * Adam's second-moment update and step with direction `dir` and second-moment source `src`, in
   * place, with tensor-core's Float64 Adam math (the tensor optimizers use its tensor twin).
   */
  protected adamStep(p: Float64Array, dir: Float64Array, src: Float64Array, st: State64, lr: number): void {
    const c = this.settings;
    const corrections = adamCorrections64(st.count, lr, c);
    for (let i = 0; i < p.length; i++) {
      const v = secondMoment64(st.v[i]!, src[i]!, c.beta2);
      st.v[i] = v;
      let vu = v;
      if (c.amsgrad) vu = st.vMax[i] = Math.max(st.vMax[i]!, v);
      p[i]! -= adamStep64(dir[i]!, vu, corrections.stepSize, corrections.sqrtBc2, c.eps);
    }
  }

  /** Copies out a parameter's buffer (null before its first step or without a buffer). */
  inspectBuffer(name: string): Buffer64Snapshot | null {
    const st = this.states.get(name);
    const k = st?.keys;
    if (!st || !k) return null;
    return {
      size: k.size,
      keys: Array.from(k.keys.subarray(0, k.size)),
      steps: Array.from(k.steps.subarray(0, k.size)),
      values: st.buf.slice(0, k.size).map((b) => Float64Array.from(b)),
    };
  }

  /** Everything needed to resume, as plain data (`JSON.stringify` writes it as is; float64 exact). */
  getState(): CriticalBuffer64State {
    return saveState64(this.name, this.t, this.states, this.fifoRng);
  }

  /** Restores {@link CriticalBuffer64.getState}; validates everything first, so a bad state changes nothing. */
  setState(state: CriticalBuffer64State): void {
    const parsed = parseState64(state, this.name, this.settings);
    this.t = parsed.t;
    this.states = parsed.states;
    this.fifoRng = parsed.rng;
  }

  /** Read-only access to a parameter's moments (for tests and diagnostics). */
  moments(name: string): { m: Float64Array; v: Float64Array } | null {
    const st = this.states.get(name);
    return st ? { m: Float64Array.from(st.m), v: Float64Array.from(st.v) } : null;
  }
}
