import {
  type CellRecord,
  type Claim,
  computed,
  diff,
  type PlotSpec,
  type PlotView,
  value,
  type Where,
} from '@paperkit/tensor-core';
import { LATENT_SERIES, type Method, REFERENCE_LOGS } from './shared.js';

/**
 * The claims and plot views the trained experiments share: one block per setting (a dataset variant
 * or a graph), selected by the cell parameter `param`.
 */

/** A claim id fragment from a setting name (`non_trivial` → `non-trivial`, `k=2` → `k-2`). */
export function slug(setting: string): string {
  return setting.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

/** The reference code's numbers for one setting (constraint at ‖G‖₀ unless `bound` says otherwise). */
export interface SettingReference {
  /** MCC with the constraint. */
  readonly mcc: number;
  /** MCC of the unregularised baseline (masks frozen at all-ones). */
  readonly unregularised: number;
  /** SHD with the constraint, when the logs give it. */
  readonly shd?: number;
  /** Consistent R with the constraint and unregularised (partial graphs). */
  readonly consistentR?: readonly [number, number];
  /** What differs from the setting we run (e.g. another bound). */
  readonly note?: string;
}

function source(r: SettingReference, setting: string): string {
  return `${REFERENCE_LOGS}; ${setting}${r.note ? ` (${r.note})` : ''}`;
}

/**
 * The small-scale thresholds of the validated CPU reproduction (constraint MCC ≥ 0.90, SHD ≤ 3, and
 * constraint − unregularised ≥ 0.03, the margin of its CI assertion), per setting.
 */
export function sparsityClaims(
  param: string,
  settings: readonly string[],
  methods: readonly Method[],
  references: Readonly<Record<string, SettingReference>>,
): Claim[] {
  if (!methods.includes('constraint')) return [];
  return settings.flatMap((s) => {
    const c: Where = { [param]: s, method: 'constraint' };
    const u: Where = { [param]: s, method: 'unregularised' };
    const ref = references[s];
    const claims: Claim[] = [];
    if (methods.includes('unregularised'))
      claims.push({
        id: `gap-${slug(s)}`,
        statement: `${s}: the sparsity constraint raises the MCC over the unregularised baseline by more than 0.03`,
        metric: diff('mcc', c, u),
        expect: { op: '>', value: 0, margin: 0.03 },
        ...(ref
          ? {
              reference: {
                provenance: 'reference-code',
                value: ref.mcc - ref.unregularised,
                source: source(ref, s),
              },
            }
          : {}),
      } satisfies Claim);
    claims.push(
      {
        id: `mcc-${slug(s)}`,
        statement: `${s}: with the constraint the latents are recovered element-wise (MCC ≥ 0.90)`,
        metric: value('mcc', c),
        expect: { op: '>=', value: 0.9, margin: 0 },
        ...(ref
          ? { reference: { provenance: 'reference-code', value: ref.mcc, source: source(ref, s) } }
          : {}),
      },
      {
        id: `shd-${slug(s)}`,
        statement: `${s}: the constrained masks recover the true graph up to 3 wrong edges (SHD ≤ 3)`,
        metric: value('shd', c),
        expect: { op: '<=', value: 3, margin: 0 },
        ...(ref?.shd !== undefined
          ? { reference: { provenance: 'reference-code', value: ref.shd, source: source(ref, s) } }
          : {}),
        digits: 1,
      },
    );
    return claims;
  });
}

/** Partial disentanglement: consistent R well above MCC with the constraint, and above the baseline's. */
export function partialClaims(
  settings: readonly string[],
  methods: readonly Method[],
  references: Readonly<Record<string, SettingReference>>,
): Claim[] {
  if (!methods.includes('constraint')) return [];
  return settings.flatMap((s) => {
    const c: Where = { graph: s, method: 'constraint' };
    const ref = references[s];
    const cons = ref?.consistentR;
    const claims: Claim[] = [
      {
        id: `partial-${slug(s)}`,
        statement: `${s}: with the constraint, the latents are identified up to the mixing C allows (consistent R exceeds MCC by more than 0.05)`,
        metric: computed(
          ['consistentR', 'mcc'],
          `consistentR${fmt(c)} − mcc${fmt(c)}`,
          (t) => t.value('consistentR', c) - t.value('mcc', c),
        ),
        expect: { op: '>', value: 0, margin: 0.05 },
        ...(ref && cons
          ? { reference: { provenance: 'reference-code', value: cons[0] - ref.mcc, source: source(ref, s) } }
          : {}),
      },
    ];
    if (methods.includes('unregularised'))
      claims.push({
        id: `consistent-gap-${slug(s)}`,
        statement: `${s}: the constraint raises the consistent R over the unregularised baseline by more than 0.05`,
        metric: diff('consistentR', c, { graph: s, method: 'unregularised' }),
        expect: { op: '>', value: 0, margin: 0.05 },
        ...(ref && cons
          ? { reference: { provenance: 'reference-code', value: cons[0] - cons[1], source: source(ref, s) } }
          : {}),
      });
    return claims;
  });
}

function fmt(w: Where): string {
  return `[${Object.entries(w)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}]`;
}

/** Points drawn in one latent scatter, over all latents. */
const MAX_SCATTER_POINTS = 800;

/** The true latents against the matched learned ones, one colour per latent, at the first seed. */
function latentsView(id: string, where: Where, what: string): PlotView {
  return {
    kind: 'custom',
    id,
    build: (records: readonly CellRecord[]): PlotSpec => {
      const sel = records.filter((r) => Object.entries(where).every(([k, v]) => r.cell.params[k] === v));
      const r = [...sel].sort((a, b) => a.seed - b.seed)[0];
      if (!r) throw new Error(`${id}: no cell matches ${fmt(where)}`);
      const latents = Object.entries(r.result.series ?? {}).filter(([name]) =>
        name.startsWith(LATENT_SERIES),
      );
      // The runner's scatter renderer overflows its stack at 1500 points (d_z = 6 × 250); 800 in all
      // still show curve against cloud.
      const per = Math.ceil(MAX_SCATTER_POINTS / Math.max(1, latents.length));
      const points = latents.flatMap(([name, s]) =>
        s.x.slice(0, per).map((x, i) => ({ name: name.slice(LATENT_SERIES.length), x, y: s.y[i]! })),
      );
      return {
        kind: 'scatter',
        id,
        title: `True vs learned latents, ${what}`,
        caption: `Each true latent z_i against the learned latent the MCC assignment matches to it (standardised, sign aligned), ${what}, on held-out data: an identified latent is a thin monotone curve, an entangled one a cloud. MCC ${r.result.metrics.mcc!.toFixed(3)}. Seed ${r.seed}.`,
        x: { label: 'true z_i' },
        y: { label: 'matched learned ẑ (standardised)' },
        points,
      };
    },
  };
}

/**
 * Plots of a trained experiment, per setting: the MCC (and, for partial graphs, the consistent R)
 * over training per method, the constraint's R against its bound, the learned graph (edge frequency
 * over seeds) beside the true one, the true-vs-learned latent scatters; and the per-seed MCC gaps.
 */
export function trainedPlots(
  param: string,
  settings: readonly string[],
  methods: readonly Method[],
  options: { readonly context: 'a' | 'z'; readonly consistent?: boolean } = { context: 'a' },
): PlotView[] {
  const other = options.context === 'a' ? 'action a_j' : 'previous latent z_j (t − 1)';
  const views: PlotView[] = [];
  if (methods.includes('unregularised') && methods.length > 1)
    views.push({
      kind: 'bars',
      id: 'mcc-gap',
      title: 'MCC gain over the unregularised baseline',
      caption:
        'MCC of each method minus the MCC of the unregularised baseline (masks frozen at all-ones) at the same seed, data and initialisation; above 0 the method disentangles better',
      metric: 'mcc',
      by: 'method',
      groupBy: param,
      baseline: { method: 'unregularised' },
      y: { label: 'MCC − unregularised MCC' },
    });
  for (const s of settings) {
    const k = slug(s);
    const c: Where = { [param]: s, method: 'constraint' };
    views.push({
      kind: 'lines',
      id: `mcc-${k}`,
      title: `MCC during training, ${s}`,
      caption: 'Pearson MCC of the encoder means against the true latents on held-out data, per method',
      where: { [param]: s },
      series: 'mcc',
      by: 'method',
      x: { label: 'step' },
      y: { label: 'MCC' },
      markers: true,
    });
    if (options.consistent)
      views.push({
        kind: 'lines',
        id: `consistent-r-${k}`,
        title: `Consistent R during training, ${s}`,
        caption:
          'Consistent R: each true latent regressed on the learned latents the consistency pattern C allows; near 1 means identified up to C',
        where: { [param]: s },
        series: 'consistentR',
        by: 'method',
        x: { label: 'step' },
        y: { label: 'consistent R' },
        markers: true,
      });
    if (!methods.includes('constraint')) continue;
    views.push(
      {
        kind: 'lines',
        id: `constraint-${k}`,
        title: `The sparsity constraint at work, ${s}`,
        caption:
          'Expected number of learned edges R = Σσ(log α) against the annealed bound b_t; the dual step raises λ while R > b_t',
        where: c,
        series: ['expected edges R', 'bound b_t'],
        x: { label: 'step' },
        y: { label: 'edges' },
      },
      {
        kind: 'matrix',
        id: `true-graph-${k}`,
        title: `True graph, ${s}`,
        caption: `G[i][j] = 1 when ${other} is a parent of latent z_i (rows = children)`,
        where: c,
        matrix: 'trueGraph',
        x: { label: options.context === 'a' ? 'action' : 'z at t − 1' },
        y: { label: 'latent z_i' },
        colorLabel: 'edge',
      },
      {
        kind: 'matrix',
        id: `learned-graph-${k}`,
        title: `Learned graph with the constraint, ${s}`,
        caption:
          'Learned edges 1[σ(log α) > 0.5] with rows (and temporal columns) put in the true latents’ order by the MCC assignment; the colour is the share of seeds that learned the edge',
        where: c,
        matrix: 'learnedGraph',
        x: { label: options.context === 'a' ? 'action' : 'z at t − 1' },
        y: { label: 'latent z_i' },
        colorLabel: 'share of seeds',
      },
    );
    for (const m of ['constraint', 'unregularised'] as const)
      if (methods.includes(m))
        views.push(latentsView(`latents-${k}-${m}`, { [param]: s, method: m }, `${s}, ${m}`));
  }
  return views;
}
