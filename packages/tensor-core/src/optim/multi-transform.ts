import type * as tf from '@tensorflow/tfjs-core';
import { checkObject, PaperkitInputError } from '../validate/errors.js';
import { Optimizer } from './optimizer.js';
import { type LearningRate, type Schedule, toSchedule } from './schedules.js';
import { TransformState } from './state.js';
import {
  type Adoption,
  type AnyTransform,
  checkTransform,
  type GradientTransformation,
  initChild,
  type StepContext,
} from './transform.js';
import type { Update, Updates } from './updates.js';

/** One parameter group of {@link multiTransform}. */
export interface TransformGroup {
  /** The group's parameter names, or a predicate on names. */
  readonly params: readonly string[] | ((name: string) => boolean);
  /** What the group's parameters go through. */
  readonly transform: AnyTransform;
  /**
   * The group's own learning rate or schedule (indexed by the group's own step count); default: the
   * host optimizer's. Transforms of the group see it as `ctx.lr`, so `scaleByLearningRate`, decoupled
   * weight decay and proximal steps all use it.
   */
  readonly lr?: LearningRate;
}

interface Group {
  readonly name: string;
  readonly member: (n: string) => boolean;
  readonly transform: AnyTransform;
  readonly schedule: Schedule | undefined;
}

/** State of {@link multiTransform}: the groups' states and step counts, and this step's group contexts. */
class MultiState extends TransformState {
  /** The contexts of the groups stepping now, set by `update` and cleared when the step ends. */
  stepping = new Map<string, StepContext>();
}

/**
 * Different transforms for different parameters (optax's `multi_transform`): each step partitions
 * the updated parameters by group, runs each group's transform on its part with the group's own step
 * count (`ctx.t`) and learning rate (`ctx.lr`), and merges the results. A group that gets no gradient
 * in a step does not advance. This is how to give a parameter group a second learning rate, or a
 * different optimizer per group (see {@link groupOptimizers}). Every stepped parameter must belong to
 * exactly one group.
 */
export function multiTransform(
  groups: Readonly<Record<string, TransformGroup>>,
): GradientTransformation<TransformState> {
  checkObject('groups', groups, 'a record of groups { params, transform, lr? }');
  const list: Group[] = Object.entries(groups).map(([name, g]) => {
    checkObject(`groups.${name}`, g, 'a group { params, transform, lr? }');
    const p = g.params;
    let member: (n: string) => boolean;
    if (typeof p === 'function') member = p;
    else if (Array.isArray(p) && p.every((x) => typeof x === 'string')) {
      const set = new Set(p);
      member = (n) => set.has(n);
    } else
      throw new PaperkitInputError(`groups.${name}.params`, p, 'an array of parameter names or a predicate');
    return {
      name,
      member,
      transform: checkTransform(`groups.${name}.transform`, g.transform),
      schedule: g.lr === undefined ? undefined : toSchedule(g.lr, `groups.${name}.lr`),
    };
  });
  if (list.length === 0) throw new PaperkitInputError('groups', groups, 'at least one group');
  const stateOf = (s: TransformState, g: Group) => (g.transform.init ? s.child(g.name) : undefined);
  // Membership is fixed, so each name is looked up once.
  const owners = new Map<string, Group>();
  const groupOf = (n: string): Group => {
    let g = owners.get(n);
    if (g) return g;
    const found = list.filter((x) => x.member(n));
    if (found.length !== 1)
      throw new PaperkitInputError(
        `grads.${n}`,
        n,
        found.length === 0
          ? `a parameter of one group (${list.map((x) => x.name).join(', ')})`
          : `a parameter of exactly one group (it is in ${found.map((x) => x.name).join(' and ')})`,
      );
    g = found[0]!;
    owners.set(n, g);
    return g;
  };
  /** A group's context for the step in progress: its step count advances when the step ends. */
  const groupCtx = (s: TransformState, g: Group, names: readonly string[], ctx: StepContext): StepContext => {
    const done = s.counter(g.name);
    const lr = g.schedule ? g.schedule(done) : ctx.lr;
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0)
      throw new PaperkitInputError(
        `groups.${g.name}.lr`,
        lr,
        `a finite number >= 0 at the group's step ${done}`,
      );
    return { t: done + 1, lr, names, params: ctx.params };
  };
  const partition = (names: readonly string[]): Map<Group, string[]> => {
    const out = new Map<Group, string[]>();
    for (const n of names) {
      const g = groupOf(n);
      if (!out.has(g)) out.set(g, []);
      out.get(g)!.push(n);
    }
    return out;
  };

  const self: GradientTransformation<MultiState> = {
    kind: 'multiTransform',
    options: { groups: list.map((g) => g.name) },
    init(adopt?: Adoption) {
      const s = new MultiState(self);
      for (const g of list) {
        const c = initChild(g.transform, adopt);
        if (c) s.setChild(g.name, c);
      }
      return s;
    },
    beforeStep(params: Readonly<Record<string, tf.Variable>>, s: MultiState, ctx: StepContext) {
      for (const [g, names] of partition(ctx.names))
        g.transform.beforeStep?.(params, stateOf(s, g), groupCtx(s, g, names, ctx));
    },
    update(u: Updates, s: MultiState, ctx: StepContext): Updates {
      const out: Record<string, Update> = {};
      s.stepping = new Map();
      for (const [g, names] of partition(Object.keys(u))) {
        const gctx = groupCtx(s, g, names, ctx);
        s.stepping.set(g.name, gctx);
        const part: Record<string, Update> = {};
        for (const n of names) part[n] = u[n]!;
        Object.assign(out, g.transform.update(part, stateOf(s, g), gctx));
      }
      return out;
    },
    paramScale(n: string, s: MultiState, ctx: StepContext): number {
      const g = groupOf(n);
      if (!g.transform.paramScale) return 1;
      const gctx = s.stepping.get(g.name) ?? groupCtx(s, g, [n], ctx);
      return g.transform.paramScale(n, stateOf(s, g), gctx);
    },
    afterStep(params: Readonly<Record<string, tf.Variable>>, s: MultiState) {
      for (const g of list) {
        const gctx = s.stepping.get(g.name);
        if (!gctx) continue;
        g.transform.afterStep?.(params, stateOf(s, g), gctx);
        s.setCounter(g.name, gctx.t);
      }
      s.stepping = new Map();
    },
  };
  return self as GradientTransformation<TransformState>;
}

/** One optimizer and the parameter names it updates (e.g. weights with SGD, gates with Adam). */
export interface OptimizerGroup {
  readonly optimizer: Optimizer;
  readonly params: readonly string[];
}

/**
 * One optimizer from several, each updating its own parameters with its own transform, learning
 * rate and step count: a {@link multiTransform} of their transforms (the wrapping pattern over
 * several optimizers, which are spent afterwards). Exactly what stepping each optimizer on its own
 * parameters does, with one state to save.
 */
export function groupOptimizers(groups: readonly OptimizerGroup[], name = 'GroupedOptimizer'): Optimizer {
  if (!Array.isArray(groups) || groups.length === 0)
    throw new PaperkitInputError('groups', groups, 'a non-empty array of { optimizer, params }');
  const owner = new Map<string, number>();
  groups.forEach((g, i) => {
    checkObject(`groups[${i}]`, g, 'an object { optimizer, params }');
    if (!(g.optimizer instanceof Optimizer))
      throw new PaperkitInputError(`groups[${i}].optimizer`, g.optimizer, 'a tensor-core Optimizer');
    if (!Array.isArray(g.params) || g.params.length === 0)
      throw new PaperkitInputError(`groups[${i}].params`, g.params, 'a non-empty array of parameter names');
    for (const n of g.params) {
      if (owner.has(n))
        throw new PaperkitInputError(
          `groups[${i}].params`,
          n,
          `a name not already in groups[${owner.get(n)}] (groups are disjoint)`,
        );
      owner.set(n, i);
    }
  });
  return new Optimizer({
    name,
    wraps: groups.map((g) => g.optimizer),
    parameter: 'groups[].optimizer',
    freshBecause: 'each group starts counting its own steps when grouped',
    transform: (...inner) =>
      multiTransform(
        Object.fromEntries(
          groups.map((g, i) => [
            `group${i}`,
            { params: g.params, transform: inner[i]!, lr: g.optimizer.schedule },
          ]),
        ),
      ),
  });
}
