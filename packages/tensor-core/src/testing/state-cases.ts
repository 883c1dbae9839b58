import type { OptimizerState } from '../optim/optimizer-state.js';
import type { TransformStateJson } from '../optim/state.js';

/** One bad optimizer state for `setState`, with the error it must produce. */
export interface BadStateCase {
  /** What is wrong. */
  readonly label: string;
  /** The state to restore. */
  readonly state: unknown;
  /** Parameters to pass to `setState`: the saved one (`x`), a record under another name (`other`), or none. */
  readonly params?: 'x' | 'other';
  /** The error comes at the next step (names are checked lazily without `params`). */
  readonly atStep?: boolean;
  /** The message, which names the field. */
  readonly message: RegExp;
}

type Mutable = { -readonly [K in keyof TransformStateJson]: TransformStateJson[K] } & Record<string, unknown>;

function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

/** Every node of a saved transform tree, depth first, with its field path. */
function nodes(root: TransformStateJson, path = 'state.transform'): { node: Mutable; path: string }[] {
  const out = [{ node: root as Mutable, path }];
  for (const [k, c] of Object.entries(root.children ?? {})) out.push(...nodes(c, `${path}.children.${k}`));
  return out;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\#]/g, '\\$&');

/** The first node (depth first) satisfying `pick`, in a fresh clone of `state`, and the clone. */
function find(
  state: OptimizerState,
  pick: (n: Mutable) => boolean,
): { copy: OptimizerState; node: Mutable; path: string } | undefined {
  const copy = clone(state);
  const hit = nodes(copy.transform).find((n) => pick(n.node));
  return hit ? { copy, ...hit } : undefined;
}

/**
 * Bad variants of a valid saved state of an optimizer that has stepped a parameter `param` (the
 * conformance suite's `x`): each case breaks one thing the restore must check. Cases that need a
 * slot, a counter, options or sub-states are included only when the state has them.
 */
export function badStates(state: OptimizerState, param: string): BadStateCase[] {
  const cases: BadStateCase[] = [
    { label: 'null', state: null, message: /^state must be an optimizer state/ },
    { label: 'another format', state: { ...clone(state), format: 'v0' }, message: /^state\.format must be/ },
    {
      label: 'another optimizer',
      state: { ...clone(state), optimizer: `Not${state.optimizer}` },
      message: /^state\.optimizer must be ".*" \(state saved by this optimizer\)/,
    },
  ];
  for (const t of [-1, 2.5, '5', Number.NaN])
    cases.push({
      label: `t = ${String(t)}`,
      state: { ...clone(state), t },
      message: /^state\.t must be an integer >= 0/,
    });
  cases.push({
    label: 'another transform kind',
    state: { ...clone(state), transform: { ...clone(state.transform), kind: 'somethingElse' } },
    message: /^state\.transform\.kind must be ".*" \(the state must come from the same chain/,
  });
  {
    const copy = clone(state);
    (copy.transform as Mutable).children = { ...(copy.transform.children ?? {}), bogus: { kind: 'bogus' } };
    cases.push({
      label: 'an extra stateful transform',
      state: copy,
      message: /^state\.transform\.children\.bogus must be absent/,
    });
  }
  const withChild = find(state, (n) => Object.keys(n.children ?? {}).length > 0);
  if (withChild) {
    const key = Object.keys(withChild.node.children!)[0]!;
    const rest = { ...withChild.node.children };
    delete rest[key];
    withChild.node.children = rest;
    cases.push({
      label: 'a missing stateful transform',
      state: withChild.copy,
      message: new RegExp(`^${esc(withChild.path)}\\.children\\.${esc(key)} must be the saved state`),
    });
  }
  const withOptions = find(state, (n) => Object.keys(n.options ?? {}).length > 0);
  if (withOptions) {
    withOptions.node.options = { ...withOptions.node.options, changed: true };
    cases.push({
      label: 'other options',
      state: withOptions.copy,
      message: new RegExp(`^${esc(withOptions.path)}\\.options must be`),
    });
  }
  {
    // The same state saved under another parameter name.
    const copy = clone(state);
    const rename = <T>(r: Readonly<Record<string, T>> | undefined): Record<string, T> | undefined =>
      r === undefined
        ? undefined
        : Object.fromEntries(Object.entries(r).map(([k, v]) => [k === param ? 'renamed' : k, v]));
    (copy as { params: unknown }).params = rename(copy.params);
    for (const { node } of nodes(copy.transform)) if (node.params) node.params = rename(node.params)!;
    if (param in state.params) {
      cases.push({
        label: 'other parameter names (checked at setState with params)',
        state: copy,
        params: 'x',
        message: /^state\.params\.renamed must be a parameter of the model/,
      });
      cases.push({
        label: 'other parameter names (checked at the next step)',
        state: copy,
        atStep: true,
        message: /^state\.params\.renamed must be a parameter of the model/,
      });
      cases.push({
        label: 'a model with other parameter names',
        state: clone(state),
        params: 'other',
        message: new RegExp(`^state\\.params\\.${esc(param)} must be a parameter of the model`),
      });
      const shape = state.params[param]!;
      cases.push({
        label: 'a wrong parameter shape',
        state: { ...clone(state), params: { ...clone(state.params), [param]: [...shape, 2] } },
        params: 'x',
        message: new RegExp(`^state\\.params\\.${esc(param)} must be \\[${shape.join(',')}\\]`),
      });
      cases.push({
        label: 'a parameter shape that is not a shape',
        state: { ...clone(state), params: { ...clone(state.params), [param]: 'ten' } },
        message: new RegExp(`^state\\.params\\.${esc(param)} must be a shape`),
      });
    }
  }
  const withSlot = find(state, (n) =>
    Object.values(n.params ?? {}).some((p) => Object.keys(p.slots ?? {}).length > 0),
  );
  if (withSlot) {
    const [p, ps] = Object.entries(withSlot.node.params!).find(
      ([, x]) => Object.keys(x.slots ?? {}).length > 0,
    )!;
    const slotName = Object.keys(ps.slots!)[0]!;
    const field = `${withSlot.path}.params.${p}.slots.${slotName}`;
    const variant = (
      label: string,
      change: (s: { shape: number[]; data: unknown[] }) => void,
      message: RegExp,
    ) => {
      const again = find(state, (n) => n.params?.[p]?.slots?.[slotName] !== undefined)!;
      change(again.node.params![p]!.slots![slotName] as unknown as { shape: number[]; data: unknown[] });
      cases.push({ label, state: again.copy, message });
    };
    variant(
      'a slot of the wrong shape',
      (s) => s.shape.push(1),
      new RegExp(`^${esc(field)}\\.shape must be \\[`),
    );
    variant(
      'NaN in a slot',
      (s) => (s.data[0] = Number.NaN),
      new RegExp(`^${esc(field)}\\.data\\[0\\] must be a finite number`),
    );
    variant(
      '∞ in a slot',
      (s) => (s.data[0] = Number.POSITIVE_INFINITY),
      new RegExp(`^${esc(field)}\\.data\\[0\\] must be a finite number`),
    );
    variant(
      'a slot of the wrong length',
      (s) => s.data.pop(),
      new RegExp(`^${esc(field)}\\.data must be an array of`),
    );
    const extra = find(state, (n) => n.params?.[p]?.slots?.[slotName] !== undefined)!;
    extra.node.params = { ...extra.node.params, unknown: extra.node.params![p]! };
    cases.push({
      label: 'a slot of a parameter missing from state.params',
      state: extra.copy,
      message: new RegExp(
        `^${esc(extra.path)}\\.params\\.unknown must be a parameter listed in state\\.params`,
      ),
    });
  }
  const withParamCounter = find(state, (n) =>
    Object.values(n.params ?? {}).some((p) => Object.keys(p.counters ?? {}).length > 0),
  );
  const withCounter = withParamCounter ?? find(state, (n) => Object.keys(n.counters ?? {}).length > 0);
  if (withCounter) {
    for (const bad of [-1, 1.5]) {
      const again = withParamCounter
        ? find(state, (n) =>
            Object.values(n.params ?? {}).some((p) => Object.keys(p.counters ?? {}).length > 0),
          )!
        : find(state, (n) => Object.keys(n.counters ?? {}).length > 0)!;
      let field: string;
      if (withParamCounter) {
        const [p, ps] = Object.entries(again.node.params!).find(
          ([, x]) => Object.keys(x.counters ?? {}).length > 0,
        )!;
        const k = Object.keys(ps.counters!)[0]!;
        (ps.counters as Record<string, number>)[k] = bad;
        field = `${again.path}.params.${p}.counters.${k}`;
      } else {
        const k = Object.keys(again.node.counters!)[0]!;
        (again.node.counters as Record<string, number>)[k] = bad;
        field = `${again.path}.counters.${k}`;
      }
      cases.push({
        label: `a counter of ${bad}`,
        state: again.copy,
        message: new RegExp(`^${esc(field)} must be an integer >= 0`),
      });
    }
  }
  return cases;
}
