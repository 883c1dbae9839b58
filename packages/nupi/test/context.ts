import { type BackendInfo, type ExperimentContext, type MetricRecord, Rng } from '@paperkit/tensor-core';

/** A runner-free experiment context: seeded rng, no-op progress, metrics collected in memory. */
export function fakeContext(
  backend: BackendInfo,
  seed = 0,
  preset = 'quick',
): ExperimentContext & { records: MetricRecord[] } {
  const records: MetricRecord[] = [];
  return {
    seed,
    rng: Rng.fromSeed(seed),
    backend,
    preset,
    signal: new AbortController().signal,
    progress: { start: () => {}, update: () => {} },
    metrics: { write: (r) => void records.push(r) },
    records,
  };
}
