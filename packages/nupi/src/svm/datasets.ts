import { checkInRange, PaperkitInputError, type Rng } from '@paperkit/tensor-core';
import { irisData } from '../datasets/iris.js';
import { type LabelledPoints, labelledPoints } from './hard-margin.js';

/**
 * P1's analytic 4-point set: (1,0):+1, (−1,0):−1, (3,1):+1, (−3,−1):−1. Its hard-margin SVM is
 * w* = (1, 0), b* = 0, λ* = (½, ½, 0, 0).
 */
export function analyticSvmPoints(): LabelledPoints {
  return labelledPoints([1, 0, -1, 0, 3, 1, -3, -1], [1, -1, 1, -1], 2);
}

/**
 * Iris setosa (−1) vs versicolor (+1), the linearly separable pair of P1's SVM experiment, with P1's
 * preprocessing (`src/datasets/uci.py`): all four features z-scored with the population standard
 * deviation over the 100 rows. With `rng`, a stratified `trainFraction` split is drawn from it (P1
 * used sklearn's `train_test_split(train_size=0.7, stratify, random_state=0)`, whose exact rows we do
 * not reproduce); without, all 100 rows.
 */
export function irisSvmPoints(rng?: Rng, trainFraction = 0.7): LabelledPoints {
  checkInRange('trainFraction', trainFraction, 0, 1, '(]');
  const iris = irisData();
  const n = 100;
  const d = 4;
  const mean = new Float64Array(d);
  const sd = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) mean[k]! += iris.features[i * d + k]! / n;
  for (let i = 0; i < n; i++)
    for (let k = 0; k < d; k++) sd[k]! += (iris.features[i * d + k]! - mean[k]!) ** 2 / n;
  for (let k = 0; k < d; k++) sd[k] = Math.sqrt(sd[k]!);
  let rows = Array.from({ length: n }, (_, i) => i);
  if (rng) {
    const perClass = Math.round(50 * trainFraction);
    if (perClass < 1)
      throw new PaperkitInputError(
        'trainFraction',
        trainFraction,
        'a fraction keeping at least one row per class',
      );
    const pick = (offset: number) =>
      Array.from(rng.permutation(50).slice(0, perClass), (i) => offset + i).sort((a, b) => a - b);
    rows = [...pick(0), ...pick(50)];
  }
  const x: number[] = [];
  const y: number[] = [];
  for (const i of rows) {
    for (let k = 0; k < d; k++) x.push((iris.features[i * d + k]! - mean[k]!) / sd[k]!);
    y.push(iris.labels[i] === 0 ? -1 : 1);
  }
  return labelledPoints(x, y, d);
}
