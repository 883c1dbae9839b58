import type { MetricSpec } from '@paperkit/tensor-core';
import {
  formatExpectation,
  formatNum,
  formatStat,
  formatVerdictValue,
  verdictMark,
} from '../../../runner/src/results/format.js';
import type { ClaimData, SummaryData } from '../shared/protocol.js';
import { h } from './dom.js';

function referenceCell(r: ClaimData['reference']): (Node | string)[] {
  if (!r) return ['—'];
  const value = r.value === undefined ? '' : typeof r.value === 'number' ? formatNum(r.value) : r.value;
  return [
    h('span', { class: `provenance ${r.provenance}` }, r.provenance),
    ` ${value ? `${value} — ` : ''}${r.source}`,
  ];
}

/**
 * The claims table, as the report prints it: statement, computed metric, criterion, value over the
 * seeds, verdict, and the reference with its provenance label (paper, reference-code, derived,
 * qualitative). Each row carries `data-claim` and `data-status` for the tests.
 */
export function claimsTable(claims: readonly ClaimData[], final: boolean): HTMLTableElement {
  const table = h(
    'table',
    { class: 'claims', 'data-final': final ? 'true' : 'false' },
    h('caption', {}, final ? 'Claims' : 'Claims (cells completed so far)'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['Claim', 'Metric', 'Expected', 'Value', 'Verdict', 'Reference'].map((t) =>
          h('th', { scope: 'col' }, t),
        ),
      ),
    ),
  );
  const body = h('tbody');
  for (const c of claims) {
    const digits = c.digits ?? undefined;
    body.append(
      h(
        'tr',
        { 'data-claim': c.id, 'data-status': c.verdict.status },
        h('td', {}, c.statement),
        h('td', {}, h('code', {}, c.metric)),
        h('td', {}, formatExpectation(c.expect)),
        h('td', {}, formatVerdictValue(c.verdict, digits)),
        h(
          'td',
          { class: `verdict ${c.verdict.status}`, title: c.verdict.reason },
          verdictMark(c.verdict.status),
        ),
        h('td', {}, ...referenceCell(c.reference)),
      ),
    );
  }
  table.append(body);
  return table;
}

/** Mean [95% interval] of every metric of every cell over the seeds that completed. */
export function resultsTable(
  summary: SummaryData,
  metrics: Readonly<Record<string, MetricSpec>>,
): HTMLTableElement {
  const names = Object.keys(metrics);
  const cells = [...new Map(summary.statistics.map((s) => [s.cell, s.label])).entries()];
  const table = h(
    'table',
    { class: 'results' },
    h('caption', {}, 'Results (mean [95% interval] over seeds)'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Cell'),
        ...names.map((m) => h('th', { scope: 'col' }, metrics[m]!.label)),
      ),
    ),
  );
  const body = h('tbody');
  for (const [key, label] of cells)
    body.append(
      h(
        'tr',
        {},
        h('th', { scope: 'row' }, label || key),
        ...names.map((m) => {
          const s = summary.statistics.find((x) => x.cell === key && x.metric === m);
          return h('td', {}, s ? formatStat(s, metrics[m]!.digits) : '—');
        }),
      ),
    );
  table.append(body);
  return table;
}
