import { checkInteger, checkOneOf, checkPositive, PaperkitInputError } from '@paperkit/tensor-core';
import { type Partition, scalarPartition } from '../partition.js';

/**
 * The smooth bump of Example 4.9 (`data/diff_balls_dataset.py`, `bump2D` with temp = 1) as a function
 * of the squared normalised distance s = ‖p − c‖²/ρ²: e·exp(−1/(1 − s)) for s < 1, else 0. It equals 1
 * at the centre, vanishes with all derivatives at the rim, and is C^∞ — the differentiable stand-in
 * for the paper's rendered balls.
 */
export function bump(s: number): number {
  return s < 1 ? Math.exp(1 - 1 / (1 - s)) : 0;
}

/** b(s), b′(s) and b″(s) of {@link bump}: b′ = −b/(1−s)², b″ = b·(1/(1−s)⁴ − 2/(1−s)³). */
export function bumpDerivatives(s: number): [number, number, number] {
  if (!(s < 1)) return [0, 0, 0];
  const u = 1 / (1 - s);
  const b = Math.exp(1 - u);
  return [b, -b * u * u, b * (u ** 4 - 2 * u ** 3)];
}

/** The reference's ball colours (Example 4.9): teal (69, 154, 145) and red (203, 107, 102). */
export const BUMP_COLORS: readonly (readonly [number, number, number])[] = [
  [69, 154, 145],
  [203, 107, 102],
];

/** Configuration of a {@link BumpScene}. */
export interface BumpSceneConfig {
  /**
   * How latents place the balls: `scalar` (ScalarLatents: latent i is the height of ball i, whose
   * horizontal position is fixed; centre (xPositions[i], extent − z_i)) or `block` (BlockLatents:
   * latents (x_i, y_i) in [0, 1]² are ball i's position; centre (extent·x_i, extent·(1 − y_i)), the
   * reference's vertical flip).
   */
  readonly latents: 'scalar' | 'block';
  /** Number of balls; default 2. */
  readonly balls?: number;
  /** Image side in pixels; default 16 (the reference renders 64). */
  readonly size?: number;
  /** The pixel grid spans [0, extent]² (`linspace(0, extent, size)` per axis); default 5. */
  readonly extent?: number;
  /** Bump radius ρ in the grid's units; default 1. */
  readonly radius?: number;
  /** Horizontal centre of each ball in the scalar layout; default extent·(0.25, 0.75, …) spread evenly. */
  readonly xPositions?: readonly number[];
  /** `gray` (default): one channel; `rgb`: three. */
  readonly channels?: 'gray' | 'rgb';
  /**
   * Gray level of each ball; default (1, 0.6) — the grayscale `x = b₁ + 0.6·b₂` that trains on a CPU.
   */
  readonly intensities?: readonly number[];
  /** RGB colour of each ball (0–255); default {@link BUMP_COLORS}. */
  readonly colors?: readonly (readonly [number, number, number])[];
  /**
   * `centred` (default): background 0 and each ball adds its weight times the bump (gray: its
   * intensity; rgb: (255 − colour)/255, i.e. `1 − x/255` of the reference image). `white`: the
   * reference's image scaled to [0, 1], (1 − Σ b_i)·white + Σ b_i·colour_i over 255; raw white
   * backgrounds did not train in the small-scale runs.
   */
  readonly background?: 'centred' | 'white';
}

/**
 * A renderer of differentiable bump images from latents: additive by construction (each ball is one
 * block's image), with exact first and second derivatives for the sufficient-nonlinearity matrix.
 * Images are row-major [size, size, channels] with row i at height `linspace(0, extent, size)[i]`.
 */
export class BumpScene {
  /** Latent layout. */
  readonly latents: 'scalar' | 'block';
  /** Number of balls (= blocks). */
  readonly balls: number;
  /** Image side. */
  readonly size: number;
  /** Grid extent. */
  readonly extent: number;
  /** Bump radius. */
  readonly radius: number;
  /** Channels per pixel (1 or 3). */
  readonly channels: number;
  /** Background mode. */
  readonly background: 'centred' | 'white';
  /** Horizontal positions (scalar layout). */
  readonly xPositions: readonly number[];
  /** Per ball, per channel: the image is background + Σ_i weights[i] · bump_i. */
  readonly weights: readonly Float64Array[];
  /** Pixel grid coordinates. */
  private readonly grid: Float64Array;

  constructor(config: BumpSceneConfig) {
    this.latents = checkOneOf('latents', config.latents, ['scalar', 'block'] as const);
    this.balls = checkInteger('balls', config.balls ?? 2, 1);
    this.size = checkInteger('size', config.size ?? 16, 2);
    this.extent = checkPositive('extent', config.extent ?? 5);
    this.radius = checkPositive('radius', config.radius ?? 1);
    const channels = checkOneOf('channels', config.channels ?? 'gray', ['gray', 'rgb'] as const);
    this.channels = channels === 'gray' ? 1 : 3;
    this.background = checkOneOf('background', config.background ?? 'centred', ['centred', 'white'] as const);
    this.xPositions = this.checkList('xPositions', config.xPositions, (i) => (this.extent * (i + 0.5)) / this.balls);
    if (channels === 'gray') {
      if (this.background === 'white')
        throw new PaperkitInputError('background', 'white', '"centred" for gray images (white is for rgb)');
      const levels = this.checkList('intensities', config.intensities, (i) => (i === 0 ? 1 : 0.6));
      this.weights = levels.map((w) => Float64Array.of(w));
    } else {
      const colors = config.colors ?? BUMP_COLORS;
      if (!Array.isArray(colors) || colors.length < this.balls)
        throw new PaperkitInputError('colors', colors, `an array of at least ${this.balls} RGB triples`);
      this.weights = colors.slice(0, this.balls).map((c, i) => {
        if (!Array.isArray(c) || c.length !== 3 || c.some((v) => !(v >= 0 && v <= 255)))
          throw new PaperkitInputError(`colors[${i}]`, c, 'an RGB triple of numbers in [0, 255]');
        const sign = this.background === 'centred' ? 1 : -1;
        return Float64Array.from(c, (v) => (sign * (255 - v)) / 255);
      });
    }
    this.grid = Float64Array.from({ length: this.size }, (_, i) => (this.extent * i) / (this.size - 1));
  }

  /** Latents per image: balls (scalar) or 2·balls (block). */
  get latentDim(): number {
    return this.latents === 'scalar' ? this.balls : 2 * this.balls;
  }

  /** Entries per image: size² · channels. */
  get outputDim(): number {
    return this.size * this.size * this.channels;
  }

  /** The true block partition: one block per ball. */
  get partition(): Partition {
    return this.latents === 'scalar'
      ? scalarPartition(this.balls)
      : Array.from({ length: this.balls }, (_, i) => [2 * i, 2 * i + 1]);
  }

  /** The background value of every entry (0 when centred, 1 for white). */
  get backgroundValue(): number {
    return this.background === 'centred' ? 0 : 1;
  }

  /**
   * Renders `z` (row-major n × latentDim) into n images (n × outputDim, float32): background plus the
   * sum of every ball's weighted bump — the images are an additive function of the ball blocks.
   */
  render(z: ArrayLike<number>): Float32Array {
    const n = this.rows(z);
    const d = this.outputDim;
    const out = new Float32Array(n * d).fill(this.backgroundValue);
    const img = new Float64Array(d);
    for (let r = 0; r < n; r++) {
      img.fill(this.backgroundValue);
      for (let ball = 0; ball < this.balls; ball++) this.addBall(img, z, r, ball, 1);
      out.set(img, r * d);
    }
    return out;
  }

  /**
   * Renders one ball alone (its block's image f^(B)(z_B), without background): n × outputDim. Summing
   * every ball's image and the background gives {@link BumpScene.render}.
   */
  renderBall(z: ArrayLike<number>, ball: number): Float32Array {
    const n = this.rows(z);
    if (!Number.isInteger(ball) || ball < 0 || ball >= this.balls)
      throw new PaperkitInputError('ball', ball, `a ball index in 0..${this.balls - 1}`);
    const d = this.outputDim;
    const out = new Float32Array(n * d);
    const img = new Float64Array(d);
    for (let r = 0; r < n; r++) {
      img.fill(0);
      this.addBall(img, z, r, ball, 1);
      out.set(img, r * d);
    }
    return out;
  }

  /** The centre (x, y) of `ball` in grid units for the latent block `zBlock` of that ball. */
  centre(ball: number, zBlock: ArrayLike<number>): [number, number] {
    if (this.latents === 'scalar') return [this.xPositions[ball]!, this.extent - zBlock[0]!];
    return [this.extent * zBlock[0]!, this.extent * (1 - zBlock[1]!)];
  }

  /**
   * Exact derivatives of ball `ball`'s image with respect to its latent block at `zBlock`: `first[k]`
   * = ∂f^(B)/∂z_k and `second` the upper-triangle ∂²f^(B)/∂z_k∂z_l (k ≤ l, row-major), each an
   * outputDim vector in float64. The centre is affine in the latents (c = A·z_B + c₀), so with
   * s = ‖p − c‖²/ρ²: ∂s/∂z_k = −2(p − c)·A_k/ρ² and ∂²s/∂z_k∂z_l = 2·A_k·A_l/ρ².
   */
  ballDerivatives(ball: number, zBlock: ArrayLike<number>): { first: Float64Array[]; second: Float64Array[] } {
    const k = this.latents === 'scalar' ? 1 : 2;
    // Columns A_k of ∂c/∂z_B.
    const cols: [number, number][] = this.latents === 'scalar' ? [[0, -1]] : [[this.extent, 0], [0, -this.extent]];
    const [cx, cy] = this.centre(ball, zBlock);
    const d = this.outputDim;
    const first = Array.from({ length: k }, () => new Float64Array(d));
    const second = Array.from({ length: (k * (k + 1)) / 2 }, () => new Float64Array(d));
    const r2 = this.radius * this.radius;
    const w = this.weights[ball]!;
    const sz = new Float64Array(k);
    for (let i = 0; i < this.size; i++) {
      const py = this.grid[i]!;
      for (let j = 0; j < this.size; j++) {
        const px = this.grid[j]!;
        const dx = px - cx;
        const dy = py - cy;
        const s = (dx * dx + dy * dy) / r2;
        if (!(s < 1)) continue;
        const [, b1, b2] = bumpDerivatives(s);
        for (let a = 0; a < k; a++) sz[a] = (-2 * (dx * cols[a]![0] + dy * cols[a]![1])) / r2;
        const base = (i * this.size + j) * this.channels;
        let t = 0;
        for (let a = 0; a < k; a++) {
          for (let c = 0; c < this.channels; c++) first[a]![base + c] = w[c]! * b1 * sz[a]!;
          for (let bb = a; bb < k; bb++, t++) {
            const szz = (2 * (cols[a]![0] * cols[bb]![0] + cols[a]![1] * cols[bb]![1])) / r2;
            const v = b2 * sz[a]! * sz[bb]! + b1 * szz;
            for (let c = 0; c < this.channels; c++) second[t]![base + c] = w[c]! * v;
          }
        }
      }
    }
    return { first, second };
  }

  private addBall(img: Float64Array, z: ArrayLike<number>, row: number, ball: number, scale: number): void {
    const k = this.latents === 'scalar' ? 1 : 2;
    const off = row * this.latentDim + ball * k;
    const [cx, cy] = this.latents === 'scalar'
      ? [this.xPositions[ball]!, this.extent - z[off]!]
      : [this.extent * z[off]!, this.extent * (1 - z[off + 1]!)];
    const r2 = this.radius * this.radius;
    const w = this.weights[ball]!;
    for (let i = 0; i < this.size; i++) {
      const dy = this.grid[i]! - cy;
      if (dy * dy >= r2) continue;
      for (let j = 0; j < this.size; j++) {
        const dx = this.grid[j]! - cx;
        const b = bump((dx * dx + dy * dy) / r2);
        if (b === 0) continue;
        const base = (i * this.size + j) * this.channels;
        for (let c = 0; c < this.channels; c++) img[base + c]! += scale * w[c]! * b;
      }
    }
  }

  private rows(z: ArrayLike<number>): number {
    if (z === null || typeof z !== 'object' || typeof z.length !== 'number')
      throw new PaperkitInputError('z', z, `row-major latents (n × ${this.latentDim})`);
    const n = z.length / this.latentDim;
    if (!Number.isInteger(n))
      throw new PaperkitInputError('z', z, `row-major latents whose length is a multiple of ${this.latentDim}`);
    for (let i = 0; i < z.length; i++)
      if (!Number.isFinite(z[i]!)) throw new PaperkitInputError(`z[${i}]`, z[i], 'a finite number');
    return n;
  }

  private checkList(name: string, given: readonly number[] | undefined, fallback: (i: number) => number): number[] {
    if (given === undefined) return Array.from({ length: this.balls }, (_, i) => fallback(i));
    if (!Array.isArray(given) || given.length < this.balls)
      throw new PaperkitInputError(name, given, `an array of at least ${this.balls} numbers (one per ball)`);
    return given.slice(0, this.balls).map((v, i) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new PaperkitInputError(`${name}[${i}]`, v, 'a finite number');
      return v;
    });
  }
}
