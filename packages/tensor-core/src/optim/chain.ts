import type * as tf from '@tensorflow/tfjs-core';
import { TransformState } from './state.js';
import {
  type Adoption,
  type AnyTransform,
  checkTransform,
  type GradientTransformation,
  initChild,
  type StepContext,
} from './transform.js';
import type { Updates } from './updates.js';

/**
 * Keys of the stateful transforms of a list in saved state: the kind, with `#2`, `#3`, … for repeats.
 * Stateless transforms get no key, so adding or removing one keeps every other key.
 */
export function childKeys(transforms: readonly AnyTransform[]): (string | undefined)[] {
  const seen = new Map<string, number>();
  return transforms.map((t) => {
    if (!t.init) return undefined;
    const n = (seen.get(t.kind) ?? 0) + 1;
    seen.set(t.kind, n);
    return n === 1 ? t.kind : `${t.kind}#${n}`;
  });
}

/**
 * Composes transforms in order (optax's `chain`): each one's output updates feed the next, their
 * parameter scales multiply, and the parameter-space phases run in chain order. `undefined`, `null`
 * and `false` entries are skipped, so optional pieces read naturally:
 * `chain(clip && clipGlobalNorm(clip), scaleByAdam(), scaleByLearningRate())`.
 */
export function chain(
  ...transforms: readonly (AnyTransform | undefined | null | false)[]
): GradientTransformation<TransformState> {
  const list = transforms
    .filter((t): t is AnyTransform => t !== undefined && t !== null && t !== false)
    .map((t, i) => checkTransform(`transforms[${i}]`, t));
  const keys = childKeys(list);
  const stateOf = (s: TransformState, i: number) => (keys[i] === undefined ? undefined : s.child(keys[i]!));
  const withBefore = list.map((t, i) => [t, i] as const).filter(([t]) => t.beforeStep);
  const withScale = list.map((t, i) => [t, i] as const).filter(([t]) => t.paramScale);
  const withAfter = list.map((t, i) => [t, i] as const).filter(([t]) => t.afterStep);
  const self: GradientTransformation<TransformState> = {
    kind: 'chain',
    init(adopt?: Adoption) {
      const s = new TransformState(self);
      list.forEach((t, i) => {
        const c = keys[i] === undefined ? undefined : initChild(t, adopt);
        if (c) s.setChild(keys[i]!, c);
      });
      return s;
    },
    update(u: Updates, s: TransformState, ctx: StepContext): Updates {
      let out = u;
      for (let i = 0; i < list.length; i++) out = list[i]!.update(out, stateOf(s, i), ctx);
      return out;
    },
  };
  if (withBefore.length > 0)
    self.beforeStep = (
      params: Readonly<Record<string, tf.Variable>>,
      s: TransformState,
      ctx: StepContext,
    ) => {
      for (const [t, i] of withBefore) t.beforeStep!(params, stateOf(s, i), ctx);
    };
  if (withScale.length > 0)
    self.paramScale = (name: string, s: TransformState, ctx: StepContext) => {
      let f = 1;
      for (const [t, i] of withScale) f *= t.paramScale!(name, stateOf(s, i), ctx);
      return f;
    };
  if (withAfter.length > 0)
    self.afterStep = (params: Readonly<Record<string, tf.Variable>>, s: TransformState, ctx: StepContext) => {
      for (const [t, i] of withAfter) t.afterStep!(params, stateOf(s, i), ctx);
    };
  return self;
}
