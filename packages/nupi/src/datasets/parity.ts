import { checkInRange, checkInteger, type Rng } from '@paperkit/tensor-core';

/**
 * The ten sex × race groups of the stand-in for UCI Adult (P1's fairness experiment, which cannot be
 * downloaded here): name, share of the rows, and positive-label rate. Shares are the product of Adult's
 * training-split marginals (sex 67/33, race White 85.4, Black 9.6, Asian-Pac-Islander 3.2,
 * Amer-Indian-Eskimo 1.0, Other 0.8 %); rates combine its marginal ">50K" rates (men 30.6, women
 * 10.9; White 25.6, Black 12.4, Asian 26.6, Amer-Indian 11.6, Other 9.2 %) as r_sex·r_race / 24.1 %.
 * They resemble Adult's, they are not its joint table.
 */
export const PARITY_GROUPS: readonly {
  readonly name: string;
  readonly share: number;
  readonly rate: number;
}[] = (() => {
  const sexes = [
    ['Male', 0.67, 0.306],
    ['Female', 0.33, 0.109],
  ] as const;
  const races = [
    ['White', 0.854, 0.256],
    ['Black', 0.096, 0.124],
    ['Asian-Pac-Islander', 0.032, 0.266],
    ['Amer-Indian-Eskimo', 0.01, 0.116],
    ['Other', 0.008, 0.092],
  ] as const;
  return sexes.flatMap(([s, ps, rs]) =>
    races.map(([r, pr, rr]) => ({ name: `${s}·${r}`, share: ps * pr, rate: (rs * rr) / 0.241 })),
  );
})();

/** P(y = 1 | g) − P(y = 1) of the generator per group (index = group): the parity gap built into the labels. */
export const PARITY_LABEL_GAP: readonly number[] = (() => {
  const overall = PARITY_GROUPS.reduce((a, g) => a + g.share * g.rate, 0);
  return PARITY_GROUPS.map((g) => g.rate - overall);
})();

/** A generated tabular split: features row-major `n × d`, labels 0/1, group index per row. */
export interface ParitySplit {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly group: Int32Array;
  readonly n: number;
}

/** {@link parityData}: train and test splits drawn from one generator. */
export interface ParityData {
  readonly train: ParitySplit;
  readonly test: ParitySplit;
  /** Feature count. */
  readonly d: number;
  /** Group names (index = `group` value). */
  readonly groups: readonly string[];
  /** P(y = 1 | g) − P(y = 1) of the generator, per group: the parity gap built into the labels. */
  readonly labelGap: readonly number[];
}

/** Options of {@link parityData}. */
export interface ParityDataOptions {
  /** Training rows; default 6000. */
  readonly nTrain?: number;
  /** Test rows; default 3000. */
  readonly nTest?: number;
  /** Features; default 12 (feature 0 carries the label signal, features 2 and 3 the group). */
  readonly d?: number;
  /** Teacher slope β of P(y = 1 | x) = σ(β·x₀); default 2. */
  readonly beta?: number;
}

const sigmoid = (t: number) => 1 / (1 + Math.exp(-t));

/** E[σ(β(s + z))] for z ~ N(0, 1), by the midpoint rule on ±8 standard deviations. */
function expectedRate(beta: number, s: number): number {
  let acc = 0;
  const h = 16 / 400;
  for (let i = 0; i < 400; i++) {
    const z = -8 + (i + 0.5) * h;
    acc += sigmoid(beta * (s + z)) * Math.exp(-0.5 * z * z) * h;
  }
  return acc / Math.sqrt(2 * Math.PI);
}

/**
 * A stand-in for Adult with the structure of P1's fairness experiment: binary labels, a protected
 * attribute with ten very unequal groups ({@link PARITY_GROUPS}: the smallest holds 0.26 % of rows)
 * and a known parity gap. Row i of group g has x = μ_g + ε, ε ~ N(0, I_d): feature 0 is shifted by
 * s_g, solved so that y ~ Bernoulli(σ(β·x₀)) has rate exactly `rate_g`, and features 2, 3 by ±0.5
 * for sex and by the race index, so a model can infer the group without being told (as Adult's
 * relationship or marital status reveal sex). Feature 1 is pure noise, like the rest.
 */
export function parityData(rng: Rng, options: ParityDataOptions = {}): ParityData {
  const nTrain = checkInteger('nTrain', options.nTrain ?? 6000, 10);
  const nTest = checkInteger('nTest', options.nTest ?? 3000, 10);
  const d = checkInteger('d', options.d ?? 12, 4);
  const beta = checkInRange('beta', options.beta ?? 2, 0, 20, '(]');
  const shifts = PARITY_GROUPS.map(({ rate }) => {
    let lo = -10;
    let hi = 10;
    for (let it = 0; it < 60; it++) {
      const mid = (lo + hi) / 2;
      if (expectedRate(beta, mid) < rate) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  });
  const cumulative = PARITY_GROUPS.map((_, g) =>
    PARITY_GROUPS.slice(0, g + 1).reduce((a, b) => a + b.share, 0),
  );
  const draw = (n: number, stream: Rng): ParitySplit => {
    const x = new Float32Array(n * d);
    const y = new Float32Array(n);
    const group = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const u = stream.uniform() * cumulative.at(-1)!;
      const g = Math.max(
        0,
        cumulative.findIndex((c) => u < c),
      );
      group[i] = g;
      for (let k = 0; k < d; k++) x[i * d + k] = stream.normal();
      x[i * d]! += shifts[g]!;
      x[i * d + 2]! += g < 5 ? 0.5 : -0.5;
      x[i * d + 3]! += 0.5 * (g % 5);
      y[i] = stream.uniform() < sigmoid(beta * x[i * d]!) ? 1 : 0;
    }
    return { x, y, group, n };
  };
  return {
    train: draw(nTrain, rng.stream('train')),
    test: draw(nTest, rng.stream('test')),
    d,
    groups: PARITY_GROUPS.map((g) => g.name),
    labelGap: PARITY_LABEL_GAP,
  };
}
