import { currentBackend, type ExperimentContext, type MetricRecord, Rng } from '@paperkit/tensor-core';

/** A runner stand-in: seeded rng, collected metrics, silent progress. */
export function fakeContext(seed = 0, preset = 'quick'): ExperimentContext & { records: MetricRecord[] } {
  const records: MetricRecord[] = [];
  const backend = currentBackend() ?? {
    name: 'cpu' as const,
    label: 'cpu',
    tfjsVersion: 'n/a',
    skipped: [],
    accelerated: false,
  };
  return {
    seed,
    rng: Rng.fromSeed(seed),
    backend,
    preset,
    signal: new AbortController().signal,
    progress: { start: () => {}, update: () => {} },
    metrics: { write: (r) => records.push(r) },
    records,
  };
}
